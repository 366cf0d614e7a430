import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// Builds the four parts into out/: main (+ the training process entry), preload, renderer.
// Dependencies stay external in main (node_modules ships with the app: sharp and tfjs carry
// native and wasm files), while the sandboxed preload is one self-contained CommonJS file.
const root = import.meta.dirname;
// Process entries of electron/worker (training, memory probing), built next to main's index.js.
const workerEntries = Object.fromEntries(
  ['trainer-entry', 'probe-entry']
    .map((name) => [name, resolve(root, `electron/worker/${name}.ts`)] as const)
    .filter(([, file]) => existsSync(file)),
);

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: resolve(root, 'electron/main/index.ts'),
          // The training process runs out/main/trainer-entry.js in an Electron utilityProcess.
          ...workerEntries,
          // The data loader's worker thread (loader/pool.ts starts ./worker.js beside itself).
          worker: resolve(root, 'electron/engine/data/loader/worker.ts'),
          // The dataset check's worker thread (app/engine.ts starts ./check-worker.js beside main's index.js).
          'check-worker': resolve(root, 'electron/app/check-worker.ts'),
          // The Plan step's LR range test process (app/tune.ts starts ./lr-find-entry.js beside main's index.js).
          'lr-find-entry': resolve(root, 'electron/engine/tune/lr-find-entry.ts'),
          // The WebGPU probe process main runs in a utilityProcess (main/gpu-host.ts: does Dawn load there?).
          'webgpu-probe': resolve(root, 'electron/engine/backend/webgpu-probe-child.mjs'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      externalizeDeps: false,
      rollupOptions: {
        input: {
          index: resolve(root, 'electron/preload/index.ts'),
          // The hidden training renderer's preload: forwards main's MessagePort to the page.
          'gpu-host': resolve(root, 'electron/preload/gpu-host.ts'),
        },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(root, 'renderer'),
    base: './',
    plugins: [svelte()],
    build: {
      outDir: resolve(root, 'out/renderer'),
      emptyOutDir: true,
      // No inline scripts or styles: the CSP allows only the app's own files.
      assetsInlineLimit: 0,
      rollupOptions: {
        input: {
          index: resolve(root, 'renderer/index.html'),
          // The hidden training renderer (electron/gpu-host/entry.ts): kestrel://app/gpu-host.html.
          'gpu-host': resolve(root, 'renderer/gpu-host.html'),
        },
      },
    },
  },
});
