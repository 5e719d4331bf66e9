// Runs a TypeScript file directly (benchmarks, dev scripts): swc compiles on load and resolves
// the tsconfig path aliases. Usage: node -r ./tools/ts-run.cjs some/file.ts
process.env.SWC_NODE_PROJECT ??= require('node:path').join(__dirname, '..', 'tsconfig.base.json');
require('@swc-node/register');
