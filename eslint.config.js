import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

// Import fences (docs/ARCHITECTURE.md): packages never reach into apps, domain stays transport-free.
const noAppImports = [
  {
    regex: '^@kelisim/(api|realtime|worker|web)(/|$)',
    message: 'Packages must not import apps: move the shared code into a package.',
  },
  {
    regex: '(^|/)apps/',
    message: 'Packages must not import apps: move the shared code into a package.',
  },
];
const noTransportImports = {
  regex: '^(express|socket\\.io|bullmq|ioredis)(/|$)',
  message: 'Domain declares ports; apps implement them with express, socket.io, BullMQ or Redis.',
};

export default defineConfig(
  globalIgnores([
    '**/node_modules/**',
    '**/dist/**',
    'packages/db/src/generated/**',
    '**/.turbo/**',
    '**/coverage/**',
  ]),
  js.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      // `_` marks a name that must exist but is not read: express's 4-argument error handler,
      // a key dropped with `const { key: _, ...rest }`.
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
    },
  },
  {
    // Response bodies (supertest) and asymmetric matchers (expect.any) are `any` by design.
    files: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['apps/web/**'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['packages/**'],
    ignores: ['packages/*/src/cli/**', 'packages/testing/**', '**/*.config.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['packages/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: noAppImports }] },
  },
  {
    files: ['packages/domain/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...noAppImports, noTransportImports] }],
    },
  },
  prettier,
);
