#!/usr/bin/env node
// Starts the built apps (infrastructure must be up) with optional --cpu-prof, for profiling under
// `npm run bench`. PROFILE=ingest,dlr-processor (or "all") picks the apps; profiles go to
// PROFILE_DIR (default /tmp/prof) when the stack stops (SIGINT/SIGTERM).
//   KAFKA_TOPIC_PREFIX=p1. PROFILE=all node tools/bench/profile-stack.cjs &
//   KAFKA_TOPIC_PREFIX=p1. npm run bench -- --messages 20000 --via batch
//   kill -INT <pid>; node tools/bench/profile-summary.cjs /tmp/prof/<file>.cpuprofile
const { startStack, defaultApps } = require('../stack.cjs');

async function main() {
  const dir = process.env.PROFILE_DIR ?? '/tmp/prof';
  const wanted = (process.env.PROFILE ?? '').split(',').filter(Boolean);
  const names = defaultApps().map((a) => a.name);
  const profiled = wanted.includes('all') ? names : wanted;
  const nodeArgs = Object.fromEntries(profiled.map((n) => [n, ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${n}.${Date.now()}.cpuprofile`]]));
  const stack = await startStack({ env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' }, nodeArgs, onStarted: (app) => console.log(`${app.name} up (pid ${app.pid})`) });
  console.log('stack running');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
main().catch((err) => {
  console.error(err.message);
  process.exit(1);
});
