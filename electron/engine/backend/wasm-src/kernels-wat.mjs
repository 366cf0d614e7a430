// WebAssembly text of Kestrel's SIMD kernels (electron/engine/backend/simd-kernels.ts).
//
// They run on the wasm backend's own memory (imported), on tensors the backend allocated, and
// fuse the element-wise parts of the Conv+Norm+SiLU block: a pass each instead of the 4-12
// separate single-threaded tfjs kernels they replace. The text is generated so the vector
// sigmoid and the batch/pixel/channel loops are written once. `node electron/engine/backend/wasm-src/build.mjs`
// compiles it (wabt) into electron/engine/backend/simd-kernels-wasm.ts.
//
// Layout: NHWC tensors of B samples x HW pixels x C channels (C a multiple of 4), pointers are
// byte offsets, per-channel vectors hold C floats (vstride 0: shared by all samples, BatchNorm)
// or B x C floats (vstride C: one row per sample, GroupNorm).

/** f32x4 constant from one number. */
const k = (x) => `(v128.const f32x4 ${x} ${x} ${x} ${x})`;

/**
 * Instructions setting local `out` to sigmoid(local `z`) = 1 / (1 + exp(-z)), exp as Cephes'
 * expf: 2^n * p(r) with n = round(x / ln 2), r = x - n ln 2 (in two parts), p of degree 7.
 * 2^n is built from the bits of n + 127 + 2^23 (exact as a float; shifting left by 23 keeps
 * n + 127 as the exponent), and the clamp uses pmin/pmax (one instruction each; plain min/max
 * carry NaN rules that cost several). Uses locals $ex $en $er $ep.
 */
function sigmoid(z, out) {
  return `
    (local.set $ex (f32x4.pmin (f32x4.pmax (f32x4.neg (local.get ${z})) ${k(-87.3)}) ${k(88.3)}))
    (local.set $en (f32x4.nearest (f32x4.mul (local.get $ex) ${k(1.4426950408889634)})))
    (local.set $er (f32x4.sub (f32x4.sub (local.get $ex) (f32x4.mul (local.get $en) ${k(0.693359375)}))
                              (f32x4.mul (local.get $en) ${k(-2.12194440e-4)})))
    (local.set $ep (f32x4.add (f32x4.mul ${k(1.9875691500e-4)} (local.get $er)) ${k(1.3981999507e-3)}))
    (local.set $ep (f32x4.add (f32x4.mul (local.get $ep) (local.get $er)) ${k(8.3334519073e-3)}))
    (local.set $ep (f32x4.add (f32x4.mul (local.get $ep) (local.get $er)) ${k(4.1665795894e-2)}))
    (local.set $ep (f32x4.add (f32x4.mul (local.get $ep) (local.get $er)) ${k(1.6666665459e-1)}))
    (local.set $ep (f32x4.add (f32x4.mul (local.get $ep) (local.get $er)) ${k(5.0000001201e-1)}))
    (local.set $ep (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $ep) (local.get $er)) (local.get $er)) (local.get $er)) ${k(1)}))
    (local.set $ep (f32x4.mul (local.get $ep)
      (i32x4.shl (f32x4.add (local.get $en) ${k(8388735)}) (i32.const 23))))
    (local.set ${out} (f32x4.div ${k(1)} (f32x4.add ${k(1)} (local.get $ep))))`;
}
const sigmoidLocals = '(local $ex v128) (local $en v128) (local $er v128) (local $ep v128)';

/**
 * One exported function looping over samples ($b), pixels and 4-channel groups. `vectors` are
 * per-channel vector params (their per-sample base is set in locals `<name>_b`), `rows` are
 * [B, C] params whose per-sample row base is `<name>_b` and which are zeroed before use,
 * `streams` are NHWC params advanced by 16 bytes per step. The body sees `$c` as the channel
 * byte offset and loads vectors as `(v128.load (i32.add (local.get $<name>_b) (local.get $c)))`.
 */
function kernel(name, { streams, vectors = [], rows = [], locals = '', body }) {
  const params = [...streams, ...vectors, ...rows].map((p) => `(param $${p} i32)`).join(' ');
  const bases = [...vectors, ...rows].map((p) => `(local $${p}_b i32)`).join(' ');
  const setBases = vectors
    .map((v) => `(local.set $${v}_b (i32.add (local.get $${v}) (i32.mul (local.get $b) (local.get $vbytes))))`)
    .concat(rows.map((r) => `(local.set $${r}_b (i32.add (local.get $${r}) (i32.mul (local.get $b) (local.get $cbytes))))`))
    .join('\n      ');
  const zeroRows = rows.length
    ? `(local.set $c (i32.const 0))
      (block $zd (loop $zl
        (br_if $zd (i32.ge_u (local.get $c) (local.get $cbytes)))
        ${rows.map((r) => `(v128.store (i32.add (local.get $${r}_b) (local.get $c)) (v128.const i32x4 0 0 0 0))`).join('\n        ')}
        (local.set $c (i32.add (local.get $c) (i32.const 16)))
        (br $zl)))`
    : '';
  const advance = streams.map((s) => `(local.set $${s} (i32.add (local.get $${s}) (i32.const 16)))`).join('\n          ');
  return `
  (func (export "${name}") ${params} (param $B i32) (param $HW i32) (param $C i32) (param $vstride i32)
    (local $b i32) (local $p i32) (local $c i32) (local $cbytes i32) (local $vbytes i32) ${bases} ${locals}
    (local.set $cbytes (i32.shl (local.get $C) (i32.const 2)))
    (local.set $vbytes (i32.shl (local.get $vstride) (i32.const 2)))
    (block $bd (loop $bl
      (br_if $bd (i32.ge_u (local.get $b) (local.get $B)))
      ${setBases}
      ${zeroRows}
      (local.set $p (i32.const 0))
      (block $pd (loop $pl
        (br_if $pd (i32.ge_u (local.get $p) (local.get $HW)))
        (local.set $c (i32.const 0))
        (block $cd (loop $cl
          (br_if $cd (i32.ge_u (local.get $c) (local.get $cbytes)))
          ${body}
          ${advance}
          (local.set $c (i32.add (local.get $c) (i32.const 16)))
          (br $cl)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pl)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bl))))`;
}

const vec = (name) => `(v128.load align=4 (i32.add (local.get $${name}_b) (local.get $c)))`;
const accumulate = (row, value) =>
  `(v128.store align=4 (i32.add (local.get $${row}_b) (local.get $c)) (f32x4.add ${vec(row)} ${value}))`;

/** out = z * sigmoid(z), z = y * scale + shift. */
const siluAffine = kernel('silu_affine', {
  streams: ['y', 'out'],
  vectors: ['scale', 'shift'],
  locals: `(local $z v128) (local $s v128) ${sigmoidLocals}`,
  body: `
          (local.set $z (f32x4.add (f32x4.mul (v128.load align=4 (local.get $y)) ${vec('scale')}) ${vec('shift')}))
          ${sigmoid('$z', '$s')}
          (v128.store align=4 (local.get $out) (f32x4.mul (local.get $z) (local.get $s)))`,
});

/**
 * Backward of silu_affine up to z: dz = dout * s * (1 + z * (1 - s)), and per sample and
 * channel s1 = sum dz, s2 = sum dz * y (rows [B, C]).
 */
const siluAffineGrad = kernel('silu_affine_grad', {
  streams: ['y', 'dout', 'dz'],
  vectors: ['scale', 'shift'],
  rows: ['s1', 's2'],
  locals: `(local $yv v128) (local $z v128) (local $s v128) (local $d v128) ${sigmoidLocals}`,
  body: `
          (local.set $yv (v128.load align=4 (local.get $y)))
          (local.set $z (f32x4.add (f32x4.mul (local.get $yv) ${vec('scale')}) ${vec('shift')}))
          ${sigmoid('$z', '$s')}
          (local.set $d (f32x4.mul (v128.load align=4 (local.get $dout))
            (f32x4.mul (local.get $s) (f32x4.add ${k(1)} (f32x4.mul (local.get $z) (f32x4.sub ${k(1)} (local.get $s)))))))
          (v128.store align=4 (local.get $dz) (local.get $d))
          ${accumulate('s1', '(local.get $d)')}
          ${accumulate('s2', '(f32x4.mul (local.get $d) (local.get $yv))')}`,
});

/**
 * g = dz * a + (y * k1 + k0), in that order (the plain ops' order): the norm's gradient has
 * y * k1 + k0 = (y - mean) * k1, which cancels where y is close to the mean; summed first it
 * cancels exactly, while dz * a + y * k1 first would round dz * a to the ulp of y * k1
 * (|y / (y - mean)| times coarser: ~30x for values about 1 with a standard deviation of 0.03).
 */
const linear3 = kernel('linear3', {
  streams: ['dz', 'y', 'g'],
  vectors: ['a', 'k1', 'k0'],
  body: `
          (v128.store align=4 (local.get $g)
            (f32x4.add (f32x4.mul (v128.load align=4 (local.get $dz)) ${vec('a')})
                       (f32x4.add (f32x4.mul (v128.load align=4 (local.get $y)) ${vec('k1')}) ${vec('k0')})))`,
});

/**
 * Per sample and channel: sum over pixels of (y - mean)^2 (rows [B, C]), accumulated in float64.
 *
 * Why float64: the sum is BatchNorm's batch variance, and a float32 running sum over thousands of
 * pixels loses ~n x 2^-24 relative when the terms are alike (a flat image region gives the same
 * deviation at every pixel, so the rounding errors add up instead of cancelling): 2.3e-5 on a
 * 32 x 32 map, which BatchNorm then amplifies into the gradients. The f32 deviation d = y - mean is
 * promoted lane by lane (two f64x2 halves), squared exactly and summed in f64; the result is
 * rounded to float32 once.
 *
 * Loop order: per sample, a block of channels is held in registers while the pixels stream past
 * (stride C): blocks of 16 channels (4 vectors, 8 f64x2 accumulators, one 64-byte cache line per
 * pixel), then single 4-channel vectors for the rest.
 */
function squaredDeviationSumsF64() {
  /** The pixel loop of one block of `n` 4-channel vectors starting at byte offset $c. */
  const block = (n, label) => {
    const j = Array.from({ length: n }, (_, i) => i);
    const zero = '(v128.const i32x4 0 0 0 0)';
    const hiHalf = (v) => `(f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 ${v} ${v}))`;
    return `
        ${j.map((i) => `(local.set $m${i} (v128.load offset=${16 * i} align=4 (i32.add (local.get $mean_b) (local.get $c))))`).join('\n        ')}
        ${j.map((i) => `(local.set $a${2 * i} ${zero}) (local.set $a${2 * i + 1} ${zero})`).join('\n        ')}
        (local.set $q (i32.add (local.get $ys) (local.get $c)))
        (local.set $p (i32.const 0))
        (block $${label}d (loop $${label}l
          (br_if $${label}d (i32.ge_u (local.get $p) (local.get $HW)))
          ${j
            .map(
              (i) => `(local.set $d (f32x4.sub (v128.load offset=${16 * i} align=4 (local.get $q)) (local.get $m${i})))
          (local.set $lo (f64x2.promote_low_f32x4 (local.get $d)))
          (local.set $hi ${hiHalf('(local.get $d)')})
          (local.set $a${2 * i} (f64x2.add (local.get $a${2 * i}) (f64x2.mul (local.get $lo) (local.get $lo))))
          (local.set $a${2 * i + 1} (f64x2.add (local.get $a${2 * i + 1}) (f64x2.mul (local.get $hi) (local.get $hi))))`,
            )
            .join('\n          ')}
          (local.set $q (i32.add (local.get $q) (local.get $cbytes)))
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (br $${label}l)))
        ${j
          .map(
            (i) => `(v128.store offset=${16 * i} align=4 (i32.add (local.get $out_b) (local.get $c))
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
            (f32x4.demote_f64x2_zero (local.get $a${2 * i})) (f32x4.demote_f64x2_zero (local.get $a${2 * i + 1}))))`,
          )
          .join('\n        ')}
        (local.set $c (i32.add (local.get $c) (i32.const ${16 * n})))`;
  };
  const accs = Array.from({ length: 8 }, (_, i) => `(local $a${i} v128)`).join(' ');
  const means = Array.from({ length: 4 }, (_, i) => `(local $m${i} v128)`).join(' ');
  return `
  (func (export "squared_deviation_sums") (param $y i32) (param $mean i32) (param $out i32) (param $B i32) (param $HW i32) (param $C i32) (param $vstride i32)
    (local $b i32) (local $p i32) (local $c i32) (local $q i32) (local $ys i32) (local $cbytes i32) (local $vbytes i32) (local $mean_b i32) (local $out_b i32)
    (local $d v128) (local $lo v128) (local $hi v128) ${accs} ${means}
    (local.set $cbytes (i32.shl (local.get $C) (i32.const 2)))
    (local.set $vbytes (i32.shl (local.get $vstride) (i32.const 2)))
    (local.set $ys (local.get $y))
    (block $bd (loop $bl
      (br_if $bd (i32.ge_u (local.get $b) (local.get $B)))
      (local.set $mean_b (i32.add (local.get $mean) (i32.mul (local.get $b) (local.get $vbytes))))
      (local.set $out_b (i32.add (local.get $out) (i32.mul (local.get $b) (local.get $cbytes))))
      (local.set $c (i32.const 0))
      (block $c4d (loop $c4l
        (br_if $c4d (i32.gt_u (i32.add (local.get $c) (i32.const 64)) (local.get $cbytes)))
        ${block(4, 'p4')}
        (br $c4l)))
      (block $c1d (loop $c1l
        (br_if $c1d (i32.ge_u (local.get $c) (local.get $cbytes)))
        ${block(1, 'p1')}
        (br $c1l)))
      (local.set $ys (i32.add (local.get $ys) (i32.mul (local.get $HW) (local.get $cbytes))))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bl))))`;
}
const squaredDeviationSums = squaredDeviationSumsF64();

/**
 * Copies `rows` rows of `width` 4-byte elements from src (rows `srcStride` elements apart) to
 * dst (`dstStride` apart): concat, split and slice along any one axis, viewed as [outer, rest].
 */
const copyRows = `
  (func (export "copy_rows") (param $src i32) (param $dst i32) (param $rows i32) (param $srcStride i32) (param $dstStride i32) (param $width i32)
    (local $r i32) (local $s i32) (local $d i32) (local $end i32) (local $vend i32)
    (local.set $srcStride (i32.shl (local.get $srcStride) (i32.const 2)))
    (local.set $dstStride (i32.shl (local.get $dstStride) (i32.const 2)))
    (local.set $width (i32.shl (local.get $width) (i32.const 2)))
    (block $rd (loop $rl
      (br_if $rd (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $s (i32.add (local.get $src) (i32.mul (local.get $r) (local.get $srcStride))))
      (local.set $d (i32.add (local.get $dst) (i32.mul (local.get $r) (local.get $dstStride))))
      (local.set $end (i32.add (local.get $s) (local.get $width)))
      (local.set $vend (i32.sub (local.get $end) (i32.const 16)))
      (block $vd (loop $vl
        (br_if $vd (i32.gt_u (local.get $s) (local.get $vend)))
        (v128.store align=4 (local.get $d) (v128.load align=4 (local.get $s)))
        (local.set $s (i32.add (local.get $s) (i32.const 16)))
        (local.set $d (i32.add (local.get $d) (i32.const 16)))
        (br $vl)))
      (block $td (loop $tl
        (br_if $td (i32.ge_u (local.get $s) (local.get $end)))
        (i32.store (local.get $d) (i32.load (local.get $s)))
        (local.set $s (i32.add (local.get $s) (i32.const 4)))
        (local.set $d (i32.add (local.get $d) (i32.const 4)))
        (br $tl)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rl))))`;

/**
 * Transpose of 4-byte elements [N, A, P, C] -> [N, C, P, A] (outer and inner axes swapped around
 * P): reads each input row of C once, writes A-long runs.
 */
const transposeAC = `
  (func (export "transpose_ac") (param $src i32) (param $dst i32) (param $N i32) (param $A i32) (param $P i32) (param $C i32)
    (local $n i32) (local $p i32) (local $c i32) (local $a i32) (local $s i32) (local $d i32) (local $rowStride i32) (local $planeIn i32) (local $planeOut i32)
    (local.set $rowStride (i32.shl (i32.mul (local.get $P) (local.get $C)) (i32.const 2)))
    (local.set $planeIn (i32.mul (local.get $A) (local.get $rowStride)))
    (local.set $planeOut (local.get $planeIn))
    (block $nd (loop $nl
      (br_if $nd (i32.ge_u (local.get $n) (local.get $N)))
      (local.set $p (i32.const 0))
      (block $pd (loop $pl
        (br_if $pd (i32.ge_u (local.get $p) (local.get $P)))
        (local.set $c (i32.const 0))
        (block $cd (loop $cl
          (br_if $cd (i32.ge_u (local.get $c) (local.get $C)))
          ;; s = src + n*planeIn + (p*C + c)*4; d = dst + n*planeOut + ((c*P + p)*A)*4
          (local.set $s (i32.add (i32.add (local.get $src) (i32.mul (local.get $n) (local.get $planeIn)))
                                 (i32.shl (i32.add (i32.mul (local.get $p) (local.get $C)) (local.get $c)) (i32.const 2))))
          (local.set $d (i32.add (i32.add (local.get $dst) (i32.mul (local.get $n) (local.get $planeOut)))
                                 (i32.shl (i32.mul (i32.add (i32.mul (local.get $c) (local.get $P)) (local.get $p)) (local.get $A)) (i32.const 2))))
          (local.set $a (i32.const 0))
          (block $ad (loop $al
            (br_if $ad (i32.ge_u (local.get $a) (local.get $A)))
            (i32.store (local.get $d) (i32.load (local.get $s)))
            (local.set $s (i32.add (local.get $s) (local.get $rowStride)))
            (local.set $d (i32.add (local.get $d) (i32.const 4)))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $al)))
          (local.set $c (i32.add (local.get $c) (i32.const 1)))
          (br $cl)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pl)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $nl))))`;

/**
 * Peak f32x4 multiply-add rate (the only arithmetic wasm SIMD has; no FMA): `iters` rounds of
 * 24 independent chains acc = acc * m + a, 8 flops each per chain. Returns a lane so the work
 * cannot be dropped.
 */
function peak() {
  const n = 24;
  const accs = Array.from({ length: n }, (_, i) => `(local $a${i} v128)`).join(' ');
  const init = Array.from({ length: n }, (_, i) => `(local.set $a${i} ${k(1 + i / 100)})`).join('\n    ');
  const step = Array.from({ length: n }, (_, i) => `(local.set $a${i} (f32x4.add (f32x4.mul (local.get $a${i}) ${k(0.999)}) ${k(0.001)}))`).join(
    '\n        ',
  );
  const sum = Array.from({ length: n - 1 }, (_, i) => `(local.set $a0 (f32x4.add (local.get $a0) (local.get $a${i + 1})))`).join('\n    ');
  return `
  (func (export "peak") (param $iters i32) (result f32) ${accs}
    ${init}
    (block $d (loop $l
        (br_if $d (i32.eqz (local.get $iters)))
        ${step}
        (local.set $iters (i32.sub (local.get $iters) (i32.const 1)))
        (br $l)))
    ${sum}
    (f32x4.extract_lane 0 (local.get $a0)))`;
}

/** The module, importing the backend's memory (shared when the backend runs threads). */
export function kernelsWat(shared) {
  const memory = shared ? '(memory 1 65536 shared)' : '(memory 1)';
  return `(module
  (import "env" "memory" ${memory})
${siluAffine}
${siluAffineGrad}
${linear3}
${squaredDeviationSums}
${copyRows}
${transposeAC}
${peak()}
)
`;
}

/** Flops one `peak` iteration does: 24 chains x (4 multiplies + 4 adds). */
export const PEAK_FLOPS_PER_ITER = 24 * 8;
