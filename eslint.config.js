// ESLint (flat config): typescript-eslint's recommended rules, React's hook rules in the renderer, and the layer
// arrows of README's "How the code is laid out" as import rules, so that a wrong arrow fails `npm run lint`.
// test/lint/layers.test.ts proves each arrow on a forbidden import.
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Electron stays in the desktop shell: only main/index.ts and main/desktop/ may import it. */
const electron = {
  regex: '^electron(/.*)?$',
  message: 'Only main/index.ts and main/desktop/ import electron; pass what you need in from there.',
};

/** A relative import that leaves main/translate or main/upstream for anything but shared/ (or the other leaf). */
const leafEscape = {
  regex: '^\\.\\./(?!translate/|upstream/|\\.\\./shared/)',
  message: 'translate/ and upstream/ are leaves: they import only shared/ (and node or npm modules).',
};

/** core/ is plain Node below the proxy and the shells. */
const coreUp = {
  regex: '^(\\.\\./)+(proxy|desktop|app)(/|$)',
  message: 'core/ never imports proxy/, desktop/ or app/: the arrows point from them to core/.',
};

/** The renderer talks to main only through the AdminApi contract in shared/. */
const rendererToMain = {
  regex: '^(\\.\\./)+main(/|$)',
  message: 'renderer/ never imports main/: use the AdminApi contract and types in shared/.',
};

/** `no-restricted-imports` with these patterns (a later config object replaces the rule's options, never merges). */
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default defineConfig([
  globalIgnores([
    'dist/**',
    'dist-electron/**',
    'release/**',
    'test-results/**',
    'playwright-report/**',
    'e2e/artifacts/**',
    '.data/**',
  ]),
  tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // A variable that callbacks created before its one assignment read (e.g. the tray in main/index.ts).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ...reactHooks.configs.flat.recommended,
    languageOptions: { globals: { ...globals.browser } },
  },
  // The layers. Each folder's object lists every pattern that applies to it (electron included).
  { files: ['main/**/*.ts', 'shared/**/*.ts', 'renderer/**/*.{ts,tsx}'], rules: restrict(electron) },
  { files: ['main/index.ts', 'main/desktop/**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['main/translate/**/*.ts', 'main/upstream/**/*.ts'], rules: restrict(electron, leafEscape) },
  { files: ['main/core/**/*.ts'], rules: restrict(electron, coreUp) },
  { files: ['renderer/**/*.{ts,tsx}'], rules: restrict(electron, rendererToMain) },
]);
