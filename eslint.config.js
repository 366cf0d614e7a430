// ESLint flat config: typescript-eslint for TS, eslint-plugin-svelte for the renderer, and the
// layer rules of the architecture (no Electron below main/preload, no Node in renderer/shared).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

const nodeBuiltins = ['fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'url', 'util', 'stream', 'events', 'net', 'http', 'zlib', 'module', 'process', 'buffer', 'readline', 'perf_hooks', 'v8', 'assert', 'timers'];
// Bare built-in names are exact `paths` (as patterns they would also match local files such as
// './schemas/events'); the node: scheme is a pattern.
const nodeImportPatterns = ['node:*'];
const nodeBuiltinPaths = nodeBuiltins.map((name) => ({ name, message: 'No Node built-ins in shared/, gpu-host/ or renderer/: they run in the browser too.' }));

/** What each layer may import besides itself; `browser` layers also run without Node. */
const LAYERS = {
  renderer: { may: ['shared'], browser: true },
  preload: { may: ['shared'], browser: false },
  main: { may: ['app', 'engine', 'gpu-host', 'shared'], browser: false },
  cli: { may: ['app', 'engine', 'shared'], browser: false },
  app: { may: ['engine', 'shared'], browser: false },
  worker: { may: ['app', 'engine', 'gpu-host', 'shared'], browser: false },
  // The hidden training renderer (sandboxed Chromium) and its step protocol: the engine's step, no Node.
  'gpu-host': { may: ['engine', 'shared'], browser: true },
  engine: { may: ['shared'], browser: false },
  shared: { may: [], browser: true },
};
const ALL_LAYERS = Object.keys(LAYERS);

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'release/**', 'bench/results/**', 'test/fixtures/**', 'runs/**', '.gl/**', 'test-artifacts/**', 'bench/reference/**', 'scratch/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['renderer/**/*.svelte', 'renderer/**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    files: ['renderer/**/*.{ts,svelte}', 'electron/gpu-host/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  // The layers (architecture card): each folder may import only the ones below it. A relative
  // import that climbs out of its folder (../..) names the layer it lands in first.
  ...Object.entries(LAYERS).map(([layer, { may, browser }]) => ({
    files: layer === 'renderer' ? ['renderer/**/*.{ts,svelte}'] : [`electron/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...(layer === 'main' || layer === 'preload' ? [] : [{ name: 'electron', message: 'Electron belongs in electron/main and electron/preload only.' }]),
            ...(browser ? nodeBuiltinPaths : []),
          ],
          patterns: [
            ...(browser ? [{ group: nodeImportPatterns, message: 'No Node built-ins in shared/, gpu-host/ or renderer/: they run in the browser too.' }] : []),
            ...ALL_LAYERS.filter((l) => l !== layer && !may.includes(l)).map((l) => ({
              regex: `^(\\.\\./)+(electron/)?${l}(/|$)`,
              message: `electron/${layer} may import only ${[layer, ...may].join(', ')} (the layers below it), not ${l}.`,
            })),
          ],
        },
      ],
    },
  })),
);
