import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

// Resolve `import ... from 'electron'` to the mock (Node has no module mocking on v20).
const mock = pathToFileURL(new URL('./electron-mock.ts', import.meta.url).pathname).href;
const hook = `export async function resolve(spec, ctx, next) { if (spec === 'electron') return { url: ${JSON.stringify(mock)}, shortCircuit: true }; return next(spec, ctx); }`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
