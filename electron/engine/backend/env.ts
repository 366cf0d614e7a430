// Reads Kestrel's environment switches where there may be no Node: the training step also runs
// in a sandboxed Chromium renderer (electron/gpu-host), where `process` does not exist.

/** The environment variable `name`, or undefined where there is no process environment (a browser). */
export function envValue(name: string): string | undefined {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  return p?.env?.[name];
}
