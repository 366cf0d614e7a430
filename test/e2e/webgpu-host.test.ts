/**
 * The hidden training renderer's page (out/renderer/gpu-host.html, the bundle the app ships) in
 * Debian's headless Chromium with WebGPU on its software GPU (SwiftShader): the trainer's side
 * sends the detector's initial state and a tiny synthetic batch over a MessagePort, the page
 * trains on TF.js's webgpu backend and answers with losses, gradient norms and the weights, then
 * times the ladder's step ('time', what the trainer's host choice compares). The losses must match
 * the same steps on wasm in this Node process and fall; the timed step must give a speed. Skipped, saying why,
 * without Chromium or without a WebGPU adapter in it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, relative } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../electron/engine/backend/index';
import { anchorsFor } from '../../electron/engine/eval/decode';
import { createDetector } from '../../electron/engine/model/detector';
import { clipByGlobalNorm, createSgd } from '../../electron/engine/train/optim';
import { computeGradientsAsync } from '../../electron/engine/train/step';
import { GPU_HOST_PAGE, GPU_HOST_PORT_MESSAGE } from '../../electron/shared/gpu-host-channels';
import { CSP } from '../../electron/main/security';
import type { ModelSpec } from '../../electron/shared/schemas/model';
import { TINY_IMGSZ, tinyBatch, type TinyBox } from '../helpers/tiny-batch';
import { CHROMIUM, ensureRendererBuilt, RENDERER_DIR, skipReason } from './harness';

/** Chromium's flags for WebGPU on the software GPU: headless Debian Chromium then offers SwiftShader's fallback adapter. */
export const WEBGPU_CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--enable-unsafe-webgpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'];

const SPEC: ModelSpec = { scale: 'n', imgsz: TINY_IMGSZ, numClasses: 2, norm: 'batch' };
const SEED = 7;
// SwiftShader compiles and runs shaders on the CPU: tens of seconds a step on two busy cores,
// so one image and two steps of SGD (whose update is linear in the gradient, so the second loss
// checks the first update closely; AdamW's first updates are about lr x sign(gradient), and
// gradients near zero that round to the other sign on another backend move weights the other
// way: measured 4.5% apart from wasm at AdamW's second step).
const STEPS = 2;
const OPTIMIZER = 'sgd';
/** One grey image with a bright class-0 box, and a class-1 target over the whole of it (positives on every level). */
const BOXES: readonly TinyBox[] = [
  { image: 0, cls: 0, box: [8, 8, 40, 30], paint: 0.9 },
  { image: 0, cls: 1, box: [1, 1, 63, 63] },
];
const HYPER = { lr: 1e-3, momentum: 0.9, weightDecay: 0 };
/** The host's 'time' request at the test's size: one untimed-warm-up-free step (the shaders are compiled by then). */
const TIME_WORKLOAD = { scale: 'n', imgsz: TINY_IMGSZ, batch: 1, warmup: 0, steps: 1 } as const;
const CLIP = 10;
/** Where the page is served: localhost is a secure context, which WebGPU needs. */
const ORIGIN = 'http://localhost';

const DRIVER_PATH = '/__test-driver.js';
/** The page-side driver: the trainer's half of the protocol, in plain JavaScript (no bundler helpers). */
const DRIVER = `
window.__kestrelDrive = async ({ portMessage, state, seed, spec, optimizer, batch, steps, hyper, clipNorm, timeWorkload }) => {
  const f32 = (b64) => { const t = atob(b64); const u = new Uint8Array(t.length); for (let i = 0; i < t.length; i++) u[i] = t.charCodeAt(i); return new Float32Array(u.buffer); };
  const ch = new MessageChannel();
  window.postMessage({ type: portMessage }, location.origin, [ch.port2]);
  let next = 1;
  const pending = new Map();
  ch.port1.onmessage = (ev) => {
    const p = pending.get(ev.data.id);
    pending.delete(ev.data.id);
    if (ev.data.ok) p.resolve(ev.data.result); else p.reject(new Error(ev.data.error.code + ': ' + ev.data.error.message));
  };
  const req = (op, payload) => new Promise((resolve, reject) => { const id = next++; pending.set(id, { resolve, reject }); ch.port1.postMessage({ ...payload, op, id }); });
  const info = await req('info', {});
  const st = {};
  for (const [n, t] of Object.entries(state)) st[n] = { shape: t.shape, data: f32(t.b64) };
  // A seed other than the reference's: only the state sent makes the weights equal.
  const init = await req('init', { spec, optimizer, seed: seed + 1000, state: st });
  const b = { size: batch.size, imgsz: batch.imgsz, images: f32(batch.images), batchIndex: Int32Array.from(batch.batchIndex), cls: Int32Array.from(batch.cls), boxes: Float32Array.from(batch.boxes) };
  const results = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    const r = await req('step', { batch: b, hyper, clipNorm });
    results.push({ total: r.loss.total, positives: r.loss.positives, gradNorm: r.gradNorm, skipped: r.skipped, finite: r.finite, step: r.step, ms: performance.now() - t0 });
  }
  const after = (await req('state', {})).state;
  const sums = {};
  for (const [n, t] of Object.entries(after)) { let s = 0; for (const v of t.data) s += v * v; sums[n] = s; }
  // The ladder's timed step on the page's backend (what the trainer's host choice compares).
  const timed = await req('time', { workload: timeWorkload });
  await req('dispose', {});
  ch.port1.close();
  return { info, init, results, sums, timed };
};
`;

const MIME: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };

const b64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

interface PageResult {
  info: { backend: string; adapter: { description: string; vendor: string; architecture: string; software: boolean } | null; runtime: string };
  init: { params: number; stateTensors: number };
  results: Array<{ total: number; positives: number; gradNorm: number; skipped: boolean; finite: boolean; step: number; ms: number }>;
  sums: Record<string, number>;
  timed: { backend: string; imagesPerSecond: number; ms: number };
}

/** The same steps on wasm in this process: losses, gradient norms, and the weights' squared sums after. */
async function reference(batch: ReturnType<typeof tinyBatch>) {
  await initBackend({ force: 'wasm' });
  const det = createDetector(SPEC, { seed: SEED });
  const opt = createSgd(det.params());
  const anchors = anchorsFor(TINY_IMGSZ);
  const state: Record<string, { shape: number[]; b64: string }> = {};
  for (const [n, v] of det.state()) state[n] = { shape: [...v.shape], b64: b64((await v.data()) as Float32Array) };
  const losses: number[] = [];
  const norms: number[] = [];
  try {
    for (let i = 0; i < STEPS; i++) {
      const { grads, loss } = await computeGradientsAsync(det, batch, { anchors, loss: { scale: batch.size }, readLoss: true });
      const clipped = clipByGlobalNorm(grads, CLIP);
      norms.push((await clipped.norm.data())[0]!);
      opt.apply(clipped.grads, HYPER);
      tf.dispose([...Object.values(grads), ...Object.values(clipped.grads), clipped.norm]);
      losses.push(loss!.total);
    }
    const sums: Record<string, number> = {};
    for (const [n, v] of det.state()) sums[n] = (await tf.sum(tf.square(v)).data())[0]!;
    return { state, losses, norms, sums };
  } finally {
    opt.dispose();
    det.dispose();
  }
}

test('the GPU host page trains the detector on Chromium\'s WebGPU: losses match wasm here and fall', async (t) => {
  const noChromium = skipReason();
  if (noChromium) return t.skip(noChromium);
  ensureRendererBuilt();
  assert.ok(existsSync(join(RENDERER_DIR, GPU_HOST_PAGE)), `the build has no ${GPU_HOST_PAGE}`);

  let browser: Browser | undefined;
  try {
    const t0 = performance.now();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: WEBGPU_CHROMIUM_ARGS, timeout: 60_000 });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    // The built renderer, served as the app's protocol serves it (with the CSP), from localhost.
    await page.route(`${ORIGIN}/**`, async (route) => {
      const path = decodeURIComponent(new URL(route.request().url()).pathname);
      // The test's driver, a file of the page's origin as the CSP demands.
      if (path === DRIVER_PATH) return route.fulfill({ status: 200, body: DRIVER, headers: { 'content-type': MIME['.js']! } });
      const file = normalize(join(RENDERER_DIR, path));
      if (relative(RENDERER_DIR, file).startsWith('..') || !existsSync(file)) return route.fulfill({ status: 404, body: 'not found' });
      return route.fulfill({ status: 200, body: await readFile(file), headers: { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CSP } });
    });
    await page.goto(`${ORIGIN}/${GPU_HOST_PAGE}`);
    // The page titles itself once its backend has started, or failed to.
    await page.waitForFunction(() => document.title.startsWith('Kestrel GPU host:'), undefined, { timeout: 120_000 });
    const title = await page.title();
    const adapter = await page.evaluate(async () => {
      const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      return gpu ? (await gpu.requestAdapter()) !== null : false;
    });
    if (!adapter) return t.skip(`no WebGPU adapter in headless Chromium here (${title}); flags tried: ${WEBGPU_CHROMIUM_ARGS.join(' ')}`);
    const tLoaded = performance.now();

    const batch = tinyBatch(BOXES, { size: 1 });
    const ref = await reference(batch);
    const tRef = performance.now();

    await page.addScriptTag({ url: DRIVER_PATH });
    const r = (await page.evaluate(
      (args) => (window as unknown as { __kestrelDrive: (a: unknown) => Promise<unknown> }).__kestrelDrive(args),
      {
        portMessage: GPU_HOST_PORT_MESSAGE,
        state: ref.state,
        seed: SEED,
        spec: SPEC,
        optimizer: OPTIMIZER,
        batch: { size: batch.size, imgsz: batch.imgsz, images: b64(batch.images), batchIndex: [...batch.batchIndex], cls: [...batch.cls], boxes: [...batch.boxes] },
        steps: STEPS,
        hyper: HYPER,
        clipNorm: CLIP,
        timeWorkload: TIME_WORKLOAD,
      },
    )) as PageResult;
    const tGpu = performance.now();
    assert.deepEqual(errors, [], 'the page logged no errors');

    const losses = r.results.map((s) => s.total);
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
    const filters = Object.keys(ref.sums).filter((n) => n.endsWith('.filter'));
    const worstFilter = Math.max(...filters.map((n) => rel(r.sums[n] ?? Number.NaN, ref.sums[n]!)));
    const total = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
    const stateRel = rel(total(r.sums), total(ref.sums));
    console.log(
      `GPU host on ${r.info.backend} (${r.info.adapter?.vendor} ${r.info.adapter?.architecture}, software ${r.info.adapter?.software}): ` +
        `losses ${losses.map((v) => v.toFixed(4)).join(' ')}; wasm ${ref.losses.map((v) => v.toFixed(4)).join(' ')}; ` +
        `gradient norms ${r.results.map((s) => s.gradNorm.toFixed(2)).join(' ')} / ${ref.norms.map((v) => v.toFixed(2)).join(' ')}; ` +
        `weights' squared sums: worst conv filter ${worstFilter.toExponential(2)}, whole state ${stateRel.toExponential(2)} relative; ` +
        `step ms ${r.results.map((s) => Math.round(s.ms)).join(' ')}; timed step ${r.timed.imagesPerSecond.toFixed(3)} img/s (${Math.round(r.timed.ms)} ms); browser up ${((tLoaded - t0) / 1000).toFixed(1)} s, wasm reference ${((tRef - tLoaded) / 1000).toFixed(1)} s, ${STEPS} GPU steps ${((tGpu - tRef) / 1000).toFixed(1)} s`,
    );
    assert.equal(r.info.backend, 'webgpu');
    assert.equal(r.init.stateTensors, Object.keys(ref.state).length);
    assert.equal(r.results.length, STEPS);
    assert.ok(r.results.every((s) => s.finite && !s.skipped && s.positives > 0), JSON.stringify(r.results));
    assert.deepEqual(r.results.map((s) => s.step), Array.from({ length: STEPS }, (_, i) => i + 1));
    // The first loss is the state's own loss: float32 sums in another order (as Node's webgpu vs
    // cpu: 7.7e-5; measured 2e-5 here). A seed's weights instead of the state's: 30% off.
    assert.ok(rel(losses[0]!, ref.losses[0]!) < 2e-4, `first loss ${losses[0]} vs wasm ${ref.losses[0]}`);
    assert.ok(rel(r.results[0]!.gradNorm, ref.norms[0]!) < 2e-3, `first gradient norm ${r.results[0]!.gradNorm} vs wasm ${ref.norms[0]}`);
    // The second loss is that of the weights after one SGD update from the host's gradients
    // (measured 1.2e-3 apart: BatchNorm over one image amplifies rounding; the update itself
    // moves the loss 4.5%).
    assert.ok(rel(losses[1]!, ref.losses[1]!) < 5e-3, `second loss ${losses[1]} vs wasm ${ref.losses[1]}`);
    assert.ok(rel(r.results[1]!.gradNorm, ref.norms[1]!) < 1e-2, `second gradient norm ${r.results[1]!.gradNorm} vs wasm ${ref.norms[1]}`);
    // The weights the host hands back are those it trained: their squared sums follow wasm's.
    assert.deepEqual(Object.keys(r.sums).sort(), Object.keys(ref.sums).sort());
    assert.ok(filters.length > 50);
    assert.ok(worstFilter < 1e-3, `conv filters after ${STEPS} steps differ from wasm's (squared sums, worst relative ${worstFilter})`);
    assert.ok(stateRel < 1e-4, `state after ${STEPS} steps: squared sum ${total(r.sums)} vs wasm ${total(ref.sums)}`);
    // The timed step ran on the page's WebGPU and gave a speed the host choice can compare.
    assert.equal(r.timed.backend, 'webgpu');
    assert.ok(r.timed.imagesPerSecond > 0 && Number.isFinite(r.timed.imagesPerSecond), `timed ${r.timed.imagesPerSecond} img/s`);
    // Measured 14.97 -> 14.30 (wasm) at this LR.
    assert.ok(losses[1]! < 0.98 * losses[0]!, `loss did not fall: ${losses.join(', ')}`);
  } finally {
    await browser?.close();
  }
});
