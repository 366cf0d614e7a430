/**
 * Runs an ONNX file Kestrel exported on onnxruntime-node: the other runtime predict can use
 * (pick it by measurement; TF.js stays the fallback). Reads the file's kestrel_* metadata so
 * the caller knows the input size, classes and saved thresholds.
 */
import { readFile } from 'node:fs/promises';
import { KestrelError } from '../../shared/errors';
import { reason } from '../../shared/reason';
import { confByClass } from '../../shared/schemas/thresholds';
import type { Detection } from '../../shared/schemas/evaluation';
import { STRIDES } from '../model/arch';
import { decodeOutput0, detectionsFromRows, nhwcToNchw, type OutputDecodeOptions } from './decode-output';
import { parseKestrelMetadata, type KestrelMetadata } from './metadata';
import { readOnnxMetadata } from './onnx-file';
import { DETECTIONS_NAME, INPUT_NAME, OUTPUT_NAME } from './onnx-graph';

type Ort = typeof import('onnxruntime-node');

/** Options of {@link createOnnxRunner}. */
export interface OnnxRunnerOptions {
  /** Intra-op threads of ONNX Runtime; default 1 (as Kestrel's TF.js tests and benches). */
  threads?: number;
}

/** A loaded exported model. */
export interface OnnxRunner {
  readonly file: string;
  /** Square input side in pixels. */
  readonly imgsz: number;
  readonly classNames: string[];
  /** Anchor points (columns of output0). */
  readonly anchors: number;
  /** Whether the file has the in-graph NMS output `detections`. */
  readonly hasNms: boolean;
  /** Everything the file's kestrel_* metadata says (thresholds, letterbox fill, run id...). */
  readonly metadata: KestrelMetadata;
  /** One letterboxed image, NHWC [imgsz, imgsz, 3] in [0, 1] -> output0 [4 + classes, anchors]. */
  forward(imageNhwc: Float32Array): Promise<Float32Array>;
  /**
   * One letterboxed image -> detections in input pixels, best first. Thresholds default to the
   * ones saved in the file (per class, and its IoU).
   */
  detect(imageNhwc: Float32Array, opts?: Partial<OutputDecodeOptions>): Promise<Detection[]>;
  /** The in-graph NMS result (files exported with --nms only). */
  detectInGraph(imageNhwc: Float32Array): Promise<Detection[]>;
  dispose(): Promise<void>;
}

function unreadable(file: string, detail: string): KestrelError {
  return new KestrelError('EXPORT_ONNX_UNREADABLE', reason('EXPORT_ONNX_UNREADABLE', { file, detail }).message, { file });
}

/** Loads onnxruntime-node, or KestrelError EXPORT_RUNTIME_UNAVAILABLE. */
export async function loadOrt(): Promise<Ort> {
  try {
    return await import('onnxruntime-node');
  } catch (err) {
    const detail = err instanceof Error ? err.message.split('\n')[0]! : String(err);
    throw new KestrelError('EXPORT_RUNTIME_UNAVAILABLE', reason('EXPORT_RUNTIME_UNAVAILABLE', { detail }).message, { detail });
  }
}

/**
 * Opens an exported .onnx file on ONNX Runtime (CPU). Throws KestrelError
 * EXPORT_ONNX_UNREADABLE for a file that is not a Kestrel export, EXPORT_RUNTIME_UNAVAILABLE
 * when onnxruntime-node does not load.
 */
export async function createOnnxRunner(onnxFile: string, opts: OnnxRunnerOptions = {}): Promise<OnnxRunner> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(onnxFile);
  } catch (err) {
    throw unreadable(onnxFile, (err as Error).message);
  }
  let metadata: KestrelMetadata;
  try {
    metadata = parseKestrelMetadata(readOnnxMetadata(bytes));
  } catch (err) {
    throw unreadable(onnxFile, (err as Error).message);
  }
  const ort = await loadOrt();
  let session: Awaited<ReturnType<Ort['InferenceSession']['create']>>;
  try {
    const threads = opts.threads ?? 1;
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  } catch (err) {
    throw unreadable(onnxFile, (err as Error).message.split('\n')[0]!);
  }
  const imgsz = metadata.input.size;
  const nc = metadata.classNames.length;
  const anchors = STRIDES.reduce((a, s) => a + (imgsz / s) ** 2, 0);
  const hasNms = session.outputNames.includes(DETECTIONS_NAME);

  const run = async (imageNhwc: Float32Array): Promise<Record<string, { data: unknown }>> => {
    if (imageNhwc.length !== imgsz * imgsz * 3) throw new Error(`OnnxRunner: the image has ${imageNhwc.length} values, the model takes ${imgsz}x${imgsz}x3`);
    const input = new ort.Tensor('float32', nhwcToNchw(imageNhwc, imgsz, imgsz), [1, 3, imgsz, imgsz]);
    return (await session.run({ [INPUT_NAME]: input })) as Record<string, { data: unknown }>;
  };
  const forward = async (imageNhwc: Float32Array): Promise<Float32Array> => (await run(imageNhwc))[OUTPUT_NAME]!.data as Float32Array;

  return {
    file: onnxFile,
    imgsz,
    classNames: metadata.classNames,
    anchors,
    hasNms,
    metadata,
    forward,
    async detect(imageNhwc, o = {}) {
      const out = await forward(imageNhwc);
      return decodeOutput0(out, nc, anchors, {
        confByClass: o.confByClass ?? confByClass(metadata.thresholds, metadata.classNames),
        iou: o.iou ?? metadata.thresholds.iou,
        maxDetections: o.maxDetections ?? 300,
      });
    },
    async detectInGraph(imageNhwc) {
      if (!hasNms) throw new Error(`OnnxRunner: ${onnxFile} was exported without --nms`);
      return detectionsFromRows((await run(imageNhwc))[DETECTIONS_NAME]!.data as Float32Array);
    },
    async dispose() {
      await session.release();
    },
  };
}
