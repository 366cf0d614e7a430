/**
 * The export formats as data: one entry per format, each turning a loaded model into file
 * bytes. ONNX is the one line PCs need now; OpenVINO IR or a TF.js graph model would be one
 * more entry here (and nothing else changes: the CLI and the app list this table).
 */
import { STRIDES } from '../model/arch';
import type { ModelSpec } from '../../shared/schemas/model';
import { PAD_VALUE } from '../data/letterbox';
import type { Thresholds } from '../../shared/schemas/thresholds';
import { confByClass } from '../../shared/schemas/thresholds';
import { onnxMetadata } from './metadata';
import { encodeOnnxModel } from './onnx-file';
import { buildDetectorGraph, ONNX_OPSETS, type OnnxOpset, type WeightTensor } from './onnx-graph';

/** A model ready to export, with the run's facts. */
export interface ExportSource {
  spec: ModelSpec;
  classNames: string[];
  weights: ReadonlyMap<string, WeightTensor>;
  thresholds: Thresholds;
  runId: string | null;
  kestrelVersion: string;
  date: string;
}

/** Format options the CLI and the app pass through. */
export interface ExportFormatOptions {
  opset: number;
  nms: boolean;
}

/** One export format. */
export interface ExportFormat {
  id: string;
  /** What the user sees. */
  label: string;
  extension: string;
  /** Opsets (or versions) offered, first = default; empty when the format has none. */
  opsets: readonly number[];
  /** Whether the format can carry NMS in the model. */
  supportsNms: boolean;
  /** The exported file's name. */
  fileName(src: ExportSource, o: ExportFormatOptions): string;
  /** The exported file's bytes. */
  build(src: ExportSource, o: ExportFormatOptions): Uint8Array;
}

const onnx: ExportFormat = {
  id: 'onnx',
  label: 'ONNX (ONNX Runtime, OpenVINO, TensorRT, OpenCV DNN with opset 12)',
  extension: '.onnx',
  opsets: ONNX_OPSETS,
  supportsNms: true,
  fileName: (src, o) => `${src.runId ?? 'model'}-opset${o.opset}${o.nms ? '-nms' : ''}.onnx`,
  build(src, o) {
    const opset = o.opset as OnnxOpset;
    const graph = buildDetectorGraph({
      spec: src.spec,
      weights: src.weights,
      opset,
      ...(o.nms ? { nms: { confByClass: confByClass(src.thresholds, src.classNames), iou: src.thresholds.iou, maxDetections: 300 } } : {}),
    });
    return encodeOnnxModel(graph, {
      opset,
      producerName: 'Kestrel',
      producerVersion: src.kestrelVersion,
      docString: `Kestrel YOLOv8${src.spec.scale} detector, ${src.classNames.length} classes, ${src.spec.imgsz} px`,
      metadata: onnxMetadata({
        spec: src.spec,
        classNames: src.classNames,
        strides: STRIDES,
        letterboxFill: PAD_VALUE,
        thresholds: src.thresholds,
        kestrelVersion: src.kestrelVersion,
        runId: src.runId,
        opset,
        nms: o.nms,
        date: src.date,
      }),
    });
  },
};

/** Every format Kestrel exports, by id. */
export const EXPORT_FORMATS: Readonly<Record<string, ExportFormat>> = { onnx };
