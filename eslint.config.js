// ESLint (flat config): typescript-eslint's recommended rules, React's hook rules in the renderer, and the layer
// arrows of README's "How the code is laid out" as import rules, so that a wrong arrow fails `npm run lint`.
// test/lint/layers.test.ts proves each arrow on a forbidden import.
import reactHooks from 'eslint-plugin-react-hooks';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The layer arrows, each a pattern of import paths it forbids and what to do instead. */
const layer = {
  /** Electron stays in the desktop shell: only main/index.ts and main/desktop/ may import it. */
  electron: [
    '^electron(/.*)?$',
    'Only main/index.ts and main/desktop/ import electron; pass what you need in from there.',
  ],
  /** A relative import that leaves main/translate or main/upstream for anything but shared/ (or the other leaf). */
  leafEscape: [
    '^\\.\\./(?!translate/|upstream/|\\.\\./shared/)',
    'translate/ and upstream/ are leaves: they import only shared/ (and node or npm modules).',
  ],
  /** core/ is plain Node below the proxy and the shells. */
  coreUp: [
    '^(\\.\\./)+(proxy|desktop|app)(/|$)',
    'core/ never imports proxy/, desktop/ or app/: the arrows point from them to core/.',
  ],
  /** The renderer talks to main only through the AdminApi contract in shared/. */
  rendererToMain: [
    '^(\\.\\./)+main(/|$)',
    'renderer/ never imports main/: use the AdminApi contract and types in shared/.',
  ],
};

/** `no-restricted-imports` with these patterns (a later config object replaces the rule's options, never merges). */
const restrict = (...arrows) => ({
  'no-restricted-imports': ['error', { patterns: arrows.map(([regex, message]) => ({ regex, message })) }],
});

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
  { files: ['main/**/*.ts', 'shared/**/*.ts', 'renderer/**/*.{ts,tsx}'], rules: restrict(layer.electron) },
  { files: ['main/index.ts', 'main/desktop/**/*.ts'], rules: { 'no-restricted-imports': 'off' } },
  { files: ['main/translate/**/*.ts', 'main/upstream/**/*.ts'], rules: restrict(layer.electron, layer.leafEscape) },
  { files: ['main/core/**/*.ts'], rules: restrict(layer.electron, layer.coreUp) },
  { files: ['renderer/**/*.{ts,tsx}'], rules: restrict(layer.electron, layer.rendererToMain) },
]);
