import type { ModelScale, ModelSpec } from '../../shared/schemas/model';

/**
 * The detector's architecture as data: one table of layers, like an Ultralytics model yaml.
 * Both the TF.js network (build.ts) and the planner's figures (describe.ts) are derived from
 * `resolveArchitecture`, so the parameter count the planner budgets for is the one that trains.
 */

/** A row of the layer table. `from` indexes earlier rows; -1 is the previous row. */
export type LayerDef =
  | { kind: 'conv'; from: number; c2: number; k: number; s: 1 | 2 }
  | { kind: 'c2f'; from: number; c2: number; n: number; shortcut: boolean }
  | { kind: 'sppf'; from: number; c2: number; k: number }
  | { kind: 'upsample'; from: number }
  | { kind: 'concat'; from: number[] }
  | { kind: 'detect'; from: number[] };

/** YOLOv8 backbone + PAN neck + decoupled anchor-free head (channels before width scaling). */
export const YOLOV8_LAYERS: readonly LayerDef[] = [
  { kind: 'conv', from: -1, c2: 64, k: 3, s: 2 }, // 0  P1/2
  { kind: 'conv', from: -1, c2: 128, k: 3, s: 2 }, // 1  P2/4
  { kind: 'c2f', from: -1, c2: 128, n: 3, shortcut: true }, // 2
  { kind: 'conv', from: -1, c2: 256, k: 3, s: 2 }, // 3  P3/8
  { kind: 'c2f', from: -1, c2: 256, n: 6, shortcut: true }, // 4
  { kind: 'conv', from: -1, c2: 512, k: 3, s: 2 }, // 5  P4/16
  { kind: 'c2f', from: -1, c2: 512, n: 6, shortcut: true }, // 6
  { kind: 'conv', from: -1, c2: 1024, k: 3, s: 2 }, // 7  P5/32
  { kind: 'c2f', from: -1, c2: 1024, n: 3, shortcut: true }, // 8
  { kind: 'sppf', from: -1, c2: 1024, k: 5 }, // 9
  { kind: 'upsample', from: -1 }, // 10
  { kind: 'concat', from: [-1, 6] }, // 11
  { kind: 'c2f', from: -1, c2: 512, n: 3, shortcut: false }, // 12
  { kind: 'upsample', from: -1 }, // 13
  { kind: 'concat', from: [-1, 4] }, // 14
  { kind: 'c2f', from: -1, c2: 256, n: 3, shortcut: false }, // 15 P3 out
  { kind: 'conv', from: -1, c2: 256, k: 3, s: 2 }, // 16
  { kind: 'concat', from: [-1, 12] }, // 17
  { kind: 'c2f', from: -1, c2: 512, n: 3, shortcut: false }, // 18 P4 out
  { kind: 'conv', from: -1, c2: 512, k: 3, s: 2 }, // 19
  { kind: 'concat', from: [-1, 9] }, // 20
  { kind: 'c2f', from: -1, c2: 1024, n: 3, shortcut: false }, // 21 P5 out
  { kind: 'detect', from: [15, 18, 21] }, // 22
];

/** Depth and width multipliers of each scale (YOLOv8's n, s, m). */
export const SCALES: Record<ModelScale, { depth: number; width: number; maxChannels: number }> = {
  n: { depth: 0.33, width: 0.25, maxChannels: 1024 },
  s: { depth: 0.33, width: 0.5, maxChannels: 1024 },
  m: { depth: 0.67, width: 0.75, maxChannels: 768 },
};

/** Distribution bins per box side (DFL). */
export const REG_MAX = 16;
/** Strides of the three detection levels P3, P4, P5. */
export const STRIDES = [8, 16, 32] as const;

/** One convolution of the network: a Conv block (conv + norm + SiLU) or a plain 1x1 head conv with bias. */
export interface ConvSpec {
  /** Unique, stable name: weights are saved and loaded by it. */
  name: string;
  cIn: number;
  cOut: number;
  k: number;
  s: 1 | 2;
  /** Conv + norm + SiLU when true; a plain conv with bias (head outputs) when false. */
  block: boolean;
  /** GroupNorm groups for this block's channels. */
  groups: number;
  /** Output spatial side for the square input the arch was resolved at. */
  outSide: number;
  /** Initial bias of a plain conv (head priors), when not 0. */
  biasInit?: number;
}

/** A resolved row of the table: concrete channels, stride, and its convolutions. */
export interface ResolvedNode {
  index: number;
  def: LayerDef;
  /** Absolute indices of the inputs (-1 for the image). */
  from: number[];
  cOut: number;
  /** Stride relative to the input image. */
  stride: number;
  /** Bottleneck count of a C2f after depth scaling. */
  depth: number;
  convs: ConvSpec[];
  /** Elements of the tensors this node produces per image (outputs plus internal ones). */
  activationElems: number;
}

/** The whole network for one ModelSpec. */
export interface ResolvedArchitecture {
  spec: ModelSpec;
  nodes: ResolvedNode[];
  /** Channel count of the box branch and the class branch of the head. */
  head: { boxChannels: number; clsChannels: number; levels: number[] };
  /** Number of anchor points (grid cells over the three levels). */
  anchors: number;
}

/** Rounds up to a multiple of `d` (Ultralytics make_divisible). */
export function makeDivisible(x: number, d = 8): number {
  return Math.ceil(x / d) * d;
}

/** GroupNorm groups for c channels: up to 32, at least 4 channels per group, dividing c. */
export function groupsFor(c: number): number {
  let g = Math.max(1, Math.min(32, Math.floor(c / 4)));
  while (c % g !== 0) g--;
  return g;
}

/** Class-bias prior: about 5 objects per 640 px image spread over the classes (YOLOv8 Detect.bias_init). */
export function clsBiasPrior(numClasses: number, stride: number, imgsz: number): number {
  return Math.log(5 / numClasses / (imgsz / stride) ** 2);
}

/** Expands the layer table for one scale, input size and class count into concrete layers. */
export function resolveArchitecture(spec: ModelSpec): ResolvedArchitecture {
  if (spec.imgsz % 32 !== 0 || spec.imgsz < 32) throw new Error(`Input size ${spec.imgsz} is not a positive multiple of 32`);
  const sc = SCALES[spec.scale];
  const ch = (c: number) => makeDivisible(Math.min(c, sc.maxChannels) * sc.width, 8);
  const dep = (n: number) => (n > 1 ? Math.max(Math.round(n * sc.depth), 1) : n);
  const nodes: ResolvedNode[] = [];
  const side = (stride: number) => spec.imgsz / stride;
  const conv = (name: string, cIn: number, cOut: number, k: number, s: 1 | 2, outSide: number, block = true): ConvSpec => ({
    name, cIn, cOut, k, s, block, groups: groupsFor(cOut), outSide,
  });
  let head = { boxChannels: 0, clsChannels: 0, levels: [] as number[] };

  YOLOV8_LAYERS.forEach((def, i) => {
    const abs = (f: number) => (f < 0 ? i + f : f);
    const from = def.kind === 'concat' || def.kind === 'detect' ? def.from.map(abs) : [abs(def.from)];
    const inputs = from.map((f) => (f < 0 ? { cOut: 3, stride: 1 } : nodes[f]!));
    const cIn = inputs[0]!.cOut;
    const inStride = inputs[0]!.stride;
    const p = `m${i}`;
    let node: ResolvedNode;
    switch (def.kind) {
      case 'conv': {
        const stride = inStride * def.s;
        const c2 = ch(def.c2);
        node = { index: i, def, from, cOut: c2, stride, depth: 1, convs: [conv(p, cIn, c2, def.k, def.s, side(stride))], activationElems: c2 * side(stride) ** 2 };
        break;
      }
      case 'c2f': {
        const c2 = ch(def.c2);
        const n = dep(def.n);
        const c = Math.floor(c2 * 0.5);
        const s = side(inStride);
        const convs = [conv(`${p}.cv1`, cIn, 2 * c, 1, 1, s)];
        for (let b = 0; b < n; b++) {
          convs.push(conv(`${p}.m${b}.cv1`, c, c, 3, 1, s), conv(`${p}.m${b}.cv2`, c, c, 3, 1, s));
        }
        convs.push(conv(`${p}.cv2`, (2 + n) * c, c2, 1, 1, s));
        // cv1 out (2c) + per bottleneck two convs (+ residual sum when shortcut) + concat ((2+n)c) + cv2 out.
        const elems = (2 * c + n * c * (def.shortcut ? 3 : 2) + (2 + n) * c + c2) * s * s;
        node = { index: i, def, from, cOut: c2, stride: inStride, depth: n, convs, activationElems: elems };
        break;
      }
      case 'sppf': {
        const c2 = ch(def.c2);
        const c = Math.floor(cIn / 2);
        const s = side(inStride);
        const convs = [conv(`${p}.cv1`, cIn, c, 1, 1, s), conv(`${p}.cv2`, 4 * c, c2, 1, 1, s)];
        // cv1 out + 3 max pools + concat (4c) + cv2 out.
        node = { index: i, def, from, cOut: c2, stride: inStride, depth: 1, convs, activationElems: (c + 3 * c + 4 * c + c2) * s * s };
        break;
      }
      case 'upsample': {
        const stride = inStride / 2;
        node = { index: i, def, from, cOut: cIn, stride, depth: 1, convs: [], activationElems: cIn * side(stride) ** 2 };
        break;
      }
      case 'concat': {
        const c2 = inputs.reduce((a, x) => a + x.cOut, 0);
        node = { index: i, def, from, cOut: c2, stride: inStride, depth: 1, convs: [], activationElems: c2 * side(inStride) ** 2 };
        break;
      }
      case 'detect': {
        const ch0 = inputs[0]!.cOut;
        const c2 = Math.max(16, Math.floor(ch0 / 4), REG_MAX * 4);
        const c3 = Math.max(ch0, Math.min(spec.numClasses, 100));
        const convs: ConvSpec[] = [];
        let elems = 0;
        inputs.forEach((inp, l) => {
          const s = side(inp.stride);
          convs.push(
            conv(`${p}.box${l}.0`, inp.cOut, c2, 3, 1, s),
            conv(`${p}.box${l}.1`, c2, c2, 3, 1, s),
            { ...conv(`${p}.box${l}.2`, c2, 4 * REG_MAX, 1, 1, s, false), biasInit: 1.0 },
            conv(`${p}.cls${l}.0`, inp.cOut, c3, 3, 1, s),
            conv(`${p}.cls${l}.1`, c3, c3, 3, 1, s),
            { ...conv(`${p}.cls${l}.2`, c3, spec.numClasses, 1, 1, s, false), biasInit: clsBiasPrior(spec.numClasses, inp.stride, spec.imgsz) },
          );
          elems += (2 * c2 + 4 * REG_MAX + 2 * c3 + spec.numClasses) * s * s;
        });
        head = { boxChannels: c2, clsChannels: c3, levels: inputs.map((x) => x.stride) };
        node = { index: i, def, from, cOut: 4 * REG_MAX + spec.numClasses, stride: inStride, depth: 1, convs, activationElems: elems };
        break;
      }
    }
    nodes.push(node);
  });
  const anchors = STRIDES.reduce((a, s) => a + (spec.imgsz / s) ** 2, 0);
  return { spec, nodes, head, anchors };
}

/** Every convolution of the network in build order. */
export function allConvs(arch: ResolvedArchitecture): ConvSpec[] {
  return arch.nodes.flatMap((n) => n.convs);
}
