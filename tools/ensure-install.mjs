#!/usr/bin/env node
// pretest/prestart: runs `npm ci` when node_modules is missing or older than package-lock.json,
// so `npm test` works on a fresh clone and after a pull that changed dependencies.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readlinkSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const lock = join(root, 'package-lock.json');
// npm writes this after package-lock.json at the end of every install, so its mtime says when
// node_modules last matched the lock file (the folder's own mtime does not).
const installed = join(root, 'node_modules', '.package-lock.json');

function reason() {
  const modules = join(root, 'node_modules');
  // A worktree that links a shared install: npm ci would empty the folder the link points to (it
  // deletes node_modules' contents through the link), breaking every checkout that shares it, and
  // a fresh checkout's package-lock.json always looks newer. The install is the owner's to update.
  if (existsSync(modules) && lstatSync(modules).isSymbolicLink()) {
    console.log(`ensure-install: node_modules links to ${readlinkSync(modules)} (a shared install); not running npm ci through it`);
    return undefined;
  }
  if (!existsSync(modules)) return 'node_modules is missing';
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
