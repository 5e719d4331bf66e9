// Builds every app (Nx caches unchanged ones). Quiet on success, the full output on failure.
import { spawnSync } from 'node:child_process';

export function buildApps({ log = console.log } = {}) {
  const started = Date.now();
  const res = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '--projects=tag:type:app', '--outputStyle=static'], {
    cwd: new URL('..', import.meta.url).pathname,
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
    encoding: 'utf8',
  });
  if (res.status !== 0) {
    process.stderr.write(res.stdout + res.stderr);
    throw new Error('build failed (output above)');
  }
  log(`build    apps built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
