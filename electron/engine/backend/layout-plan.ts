/**
 * Pure index planning for the data-movement kernels (layout-kernels.ts): which transposes,
 * slices and concats reduce to the two copy patterns Kestrel's SIMD module runs.
 */

/**
 * A transpose reduced to one of:
 * - 'copy': the elements keep their order (a reshape);
 * - 'swap': [N, A, P, C] -> [N, P, A, C] (rows of C elements move as a whole);
 * - 'transposeAC': [N, A, P, C] -> [N, C, P, A] (the innermost axis changes).
 */
export type TransposePlan =
  | { kind: 'copy' }
  | { kind: 'swap' | 'transposeAC'; n: number; a: number; p: number; c: number };

/**
 * Reduces `perm` over `shape` (drops size-1 axes, merges axes that stay adjacent and in order)
 * and matches the result to a {@link TransposePlan}; null when it is none of them.
 */
export function planTranspose(shape: readonly number[], perm: readonly number[]): TransposePlan | null {
  if (perm.length !== shape.length) return null;
  // Drop size-1 axes; renumber the remaining input axes.
  const kept = shape.map((d, i) => (d === 1 ? -1 : i)).filter((i) => i >= 0);
  const renumber = new Map(kept.map((axis, k) => [axis, k]));
  const p = perm.filter((axis) => renumber.has(axis)).map((axis) => renumber.get(axis)!);
  const s = kept.map((axis) => shape[axis]!);
  // Groups of input axes that stay adjacent and in order in the output.
  const groups: number[][] = [];
  for (const axis of p) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1]! + 1 === axis) last.push(axis);
    else groups.push([axis]);
  }
  const byInput = [...groups].sort((x, y) => x[0]! - y[0]!);
  const size = byInput.map((g) => g.reduce((acc, axis) => acc * s[axis]!, 1));
  const rp = groups.map((g) => byInput.indexOf(g));
  const key = rp.join(',');
  const [d0 = 1, d1 = 1, d2 = 1, d3 = 1] = size;
  switch (key) {
    case '':
    case '0':
      return { kind: 'copy' };
    case '1,0':
      return { kind: 'transposeAC', n: 1, a: d0, p: 1, c: d1 };
    case '0,2,1':
      return { kind: 'transposeAC', n: d0, a: d1, p: 1, c: d2 };
    case '2,1,0':
      return { kind: 'transposeAC', n: 1, a: d0, p: d1, c: d2 };
    case '0,3,2,1':
      return { kind: 'transposeAC', n: d0, a: d1, p: d2, c: d3 };
    case '1,0,2':
      return { kind: 'swap', n: 1, a: d0, p: d1, c: d2 };
    case '0,2,1,3':
      return { kind: 'swap', n: d0, a: d1, p: d2, c: d3 };
    default:
      return null;
  }
}

/** A tensor viewed around one axis: [outer, shape[axis], inner]. */
export function aroundAxis(shape: readonly number[], axis: number): { outer: number; inner: number } {
  let outer = 1;
  let inner = 1;
  shape.forEach((d, i) => {
    if (i < axis) outer *= d;
    else if (i > axis) inner *= d;
  });
  return { outer, inner };
}

/**
 * A slice as strided row copies (rows of `width` elements, `srcStride` apart, starting at
 * element `srcOffset`), when it cuts at most one axis; null otherwise.
 */
export function planSlice(
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
): { rows: number; width: number; srcStride: number; srcOffset: number } | null {
  const cut = shape.map((d, i) => (begin[i] !== 0 || size[i] !== d ? i : -1)).filter((i) => i >= 0);
  const total = size.reduce((a, d) => a * d, 1);
  if (cut.length === 0) return { rows: 1, width: total, srcStride: total, srcOffset: 0 };
  if (cut.length > 1) return null;
  const axis = cut[0]!;
  const { outer, inner } = aroundAxis(shape, axis);
  return { rows: outer, width: size[axis]! * inner, srcStride: shape[axis]! * inner, srcOffset: begin[axis]! * inner };
}
