#!/usr/bin/env node
// Creates the Nx project files for a new library or app, and registers a library's import alias.
//   node tools/scaffold.mjs lib libs/gsm/util-encoding scope:gsm type:util
//   node tools/scaffold.mjs app apps/router scope:routing type:app
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const [kind, dir, ...tags] = process.argv.slice(2);
if (!['lib', 'app'].includes(kind) || !dir || tags.length === 0) {
  console.error('usage: node tools/scaffold.mjs lib|app <dir> scope:<s> type:<t>');
  process.exit(2);
}
const abs = join(root, dir);
const up = relative(abs, root) || '.';
const name = dir.replace(/^(libs|apps)\//, '').replace(/\//g, '-');
const write = (file, content) => {
  const p = join(abs, file);
  if (existsSync(p)) return;
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2) + '\n');
};

const targets = {
  lint: { executor: 'nx:run-commands', options: { command: `eslint ${dir}` } },
  test: {
    executor: 'nx:run-commands',
    options: { command: `jest -c ${dir}/jest.config.js --passWithNoTests --testPathIgnorePatterns int-spec` },
  },
  'int-test': {
    executor: 'nx:run-commands',
    options: { command: `jest -c ${dir}/jest.config.js --passWithNoTests --testMatch '**/*.int-spec.ts'` },
  },
};
if (kind === 'app') {
  targets.build = {
    executor: 'nx:run-commands',
    outputs: [`{workspaceRoot}/dist/${dir}`],
    options: { command: `tsc -p ${dir}/tsconfig.app.json && tsc-alias -p ${dir}/tsconfig.app.json` },
  };
  write('tsconfig.app.json', {
    extends: `${up}/tsconfig.base.json`,
    compilerOptions: { outDir: `${up}/dist/${dir}`, rootDir: up },
    include: ['src/**/*.ts'],
    exclude: ['src/**/*.spec.ts', 'src/**/*.int-spec.ts'],
  });
  write('src/main.ts', '');
}
write('project.json', {
  name,
  $schema: `${up}/node_modules/nx/schemas/project-schema.json`,
  sourceRoot: `${dir}/src`,
  projectType: kind === 'app' ? 'application' : 'library',
  tags,
  targets,
});
write('jest.config.js', `module.exports = {\n  displayName: '${name}',\n  preset: '${up}/jest.preset.js',\n  rootDir: __dirname,\n};\n`);
write('tsconfig.json', { extends: `${up}/tsconfig.base.json`, compilerOptions: { types: ['node', 'jest'] }, include: ['src/**/*.ts'] });
if (kind === 'lib') {
  write('src/index.ts', '');
  const tsconfigPath = join(root, 'tsconfig.base.json');
  const tsconfig = JSON.parse(readFileSync(tsconfigPath, 'utf8'));
  const alias = '@smsgw/' + dir.replace(/^libs\//, '');
  tsconfig.compilerOptions.paths[alias] = [`${dir}/src/index.ts`];
  tsconfig.compilerOptions.paths = Object.fromEntries(Object.entries(tsconfig.compilerOptions.paths).sort());
  writeFileSync(tsconfigPath, JSON.stringify(tsconfig, null, 2) + '\n');
  console.log(`created ${dir} (import as ${alias})`);
} else {
  console.log(`created ${dir}`);
}
