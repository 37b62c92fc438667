// ESLint flat config: `npm run lint` checks lib/ test/ scripts/ examples/ (TypeScript and the
// plain-JS install/build scripts). typescript-eslint's recommended rules, with the relaxations
// below, each one justified for this codebase.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Node's CommonJS globals for the plain .js scripts (scripts/*.js run directly under node).
const nodeGlobals = Object.fromEntries(
  ['require', 'module', 'exports', '__dirname', '__filename', 'process', 'console', 'Buffer',
    'setTimeout', 'clearTimeout', 'setImmediate', 'setInterval', 'clearInterval', 'URL',
    'performance', 'AbortController', 'AbortSignal'].map((name) => [name, 'readonly']),
);

export default defineConfig(
  { ignores: ['dist/**', 'build/**', 'build-*/**', 'prebuilds/**', 'docs/**', 'node_modules/**', 'bench/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `==` only for the `x == null` idiom (null or undefined); everything else compares strictly.
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['**/*.ts', '**/*.mts'],
    rules: {
      // `_`-prefixed names are deliberately unused (callback signatures such as (g, gradOf) => …, or
      // destructuring that drops fields); an unused `catch (e)` binding is allowed too.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // The library prints nothing through console.*: training progress is written to a stream by
    // lib/train/progress.ts; only the command-line tool (lib/cli.ts) talks to the console.
    files: ['lib/**/*.ts'],
    ignores: ['lib/cli.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: nodeGlobals },
    rules: {
      // Plain CommonJS scripts run by node directly (install, prebuild, consumer test): require is how they load.
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
);
