// Lint rules that keep the module boundaries of ../shared/DESIGN.md true.
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is deterministic: no Node built-ins, no I/O, no DSL front end, no pg.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'workflow code must not use Node APIs (determinism)' })),
            { name: 'pg', message: 'workflow code must not do I/O; call an activity' },
          ],
          patterns: [
            { group: ['**/dsl/**', '**/engine/**', '**/infra/**', '**/cli/**'], message: 'workflows receive IR, never DSL text or I/O modules' },
            { group: ['@temporalio/worker', '@temporalio/client', '@temporalio/testing', '@temporalio/activity'], message: 'workflow code imports only @temporalio/workflow and @temporalio/common' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'use sleep() from @temporalio/workflow' }, { name: 'setInterval', message: 'use sleep() from @temporalio/workflow' }],
      // zod would be instantiated again in every cached workflow (1.1 MB each, measured): types only.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'zod', message: 'keep zod out of the workflow bundle (memory per cached instance)', allowTypeImports: true }],
          patterns: [{ group: ['**/ir/schema.js', '**/modules/*/src/catalog/**'], message: 'the IR schema and the catalog load zod: import their types only', allowTypeImports: true }],
        },
      ],
    },
  },
  {
    // The interpreter's modules are loaded once per worker and shared by every workflow
    // (PRELOADED_MODULES in src/engine/worker.ts): no mutable state at module level.
    files: ['src/workflows/**/*.ts', 'src/ir/**/*.ts'],
    ignores: ['src/ir/schema.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: 'Program > VariableDeclaration[kind!="const"]', message: 'module-level state would be shared by every workflow of a worker: keep it inside runProcess()' },
        { selector: 'Program > VariableDeclaration > VariableDeclarator > NewExpression[callee.name=/^(Map|Set|WeakMap|Array)$/]', message: 'a module-level collection would be shared by every workflow of a worker' },
        { selector: 'Program > ExportNamedDeclaration > VariableDeclaration[kind!="const"]', message: 'module-level state would be shared by every workflow of a worker' },
        { selector: 'Program > ExportNamedDeclaration > VariableDeclaration > VariableDeclarator > NewExpression[callee.name=/^(Map|Set|WeakMap|Array)$/]', message: 'a module-level collection would be shared by every workflow of a worker' },
      ],
    },
  },
  {
    // The DSL front end is pure TypeScript: no Temporal.
    files: ['src/dsl/**/*.ts', 'src/ir/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['@temporalio/*'], message: 'the DSL front end never imports Temporal' }, { group: ['pg'], message: 'the DSL front end does no I/O' }] }],
    },
  },
  {
    // A module's activities (system adapters) know neither the workflows nor the DSL.
    files: ['modules/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/workflows/**', '**/dsl/**'], message: 'activities import neither workflows nor the DSL' }] }],
    },
  },
);
