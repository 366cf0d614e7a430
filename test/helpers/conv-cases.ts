// The convolution shapes every backend's gradient test checks against cpu (wasm, webgpu): odd
// sizes, both paddings, strides 1 and 2, 1x1 to 5x5 filters, batches 1-3.

/** TF.js padding of a case. */
export type Pad = 'same' | 'valid';

/** [batch, h, w, cin, cout, k, stride, pad] */
export const CONV_CASES: ReadonlyArray<[number, number, number, number, number, number, 1 | 2, Pad]> = [
  [1, 5, 7, 3, 4, 3, 2, 'same'],
  [2, 8, 8, 3, 5, 3, 2, 'same'],
  [1, 7, 5, 2, 3, 3, 1, 'valid'],
  [2, 9, 9, 4, 3, 1, 2, 'valid'],
  [1, 6, 6, 3, 2, 1, 1, 'same'],
  [1, 9, 8, 3, 2, 3, 2, 'valid'],
  [3, 4, 4, 2, 2, 2, 2, 'same'],
  [1, 11, 6, 3, 4, 5, 2, 'same'],
  [2, 13, 13, 5, 7, 3, 1, 'same'],
  [1, 3, 3, 2, 2, 3, 2, 'valid'],
];
