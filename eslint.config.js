// `make check` lints with the recommended JS and TypeScript rules; tests may use `any` for replies.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', '.tsbuild/**', 'node_modules/**', '**/node_modules/**', '.dev-root/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', URL: 'readonly', fetch: 'readonly', performance: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // daemons share only core, param-db, board and each other's contracts (tests may boot mains)
    files: ['daemons/*/src/**/*.ts'],
    ignores: ['daemons/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@belfry/(?!(core|core/contract|core/params-contract|core/http|core/xml|core/filters|param-db|board|[a-z0-9-]+/contract)$)',
              message: 'a daemon imports only @belfry/core, @belfry/param-db, @belfry/board and other daemons’ /contract',
            },
            { regex: '^(\\.\\./){2,}.*(daemons|param-db|board|core|paramd|boardd|httpd|audiod|eventd)(/|$)', message: 'no reaching into another package’s files: import its package' },
          ],
        },
      ],
    },
  },
);
