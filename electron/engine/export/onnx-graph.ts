/**
 * Kestrel's detector as an ONNX graph, node for node the forward pass of model/detector.ts in
 * eval mode, with the decode of eval/decode.ts in the graph: output `output0` is
 * [1, 4 + classes, anchors] (cx, cy, w, h in input pixels, then sigmoid class scores), the
 * layout of Ultralytics YOLOv8 exports. Optionally (`nms`) a NonMaxSuppression tail adds
 * `detections` [N, 6] (x1, y1, x2, y2, score, class) at the run's per-class thresholds.
 *
 * Valid at opset 12 and 17: no Split at opset 12 (OpenCV DNN), Softmax over the last axis only,
 * Reduce* with axes as attributes, GroupNorm as Reshape + InstanceNormalization + affine.
 */
import { REG_MAX, STRIDES, resolveArchitecture, type ConvSpec, type ResolvedNode } from '../model/arch';
import { NORM_EPS } from '../model/detector';
import type { ModelSpec } from '../../shared/schemas/model';
import { foldBatchNorm, hwioToOihw, samePads } from './fold';
import { GraphBuilder, ONNX_FLOAT, type OnnxGraph, type OnnxValueInfo } from './onnx-builder';

/** Opsets Kestrel exports. */
export const ONNX_OPSETS = [17, 12] as const;
export type OnnxOpset = (typeof ONNX_OPSETS)[number];

/** A named weight as the detector holds it. */
export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

/** The in-graph NMS settings (from thresholds.json). */
export interface GraphNmsOptions {
  /** Confidence threshold per class, in class order. */
  confByClass: number[];
  iou: number;
  /** Most detections kept (300, as Kestrel's decode). */
  maxDetections: number;
}

/** What to build. */
export interface DetectorGraphOptions {
  spec: ModelSpec;
  /** Every detector variable by name (`<conv>.filter|gamma|beta|bias|running_mean|running_var`). */
  weights: ReadonlyMap<string, WeightTensor>;
  opset: OnnxOpset;
  nms?: GraphNmsOptions;
}

/** Graph input and output names (Ultralytics' names, so existing consumers find them). */
export const INPUT_NAME = 'images';
export const OUTPUT_NAME = 'output0';
export const DETECTIONS_NAME = 'detections';

/** Anchor centres per anchor, levels P3..P5 row-major, as eval/decode.ts anchorsFor. */
function anchorGrid(imgsz: number): { xs: number[]; ys: number[]; strides: number[] } {
  const xs: number[] = [];
  const ys: number[] = [];
  const strides: number[] = [];
  for (const s of STRIDES) {
    const n = imgsz / s;
    for (let row = 0; row < n; row++) {
      for (let col = 0; col < n; col++) {
        xs.push((col + 0.5) * s);
        ys.push((row + 0.5) * s);
        strides.push(s);
      }
    }
  }
  return { xs, ys, strides };
}

/** Builds the ONNX graph of a detector (see the file header). */
export function buildDetectorGraph(o: DetectorGraphOptions): OnnxGraph {
  const { spec, opset } = o;
  const arch = resolveArchitecture(spec);
  const g = new GraphBuilder();
  const weight = (name: string): WeightTensor => {
    const w = o.weights.get(name);
    if (!w) throw new Error(`buildDetectorGraph: weight ${name} is missing`);
    return w;
  };

  /** Conv (+ folded BatchNorm, or GroupNorm) + SiLU, or a plain conv with bias when !c.block. */
  const conv = (x: string, c: ConvSpec, inSide: number): string => {
    const f = weight(`${c.name}.filter`);
    const w = hwioToOihw(f.data, c.k, c.k, c.cIn, c.cOut);
    const pads = samePads(inSide, c.k, c.s);
    const attrs = { kernel_shape: { ints: [c.k, c.k] }, strides: { ints: [c.s, c.s] }, pads: { ints: pads }, dilations: { ints: [1, 1] }, group: { i: 1 } };
    const dims = [c.cOut, c.cIn, c.k, c.k];
    if (!c.block) {
      return g.op('Conv', [x, g.floats(`${c.name}.weight`, dims, w), g.floats(`${c.name}.bias`, [c.cOut], weight(`${c.name}.bias`).data)], attrs, c.name);
    }
    const gamma = weight(`${c.name}.gamma`).data;
    const beta = weight(`${c.name}.beta`).data;
    let z: string;
    if (spec.norm === 'batch') {
      const folded = foldBatchNorm(w, c.cOut, {
        gamma,
        beta,
        mean: weight(`${c.name}.running_mean`).data,
        variance: weight(`${c.name}.running_var`).data,
        eps: NORM_EPS,
      });
      z = g.op('Conv', [x, g.floats(`${c.name}.weight`, dims, folded.weight), g.floats(`${c.name}.bias`, [c.cOut], folded.bias)], attrs, c.name);
    } else {
      // GroupNorm: statistics per image and group over (channels of the group, H, W), which is
      // InstanceNormalization on [1, groups, C/groups*H*W]; then the per-channel affine.
      const y = g.op('Conv', [x, g.floats(`${c.name}.weight`, dims, w)], attrs, c.name);
      const side = c.outSide;
      const grouped = g.op('Reshape', [y, g.ints(`${c.name}.gshape`, [1, c.groups, -1])], {}, `${c.name}.grouped`);
      const normed = g.op(
        'InstanceNormalization',
        [grouped, g.floats(`${c.name}.gn_one`, [c.groups], new Float32Array(c.groups).fill(1)), g.floats(`${c.name}.gn_zero`, [c.groups], new Float32Array(c.groups))],
        { epsilon: { f: NORM_EPS } },
        `${c.name}.gn`,
      );
      const back = g.op('Reshape', [normed, g.ints(`${c.name}.shape`, [1, c.cOut, side, side])], {}, `${c.name}.ungrouped`);
      const scaled = g.op('Mul', [back, g.floats(`${c.name}.gamma`, [c.cOut, 1, 1], gamma)], {}, `${c.name}.scaled`);
      z = g.op('Add', [scaled, g.floats(`${c.name}.beta`, [c.cOut, 1, 1], beta)], {}, `${c.name}.norm`);
    }
    return g.op('Mul', [z, g.op('Sigmoid', [z], {}, `${c.name}.sig`)], {}, `${c.name}.silu`);
  };

  const convOf = (node: ResolvedNode, name: string): ConvSpec => {
    const c = node.convs.find((cv) => cv.name === name);
    if (!c) throw new Error(`buildDetectorGraph: no conv ${name}`);
    return c;
  };

  /** The two halves of x along channels, with Split at opset 17 and two Slices at opset 12. */
  const halves = (x: string, c: number, base: string): [string, string] => {
    if (opset >= 13) {
      const [a, b] = g.opN('Split', [x, g.ints(`${base}.split`, [c, c])], 2, { axis: { i: 1 } }, `${base}.split`);
      return [a!, b!];
    }
    const axes = g.ints(`${base}.axes`, [1]);
    const a = g.op('Slice', [x, g.ints(`${base}.s0`, [0]), g.ints(`${base}.e0`, [c]), axes], {}, `${base}.half0`);
    const b = g.op('Slice', [x, g.ints(`${base}.s1`, [c]), g.ints(`${base}.e1`, [2 * c]), axes], {}, `${base}.half1`);
    return [a, b];
  };

  const side = (stride: number): number => spec.imgsz / stride;
  const inputName = g.reserve(INPUT_NAME);
  const outs: string[] = [];
  const strideOf: number[] = [];
  let box: string[] = [];
  let cls: string[] = [];

  for (const node of arch.nodes) {
    const ins = node.from.map((f) => (f < 0 ? inputName : outs[f]!));
    const inStride = node.from[0]! < 0 ? 1 : strideOf[node.from[0]!]!;
    const x = ins[0]!;
    const p = `m${node.index}`;
    let y: string;
    switch (node.def.kind) {
      case 'conv':
        y = conv(x, convOf(node, p), side(inStride));
        break;
      case 'c2f': {
        const s = side(inStride);
        const cv1 = convOf(node, `${p}.cv1`);
        const t = conv(x, cv1, s);
        const parts = halves(t, cv1.cOut / 2, p);
        let cur = parts[1];
        const all = [...parts];
        for (let i = 0; i < node.depth; i++) {
          const b = conv(conv(cur, convOf(node, `${p}.m${i}.cv1`), s), convOf(node, `${p}.m${i}.cv2`), s);
          cur = node.def.shortcut ? g.op('Add', [cur, b], {}, `${p}.m${i}.add`) : b;
          all.push(cur);
        }
        y = conv(g.op('Concat', all, { axis: { i: 1 } }, `${p}.cat`), convOf(node, `${p}.cv2`), s);
        break;
      }
      case 'sppf': {
        const s = side(inStride);
        const k = node.def.k;
        const y0 = conv(x, convOf(node, `${p}.cv1`), s);
        const pool = (v: string, i: number): string =>
          g.op('MaxPool', [v], { kernel_shape: { ints: [k, k] }, strides: { ints: [1, 1] }, pads: { ints: samePads(s, k, 1) } }, `${p}.pool${i}`);
        const y1 = pool(y0, 1);
        const y2 = pool(y1, 2);
        const y3 = pool(y2, 3);
        y = conv(g.op('Concat', [y0, y1, y2, y3], { axis: { i: 1 } }, `${p}.cat`), convOf(node, `${p}.cv2`), s);
        break;
      }
      case 'upsample':
        // TF resizeNearestNeighbor (no align corners, no half-pixel centres): source = floor(dst / 2).
        y = g.op(
          'Resize',
          [x, g.floats(`${p}.roi`, [0], []), g.floats(`${p}.scales`, [4], [1, 1, 2, 2])],
          { mode: { s: 'nearest' }, coordinate_transformation_mode: { s: 'asymmetric' }, nearest_mode: { s: 'floor' } },
          `${p}.up`,
        );
        break;
      case 'concat':
        y = g.op('Concat', ins, { axis: { i: 1 } }, `${p}.cat`);
        break;
      case 'detect': {
        box = [];
        cls = [];
        ins.forEach((xi, l) => {
          const s = side(strideOf[node.from[l]!]!);
          const flat = (v: string, c: number, base: string): string => g.op('Reshape', [v, g.ints(`${base}.shape`, [1, c, s * s])], {}, `${base}.flat`);
          const b = conv(conv(conv(xi, convOf(node, `${p}.box${l}.0`), s), convOf(node, `${p}.box${l}.1`), s), convOf(node, `${p}.box${l}.2`), s);
          box.push(flat(b, 4 * REG_MAX, `${p}.box${l}`));
          const c = conv(conv(conv(xi, convOf(node, `${p}.cls${l}.0`), s), convOf(node, `${p}.cls${l}.1`), s), convOf(node, `${p}.cls${l}.2`), s);
          cls.push(flat(c, spec.numClasses, `${p}.cls${l}`));
        });
        y = x;
        break;
      }
    }
    outs.push(y);
    strideOf.push(node.stride);
  }
  if (box.length === 0) throw new Error('buildDetectorGraph: the architecture has no detect layer');

  // Decode (eval/decode.ts): DFL softmax expectation per side, x stride, around the anchor centre.
  const a = arch.anchors;
  const nc = spec.numClasses;
  const boxAll = g.op('Concat', box, { axis: { i: 2 } }, 'head.box'); // [1, 64, A]
  const sides = g.op('Reshape', [boxAll, g.ints('dfl.shape', [1, 4, REG_MAX, a])], {}, 'dfl.sides'); // [1, 4, 16, A]
  const binsLast = g.op('Transpose', [sides], { perm: { ints: [0, 1, 3, 2] } }, 'dfl.t'); // [1, 4, A, 16]
  // Softmax over the last axis: the same meaning at opset 12 (which flattens from `axis` on) and 17.
  const probs = g.op('Softmax', [binsLast], { axis: { i: 3 } }, 'dfl.softmax');
  const bins = g.floats('dfl.bins', [REG_MAX, 1], Array.from({ length: REG_MAX }, (_, i) => i));
  const expect = g.op('MatMul', [probs, bins], {}, 'dfl.expect'); // [1, 4, A, 1]
  const dist = g.op('Reshape', [expect, g.ints('dfl.dist_shape', [1, 4, a])], {}, 'dfl.dist'); // l, t, r, b in stride units
  const grid = anchorGrid(spec.imgsz);
  const pix = g.op('Mul', [dist, g.floats('anchors.strides', [1, 1, a], grid.strides)], {}, 'dfl.pixels');
  // [cx, cy, w, h] = M [l, t, r, b] + [ax, ay, 0, 0] (Ultralytics dist2bbox, xywh).
  const m = [-0.5, 0, 0.5, 0, 0, -0.5, 0, 0.5, 1, 0, 1, 0, 0, 1, 0, 1];
  const offsets = [...grid.xs, ...grid.ys, ...new Array<number>(2 * a).fill(0)];
  const xywh = g.op('Add', [g.op('MatMul', [g.floats('box.ltrb_to_xywh', [4, 4], m), pix], {}, 'box.rel'), g.floats('anchors.points', [1, 4, a], offsets)], {}, 'box.xywh');
  const clsAll = g.op('Concat', cls, { axis: { i: 2 } }, 'head.cls'); // [1, nc, A]
  const scores = g.op('Sigmoid', [clsAll], {}, 'scores');
  const output0 = g.reserve(OUTPUT_NAME);
  g.opInto('Concat', [xywh, scores], output0, { axis: { i: 1 } });

  const outputs: OnnxValueInfo[] = [{ name: output0, dataType: ONNX_FLOAT, shape: [1, 4 + nc, a] }];
  if (!o.nms) return g.graph('kestrel_detector', [{ name: inputName, dataType: ONNX_FLOAT, shape: [1, 3, spec.imgsz, spec.imgsz] }], [...outputs]);
  const det = addNmsTail(g, xywh, scores, a, nc, o.nms);
  return g.graph(
    'kestrel_detector',
    [{ name: inputName, dataType: ONNX_FLOAT, shape: [1, 3, spec.imgsz, spec.imgsz] }],
    [...outputs, { name: det, dataType: ONNX_FLOAT, shape: ['detections', 6] }],
  );
}

/**
 * NonMaxSuppression tail: each anchor keeps its best class (as Kestrel's display decode), a
 * class's score counts when it reaches that class's threshold, class-aware NMS at `iou`, the
 * best `maxDetections` overall, as [N, 6] x1, y1, x2, y2, score, class, best first.
 * Filtering by class threshold before NMS equals filtering after it: a box is only ever
 * suppressed by a higher-scoring box of its own class, which passes whenever it does.
 */
function addNmsTail(g: GraphBuilder, xywh: string, scores: string, a: number, nc: number, o: GraphNmsOptions): string {
  if (o.confByClass.length !== nc) throw new Error(`buildDetectorGraph: ${o.confByClass.length} thresholds for ${nc} classes`);
  const boxes = g.op('Transpose', [xywh], { perm: { ints: [0, 2, 1] } }, 'nms.boxes'); // [1, A, 4]
  const best = g.op('ReduceMax', [scores], { axes: { ints: [1] }, keepdims: { i: 1 } }, 'nms.best'); // [1, 1, A]
  const isBest = g.op('Equal', [scores, best], {}, 'nms.is_best');
  const passes = g.op('GreaterOrEqual', [scores, g.floats('nms.class_conf', [1, nc, 1], o.confByClass)], {}, 'nms.passes');
  const keep = g.op('And', [isBest, passes], {}, 'nms.keep');
  const masked = g.op('Where', [keep, scores, g.floats('nms.dropped', [], [-1])], {}, 'nms.scores');
  const selected = g.op(
    'NonMaxSuppression',
    [boxes, masked, g.ints('nms.max_per_class', [o.maxDetections]), g.floats('nms.iou', [1], [o.iou]), g.floats('nms.score_min', [1], [0])],
    { center_point_box: { i: 1 } },
    'nms.selected',
  ); // [N, 3] (batch, class, anchor)
  const selScores = g.op('GatherND', [masked, selected], {}, 'nms.sel_scores'); // [N]
  const k = g.op('Min', [g.op('Shape', [selScores], {}, 'nms.count'), g.ints('nms.max_det', [o.maxDetections])], {}, 'nms.k');
  const [vals, order] = g.opN('TopK', [selScores, k], 2, { axis: { i: 0 }, largest: { i: 1 }, sorted: { i: 1 } }, 'nms.top');
  const rows = g.op('Gather', [selected, order!], { axis: { i: 0 } }, 'nms.rows'); // [K, 3]
  const cols = g.ints('nms.col_axis', [1]);
  const clsCol = g.op('Slice', [rows, g.ints('nms.c0', [1]), g.ints('nms.c1', [2]), cols], {}, 'nms.cls'); // [K, 1]
  const boxCol = g.op('Slice', [rows, g.ints('nms.b0', [2]), g.ints('nms.b1', [3]), cols], {}, 'nms.anchor');
  const anchorIdx = g.op('Reshape', [boxCol, g.ints('nms.flat', [-1])], {}, 'nms.anchor_idx');
  const boxes2d = g.op('Reshape', [boxes, g.ints('nms.boxes_shape', [a, 4])], {}, 'nms.boxes2d');
  const sel = g.op('Gather', [boxes2d, anchorIdx], { axis: { i: 0 } }, 'nms.sel_boxes'); // [K, 4] xywh
  // corners = xywh @ C: x1 = cx - w/2, y1 = cy - h/2, x2 = cx + w/2, y2 = cy + h/2.
  const c = [1, 0, 1, 0, 0, 1, 0, 1, -0.5, 0, 0.5, 0, 0, -0.5, 0, 0.5];
  const corners = g.op('MatMul', [sel, g.floats('nms.xywh_to_xyxy', [4, 4], c)], {}, 'nms.corners');
  const scoreCol = g.op('Reshape', [vals!, g.ints('nms.col', [-1, 1])], {}, 'nms.score_col');
  const clsF = g.op('Cast', [clsCol], { to: { i: ONNX_FLOAT } }, 'nms.cls_f');
  const out = g.reserve(DETECTIONS_NAME);
  g.opInto('Concat', [corners, scoreCol, clsF], out, { axis: { i: 1 } });
  return out;
}
