#!/usr/bin/env node
// Generates libs/shared/util-proto/src/generated from proto/ with buf (its compiler ships in an
// npm package, so no system protoc) and ts-proto. One pass gives both the NestJS gRPC controller
// interfaces and the encode/decode functions the Kafka events need.
// proto/ is a public contract (docs/architecture.md, "Event contracts"): a change that breaks
// consumers of the last generated contract, proto/contract/sms-v1.binpb (buf breaking, WIRE_JSON),
// is refused; it belongs in a new message and topic version.
//   node tools/proto/generate.mjs           check the contract, regenerate in place, refresh the contract
//   node tools/proto/generate.mjs --check   exit 1 if proto/ breaks the contract or the committed code or contract is stale
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const target = join(root, 'libs/shared/util-proto/src/generated');
const contract = join(root, 'proto/contract/sms-v1.binpb');
const buf = join(root, 'node_modules/.bin/buf');
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
  'oneof=unions-value', // a oneof is one field { $case, value }: the compiler checks every case is handled
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
  execFileSync(buf, ['generate', 'proto', '--template', template], {
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

/** Exits 1, saying what broke, when proto/ is not wire- and JSON-compatible with the contract. */
function checkContract() {
  try {
    execFileSync(buf, ['breaking', 'proto', '--against', contract], { cwd: root, stdio: 'pipe' });
  } catch (err) {
    console.error(`${String(err.stdout || err.stderr || err.message).trim()}\nproto/ breaks the published contract (${relative(root, contract)}): add a message (and a new topic version) instead; see docs/architecture.md "Event contracts"`);
    process.exit(1);
  }
}

/** The contract image of proto/ as it is now. */
function buildContract(out) {
  execFileSync(buf, ['build', 'proto', '-o', out], { cwd: root, stdio: 'inherit' });
}

checkContract();
if (process.argv.includes('--check')) {
  const image = join(mkdtempSync(join(tmpdir(), 'smsgw-contract-')), 'contract.binpb');
  buildContract(image);
  if (!readFileSync(image).equals(readFileSync(contract))) {
    console.error(`the contract ${relative(root, contract)} is stale: run npm run proto:generate and commit`);
    process.exit(1);
  }
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
  buildContract(contract);
  console.log(`generated ${listFiles(target).length} files in ${relative(root, target)}; contract ${relative(root, contract)} refreshed`);
}
