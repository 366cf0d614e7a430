// The WebGPU probe process: loads Dawn (npm `webgpu`), asks for the adapter TF.js would take,
// prints one line `KESTREL_WEBGPU_PROBE <json>` and exits. What it found is turned into adapter
// facts and reasons by the parent (webgpu-probe-answer.ts).
//
// Run by webgpu-probe.ts as a Node child (the hardware probe, tests), and by Electron's main in a
// utilityProcess (bundled as out/main/webgpu-probe.js) to learn whether Dawn loads there at all
// (electron/main/gpu-host.ts). A process of its own, so that Dawn's limit notices on stderr are
// filtered by the parent and a driver that hangs or crashes takes only this process down. Plain
// JavaScript that imports nothing of Kestrel's: it starts in a fraction of a second without a
// TypeScript loader, while a hardware probe waits for it.

const MARKER = 'KESTREL_WEBGPU_PROBE';

/** @param {unknown} err */
function firstLine(err) {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split('\n')[0] ?? '').slice(0, 300);
}

async function answer() {
  let mod;
  try {
    mod = await import('webgpu');
  } catch (err) {
    const code = /** @type {{ code?: unknown } | null} */ (err)?.code;
    const missing = (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && /'webgpu'|"webgpu"|webgpu\/index/.test(firstLine(err));
    return { ok: false, stage: 'load', missingModule: missing, error: firstLine(err) };
  }
  let gpu;
  try {
    for (const [k, v] of Object.entries(mod.globals)) if (!(k in globalThis)) globalThis[k] = v;
    gpu = mod.create([]);
  } catch (err) {
    return { ok: false, stage: 'create', error: firstLine(err) };
  }
  let adapter;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { ok: false, stage: 'adapter', error: firstLine(err) };
  }
  if (!adapter) return { ok: false, stage: 'adapter', error: 'Dawn found no Vulkan, Direct3D 12 or Metal adapter' };
  const i = adapter.info ?? {};
  return {
    ok: true,
    info: { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description, isFallbackAdapter: i.isFallbackAdapter ?? adapter.isFallbackAdapter },
    limits: { maxBufferSize: adapter.limits.maxBufferSize, maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize },
  };
}

const found = await answer();
// Exit once the line is out: Dawn's instance would otherwise keep the process alive.
process.stdout.write(`${MARKER} ${JSON.stringify(found)}\n`, () => process.exit(0));
