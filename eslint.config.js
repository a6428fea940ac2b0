// One linter for the whole tree (STYLE.md §16): typescript-eslint's recommended rules, no `any`,
// no focused or skipped tests.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', '.fluxo/', '**/*.d.ts', 'local/tools/dashboard/dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    languageOptions: {
      globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-properties': [
        'error',
        { object: 'describe', property: 'only', message: 'no focused tests in main' },
        { object: 'it', property: 'only', message: 'no focused tests in main' },
        { object: 'test', property: 'only', message: 'no focused tests in main' },
        { object: 'describe', property: 'skip', message: 'no skipped tests in main' },
        { object: 'it', property: 'skip', message: 'no skipped tests in main' },
        { object: 'test', property: 'skip', message: 'no skipped tests in main' },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'fit', message: 'no focused tests' },
        { name: 'xit', message: 'no skipped tests' },
        { name: 'xdescribe', message: 'no skipped tests' },
        { name: 'fdescribe', message: 'no focused tests' },
      ],
    },
  },
);
