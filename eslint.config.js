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
const nodeBuiltinPaths = nodeBuiltins.map((name) => ({ name, message: 'No Node built-ins in shared/ or renderer/: they run in the browser too.' }));

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
    files: ['renderer/**/*.{ts,svelte}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['electron/engine/**/*.ts', 'electron/app/**/*.ts', 'electron/worker/**/*.ts', 'electron/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Electron belongs in electron/main and electron/preload only.' }] }],
    },
  },
  {
    files: ['electron/shared/**/*.ts', 'renderer/**/*.{ts,svelte}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'No Electron in shared/ or renderer/.' }, ...nodeBuiltinPaths],
          patterns: [{ group: nodeImportPatterns, message: 'No Node built-ins in shared/ or renderer/: they run in the browser too.' }],
        },
      ],
    },
  },
);
