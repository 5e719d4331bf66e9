#!/usr/bin/env node
// pretest/prestart: runs `npm ci` when node_modules is missing or older than package-lock.json,
// so `npm test` works on a fresh clone and after a pull that changed dependencies.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const lock = join(root, 'package-lock.json');
// npm writes this after package-lock.json at the end of every install, so its mtime says when
// node_modules last matched the lock file (the folder's own mtime does not).
const installed = join(root, 'node_modules', '.package-lock.json');

function reason() {
  if (!existsSync(join(root, 'node_modules'))) return 'node_modules is missing';
  if (!existsSync(installed)) return 'node_modules was not installed by npm (no node_modules/.package-lock.json)';
  if (statSync(lock).mtimeMs > statSync(installed).mtimeMs) return 'package-lock.json is newer than node_modules';
  return undefined;
}

const why = reason();
if (why) {
  console.log(`ensure-install: ${why}; running npm ci`);
  const result = spawnSync('npm', ['ci'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.error) {
    console.error(`ensure-install: could not run npm (${result.error.message})`);
    process.exit(1);
  }
  process.exit(result.status ?? 1);
}
