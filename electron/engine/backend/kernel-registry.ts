import * as tf from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';

/**
 * A replacement for a registered wasm kernel that may call the original (for the cases it does
 * not cover) and keeps its setup (which must still run at backend init); undefined when wasm
 * has no such kernel.
 */
export function wrapWasmKernel(name: string, make: (original: KernelFunc) => KernelFunc): KernelConfig | undefined {
  const original = tf.getKernel(name, 'wasm');
  if (!original) return undefined;
  const config: KernelConfig = { kernelName: name, backendName: 'wasm', kernelFunc: make(original.kernelFunc) };
  if (original.setupFunc) config.setupFunc = original.setupFunc;
  return config;
}

/** Registers each config, replacing any kernel already registered under its name and backend. */
export function registerReplacing(configs: ReadonlyArray<KernelConfig | undefined>): void {
  for (const c of configs) {
    if (!c) continue;
    if (tf.getKernel(c.kernelName, c.backendName)) tf.unregisterKernel(c.kernelName, c.backendName);
    tf.registerKernel(c);
  }
}
