/**
 * Carrying an earlier run's weights into a new network (fine-tuning): every tensor is copied by
 * its name when the shapes agree; the class head's last conv of each level (`m<i>.cls<l>.2`) has
 * one output row per class, and those rows are matched by class NAME, so a reordered, grown or
 * shrunk class list keeps what the parent learnt for every class it still has. New classes keep
 * their fresh initial rows (with the YOLO prior bias), removed ones are dropped, and all of it is
 * reported. BatchNorm running statistics are state tensors like any other, so they travel too.
 *
 * The decision is pure and works on plain arrays (`transferWeights`); `transferIntoDetector` is
 * the small tfjs edge that reads a built detector, writes the result into it and into the EMA
 * shadow, so the EMA starts at the parent's weights rather than at noise.
 */
import * as tf from '@tensorflow/tfjs-core';
import { reason, type Reason } from '../../shared/reason';
import type { ModelSpec } from '../../shared/schemas/model';
import type { SkippedTensor, TransferReport } from '../../shared/schemas/finetune';
import { allConvs, resolveArchitecture, type ResolvedArchitecture } from './arch';
import type { Detector } from './detector';
import { initialValues } from './init';

/** A tensor as plain values (row-major, float32). */
export interface PlainTensor {
  shape: number[];
  values: Float32Array;
}

/** Tensors by the detector's names (`<conv>.filter|gamma|beta|bias|running_mean|running_var`). */
export type PlainState = Map<string, PlainTensor>;

/** The parent side of a transfer: its weights, class list and network. */
export interface ParentWeights {
  tensors: PlainState;
  classNames: readonly string[];
  spec: ModelSpec;
}

/** The new network: its spec and its fresh state (what it would start from without a parent). */
export interface TransferTarget {
  spec: ModelSpec;
  state: PlainState;
}

/** What transferWeights returns: the new network's complete state and the report. */
export interface TransferResult {
  values: PlainState;
  report: TransferReport;
}

/**
 * Shapes of every state tensor of a network, in build order, named as the detector names them.
 * Mirrors createDetector (a test keeps the two in step), so the transfer needs no tfjs.
 */
export function stateShapes(arch: ResolvedArchitecture): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const c of allConvs(arch)) {
    out.set(`${c.name}.filter`, [c.k, c.k, c.cIn, c.cOut]);
    if (c.block) {
      out.set(`${c.name}.gamma`, [c.cOut]);
      out.set(`${c.name}.beta`, [c.cOut]);
      if (arch.spec.norm === 'batch') {
        out.set(`${c.name}.running_mean`, [c.cOut]);
        out.set(`${c.name}.running_var`, [c.cOut]);
      }
    } else {
      out.set(`${c.name}.bias`, [c.cOut]);
    }
  }
  return out;
}

/** The initial state of `spec`'s network for `seed`: exactly what createDetector(spec, { seed }) starts with. */
export function freshState(spec: ModelSpec, seed = 0): PlainState {
  const arch = resolveArchitecture(spec);
  const init = initialValues(arch, seed);
  const out: PlainState = new Map();
  for (const [name, shape] of stateShapes(arch)) {
    const values = init.get(name);
    if (values) out.set(name, { shape, values });
  }
  return out;
}

/** Names of the class head's last conv of each level (one output row per class). */
export function classHeadConvs(arch: ResolvedArchitecture): string[] {
  const detect = arch.nodes.find((n) => n.def.kind === 'detect');
  if (!detect) return [];
  return arch.head.levels.map((_s, l) => `m${detect.index}.cls${l}.2`);
}

/** How two class lists line up by name: for each new class its parent index (-1 when new). */
export function matchClasses(
  parentClassNames: readonly string[],
  childClassNames: readonly string[],
): { classMap: number[]; keptClasses: string[]; newClasses: string[]; removedClasses: string[] } {
  const firstIndex = new Map<string, number>();
  parentClassNames.forEach((n, i) => {
    if (!firstIndex.has(n)) firstIndex.set(n, i);
  });
  const classMap = childClassNames.map((n) => firstIndex.get(n) ?? -1);
  const childSet = new Set(childClassNames);
  return {
    classMap,
    keptClasses: childClassNames.filter((_n, i) => classMap[i]! >= 0),
    newClasses: childClassNames.filter((_n, i) => classMap[i] === -1),
    removedClasses: parentClassNames.filter((n) => !childSet.has(n)),
  };
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * Copies class rows (the last axis) of a class-head tensor: child row j <- parent row
 * classMap[j]; rows of new classes keep the child's values. Null when the leading axes differ.
 */
function copyClassRows(parent: PlainTensor, child: PlainTensor, classMap: readonly number[]): Float32Array | null {
  const ncP = parent.shape[parent.shape.length - 1] ?? 0;
  const ncC = child.shape[child.shape.length - 1] ?? 0;
  if (ncC !== classMap.length || !sameShape(parent.shape.slice(0, -1), child.shape.slice(0, -1))) return null;
  const out = Float32Array.from(child.values);
  const lead = ncC === 0 ? 0 : child.values.length / ncC;
  for (let r = 0; r < lead; r++) {
    for (let j = 0; j < ncC; j++) {
      const pj = classMap[j]!;
      if (pj >= 0 && pj < ncP) out[r * ncC + j] = parent.values[r * ncP + pj]!;
    }
  }
  return out;
}

/**
 * Builds the new network's state from its fresh state and a parent's weights. Same name and
 * shape: copied. Class-head tensors: class rows matched by name. A name the parent lacks (or
 * with another shape) keeps its fresh value and is listed; parent tensors without a place are
 * listed as dropped. Pure: the inputs are not changed and the output arrays are new.
 */
export function transferWeights(parent: ParentWeights, child: TransferTarget, childClassNames: readonly string[]): TransferResult {
  if (childClassNames.length !== child.spec.numClasses) {
    throw new Error(`transferWeights: ${childClassNames.length} class names for a ${child.spec.numClasses}-class network`);
  }
  const { classMap, keptClasses, newClasses, removedClasses } = matchClasses(parent.classNames, childClassNames);
  const identityClasses = parent.classNames.length === childClassNames.length && classMap.every((p, j) => p === j);
  const headConvs = new Set(classHeadConvs(resolveArchitecture(child.spec)));
  const isClassTensor = (name: string) => {
    const dot = name.lastIndexOf('.');
    return headConvs.has(name.slice(0, dot)) && (name.endsWith('.filter') || name.endsWith('.bias'));
  };

  const values: PlainState = new Map();
  const reshapedByClass: string[] = [];
  const fresh: string[] = [];
  const skipped: SkippedTensor[] = [];
  let copied = 0;
  let copiedValues = 0;
  let totalValues = 0;
  for (const [name, c] of child.state) {
    totalValues += c.values.length;
    const p = parent.tensors.get(name);
    const keepFresh = () => values.set(name, { shape: [...c.shape], values: Float32Array.from(c.values) });
    if (!p) {
      fresh.push(name);
      keepFresh();
      continue;
    }
    if (sameShape(p.shape, c.shape) && (identityClasses || !isClassTensor(name))) {
      values.set(name, { shape: [...c.shape], values: Float32Array.from(p.values) });
      copied++;
      copiedValues += c.values.length;
      continue;
    }
    if (isClassTensor(name)) {
      const rows = copyClassRows(p, c, classMap);
      if (rows) {
        values.set(name, { shape: [...c.shape], values: rows });
        reshapedByClass.push(name);
        copiedValues += (c.values.length / Math.max(1, classMap.length)) * keptClasses.length;
        continue;
      }
    }
    skipped.push({ name, reason: `the parent's shape ${shapeText(p.shape)} differs from the new network's ${shapeText(c.shape)}` });
    fresh.push(name);
    keepFresh();
  }
  const dropped = [...parent.tensors.keys()].filter((n) => !child.state.has(n));
  return {
    values,
    report: { copied, reshapedByClass, fresh, dropped, skipped, keptClasses, newClasses, removedClasses, classMap, copiedValues, totalValues },
  };
}

/** The tensors a fine-tuning run starts from (the caller disposes both maps). */
export interface FineTuneStart {
  /** The network's weights and buffers: the parent's, carried into the fresh network. */
  raw: Map<string, tf.Tensor>;
  /** The same values as separate tensors for the EMA shadow, so the EMA starts at the parent. */
  ema: Map<string, tf.Tensor>;
  report: TransferReport;
}

/**
 * What a training session starts a fine-tune from: the fresh network of `spec` for `seed`
 * (exactly createDetector(spec, { seed })'s initial values) with the parent's weights carried in,
 * as the `raw` and `ema` tensors a session start takes (a checkpoint resume uses the same slots).
 */
export function fineTuneStart(parent: ParentWeights, spec: ModelSpec, classNames: readonly string[], seed: number): FineTuneStart {
  const { values, report } = transferWeights(parent, { spec, state: freshState(spec, seed) }, classNames);
  const upload = () => new Map<string, tf.Tensor>([...values].map(([n, v]) => [n, tf.tensor(v.values, v.shape, 'float32')]));
  return { raw: upload(), ema: upload(), report };
}

/** Reads a detector's current variables as plain arrays (one device read per tensor). */
export async function readState(det: Detector): Promise<PlainState> {
  const out: PlainState = new Map();
  for (const [name, v] of det.state()) {
    // A copy: the variable's buffer may be reused once it is assigned.
    out.set(name, { shape: [...v.shape], values: Float32Array.from((await v.data()) as Float32Array) });
  }
  return out;
}

/**
 * Transfers a parent's weights into a built detector (its current values are the fresh side) and,
 * when given, into the EMA shadow variables of the same names, so validation of the first epoch
 * already sees the parent's accuracy. Returns the report. Call before the optimizer's first step.
 */
export async function transferIntoDetector(
  parent: ParentWeights,
  det: Detector,
  childClassNames: readonly string[],
  ema?: Map<string, tf.Variable>,
): Promise<TransferReport> {
  const { values, report } = transferWeights(parent, { spec: det.spec, state: await readState(det) }, childClassNames);
  const tensors = new Map<string, tf.Tensor>([...values].map(([n, v]) => [n, tf.tensor(v.values, v.shape, 'float32')]));
  try {
    det.setState(tensors);
    if (ema) {
      for (const [name, s] of ema) {
        const t = tensors.get(name);
        if (t && sameShape(t.shape, s.shape)) s.assign(t);
      }
    }
  } finally {
    tf.dispose([...tensors.values()]);
  }
  return report;
}

/** Up to `max` names joined for a sentence, with how many more there are. */
function listNames(names: readonly string[], max = 8): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** A start from Kestrel's pretrained weights as one sentence: what carried over; the class rows are the dataset's own. */
export function pretrainedReasons(report: TransferReport, name: string, classes: number): Reason[] {
  const percent = report.totalValues > 0 ? Math.round((1000 * report.copiedValues) / report.totalValues) / 10 : 0;
  return [reason('PRETRAINED_TRANSFERRED', { name, copied: report.copied + report.reshapedByClass.length, percent, classes })];
}

/**
 * The report as sentences for the run's events and Results (en + zh through the catalogue):
 * what was copied, which classes are new, removed or shared with none, what starts fresh.
 */
export function transferReasons(report: TransferReport, parentRun: string, which: string): Reason[] {
  const out: Reason[] = [];
  const percent = report.totalValues > 0 ? Math.round((1000 * report.copiedValues) / report.totalValues) / 10 : 0;
  out.push(reason('FINETUNE_TRANSFERRED', { parentRun, which, copied: report.copied + report.reshapedByClass.length, percent, kept: report.keptClasses.length }));
  if (report.keptClasses.length === 0) out.push(reason('FINETUNE_NO_SHARED_CLASSES', { parentRun }));
  if (report.newClasses.length > 0) out.push(reason('FINETUNE_NEW_CLASSES', { names: listNames(report.newClasses) }));
  if (report.removedClasses.length > 0) out.push(reason('FINETUNE_REMOVED_CLASSES', { parentRun, names: listNames(report.removedClasses) }));
  const first = report.skipped[0];
  if (report.fresh.length > 0) {
    out.push(reason('FINETUNE_TENSORS_FRESH', {
      parentRun,
      count: report.fresh.length,
      example: first?.name ?? report.fresh[0]!,
      why: first ? first.reason : 'the parent has no such tensor',
    }));
  }
  return out;
}
