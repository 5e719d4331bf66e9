#!/usr/bin/env node
// Dispatches `npm run bench:<name>` to the benchmark script: node tools/bench/run.mjs <name> [args…]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const ts = (file) => ['-r', './tools/ts-run.cjs', file];
const BENCHES = {
  encode: ts('tools/bench/encode.ts'),
  connector: ts('tools/bench/connector.ts'),
  e2e: ts('tools/bench/e2e.ts'),
  peer: ts('tools/bench/peer.ts'),
  relay: ts('tools/bench/relay.ts'),
  route: ts('tools/bench/route.ts'),
  accept: ts('tools/bench/accept.ts'),
};

const [name, ...args] = process.argv.slice(2);
const bench = BENCHES[name];
if (!bench) {
  console.error(`usage: node tools/bench/run.mjs <${Object.keys(BENCHES).join('|')}> [args…]`);
  process.exit(2);
}
const { status, signal } = spawnSync(process.execPath, [...bench, ...args], { cwd: root, stdio: 'inherit' });
process.exit(status ?? (signal ? 1 : 0));
