import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.sluice/**', '.node/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: ['**/*.ts'] })),
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // The domain is pure: it may not reach out to adapters, services or edges.
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/adapters/**', '**/services/**', '**/edges/**', '**/ports/**', 'node:sqlite', 'fastify', 'ajv'] }],
    },
  },
  {
    files: ['src/ports/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/adapters/**', '**/services/**', '**/edges/**'] }] },
  },
  {
    files: ['src/services/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/adapters/**', '**/edges/**', 'node:sqlite', 'fastify'] }] },
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/services/**', '**/edges/**'] }] },
  },
  {
    // The HTTP edge reaches stores only through services and ports (docs/ARCHITECTURE.md).
    files: ['src/edges/http/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/adapters/**', '**/edges/cli/**', '**/cli/**', 'node:sqlite', '@platformatic/kafka'] }] },
  },
  {
    // Configuration is read and applied through services; it knows no store, route or command.
    files: ['src/edges/config/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['**/adapters/**', '**/http/**', '**/cli/**', 'node:sqlite', 'fastify', '@platformatic/kafka'] }] },
  },
  {
    // Tests read JSON answers loosely; the assertions are the type check.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    // The console runs in the browser.
    files: ['src/edges/console/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
);
