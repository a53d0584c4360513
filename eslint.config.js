import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/', '**/dist/', '.dev/', 'packages/contracts/src/gen/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // The web app runs in the browser.
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The web app's service worker, served as written.
    files: ['web/public/**/*.js'],
    languageOptions: { globals: globals.serviceworker },
  },
  {
    // The domain decides; it never sees wire types or transport libraries (the grpc/ and
    // temporal/ adapters do).
    files: ['services/*/src/*/**/!(*.test).ts'],
    ignores: ['services/*/src/grpc/**', 'services/*/src/temporal/**', 'services/server/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@everything/contracts',
              message: 'Domain code must not depend on generated protobuf types.',
            },
            { name: '@grpc/grpc-js', message: 'Domain code must not depend on the transport.' },
          ],
        },
      ],
    },
  },
  {
    // Workflow code is replayed and must be deterministic, as Temporal's samples enforce:
    // no Node built-ins and no I/O libraries; activities do the I/O.
    files: ['services/*/src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                ...builtinModules,
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
                'pg',
                'ioredis',
                '@grpc/*',
                '@platformatic/*',
                '@everything/*',
              ],
              allowTypeImports: true,
              message:
                'Workflow code must be deterministic: no Node built-ins or I/O; do the I/O in an activity.',
            },
          ],
        },
      ],
    },
  },
);
