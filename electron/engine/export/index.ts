/**
 * Model export: trained Kestrel weights -> files other runtimes load (ONNX now), with a model
 * card and line-PC examples; and a runner for exported ONNX files on onnxruntime-node.
 */
export { exportModel, listExports, resolveWeightsSource, readDetectorWeights, EXPORTS_FILE, type ExportOptions, type ExportResult, type ExportRecord } from './export';
export { EXPORT_FORMATS, type ExportFormat } from './formats';
export { createOnnxRunner, loadOrt, type OnnxRunner, type OnnxRunnerOptions } from './runner';
export { decodeOutput0, detectionsFromRows, nhwcToNchw, type OutputDecodeOptions } from './decode-output';
export { ONNX_OPSETS, type OnnxOpset } from './onnx-graph';
export { parseKestrelMetadata, type KestrelMetadata } from './metadata';
