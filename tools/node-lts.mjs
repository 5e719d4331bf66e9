// The Node.js LTS the images run (Dockerfile NODE_IMAGE, checked by node-lts.spec.ts). The
// machines that build smsgw stay on Node 20, so npm test also runs the unit specs on this version
// with the binary of the npm registry's `node` package (node → node-<platform>-<arch>), installed
// once into node_modules/.cache/smsgw-node/<version> and reused: no network but the registry, and
// after the first run no download at all.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const NODE_LTS_VERSION = '24.21.0';

const versionOf = (bin) => {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
};

/** The path of the cached Node.js `version` binary, installing it first when it is not there. */
export function ensureNodeLts(root, version = NODE_LTS_VERSION, log = console.log) {
  const cache = join(root, 'node_modules', '.cache', 'smsgw-node');
  const dir = join(cache, version);
  const binOf = (d) => join(d, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(binOf(dir)) && versionOf(binOf(dir)) === `v${version}`) return binOf(dir);

  // Installed beside, then renamed into place, so two runs at once never see half an install.
  const tmp = `${dir}.installing-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  // allowScripts: npm 11 runs reviewed install scripts only (it warns today, and will refuse).
  writeFileSync(join(tmp, 'package.json'), `${JSON.stringify({ private: true, allowScripts: { [`node@${version}`]: true } }, null, 2)}\n`);
  log(`test     installing Node.js ${version} (npm package node@${version}) into ${dir}`);
  // The package's preinstall fetches the platform binary (another npm package): scripts must run.
  const r = spawnSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--ignore-scripts=false', `node@${version}`], { cwd: tmp, stdio: 'inherit' });
  if (r.error || r.status !== 0 || versionOf(binOf(tmp)) !== `v${version}`) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`could not install Node.js ${version} from the npm registry (npm install node@${version} exited ${r.status ?? r.error?.message}); see the npm output above`);
  }
  rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(tmp, dir);
  } catch (err) {
    // Another run put it there first.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(binOf(dir))) throw err;
  }
  return binOf(dir);
}
