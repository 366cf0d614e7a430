/** Counting the synchronous tensor reads (dataSync) a piece of code makes: webgpu in Node cannot make any. */
import * as tf from '@tensorflow/tfjs-core';

/** Counts every Tensor.dataSync from now on; `restore` puts the original back. */
function watchSyncReads(): { count: () => number; restore: () => void } {
  const dataSync = tf.Tensor.prototype.dataSync;
  let reads = 0;
  tf.Tensor.prototype.dataSync = function (this: tf.Tensor) {
    reads++;
    return dataSync.call(this);
  } as typeof dataSync;
  return { count: () => reads, restore: () => void (tf.Tensor.prototype.dataSync = dataSync) };
}

/** Runs `fn` with every Tensor.dataSync counted (restored afterwards, also when it throws): its value and the count. */
export function countSyncReads<T>(fn: () => T): { value: T; reads: number } {
  const w = watchSyncReads();
  try {
    const value = fn();
    return { value, reads: w.count() };
  } finally {
    w.restore();
  }
}

/** The same for asynchronous code: counted until its promise settles. */
export async function countSyncReadsAsync<T>(fn: () => Promise<T>): Promise<{ value: T; reads: number }> {
  const w = watchSyncReads();
  try {
    const value = await fn();
    return { value, reads: w.count() };
  } finally {
    w.restore();
  }
}
