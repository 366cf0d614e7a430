#!/usr/bin/env node
// The `kestrel` command. The CLI is written in TypeScript; tsx compiles it on the fly so the
// same sources serve the CLI, the worker and the tests without a separate build step.
import { register } from 'tsx/esm/api';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

register();
const here = dirname(fileURLToPath(import.meta.url));
const { main } = await import(pathToFileURL(join(here, '..', 'electron', 'cli', 'main.ts')).href);
const code = await main(process.argv.slice(2));
process.exitCode = typeof code === 'number' ? code : 0;
