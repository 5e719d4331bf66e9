#!/usr/bin/env node
// Generates libs/shared/util-proto/src/generated from proto/ with buf (its compiler ships in an
// npm package, so no system protoc) and ts-proto. One pass gives both the NestJS gRPC controller
// interfaces and the encode/decode functions the Kafka events need.
//   node tools/proto/generate.mjs           regenerate in place
//   node tools/proto/generate.mjs --check   exit 1 if the committed code is stale
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const target = join(root, 'libs/shared/util-proto/src/generated');
export const TS_PROTO_OPTIONS = [
  'nestJs=true',
  'outputEncodeMethods=true',
  'outputJsonMethods=false',
  'outputPartialMethods=true', // create() and fromPartial() fill defaults for the events we build
  'addGrpcMetadata=true', // controllers read the caller's API key from the call's metadata
  'useDate=false', // a Timestamp is {seconds, nanos} at run time with proto-loader (ts-proto issue 550)
  'forceLong=number',
  'removeEnumPrefix=true',
  'exportCommonSymbols=false',
  'esModuleInterop=true',
];

function generate(outDir) {
  const work = mkdtempSync(join(tmpdir(), 'smsgw-proto-'));
  const template = join(work, 'buf.gen.yaml');
  writeFileSync(
    template,
    [
      'version: v2',
      'plugins:',
      `  - local: ${join(root, 'node_modules/.bin/protoc-gen-ts_proto')}`,
      `    out: ${outDir}`,
      '    opt:',
      ...TS_PROTO_OPTIONS.map((o) => `      - ${o}`),
      '',
    ].join('\n'),
  );
  execFileSync(join(root, 'node_modules/.bin/buf'), ['generate', 'proto', '--template', template], {
    cwd: root,
    stdio: 'inherit',
  });
  rmSync(work, { recursive: true, force: true });
}

function listFiles(dir, base = dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full, base) : [relative(base, full)];
  });
}

if (process.argv.includes('--check')) {
  const fresh = mkdtempSync(join(tmpdir(), 'smsgw-proto-check-'));
  generate(fresh);
  const want = listFiles(fresh).sort();
  const have = listFiles(target).sort();
  const stale = want.filter((f) => !have.includes(f) || readFileSync(join(fresh, f), 'utf8') !== readFileSync(join(target, f), 'utf8'));
  const extra = have.filter((f) => !want.includes(f));
  rmSync(fresh, { recursive: true, force: true });
  if (stale.length || extra.length) {
    console.error(`generated code is stale (${[...stale, ...extra].join(', ')}): run npm run proto:generate and commit`);
    process.exit(1);
  }
  console.log('generated code is up to date');
} else {
  rmSync(target, { recursive: true, force: true });
  generate(target);
  console.log(`generated ${listFiles(target).length} files in ${relative(root, target)}`);
}
