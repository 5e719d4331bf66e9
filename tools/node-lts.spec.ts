import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The version npm test runs the unit specs on is the one the images run.
describe('Node.js LTS', () => {
  it("the Dockerfile's images are the version npm test checks", () => {
    const NODE_LTS_VERSION = execFileSync('node', ['--input-type=module', '-e', "import { NODE_LTS_VERSION } from './tools/node-lts.mjs'; process.stdout.write(NODE_LTS_VERSION)"], { cwd: join(__dirname, '..'), encoding: 'utf8' });
    expect(NODE_LTS_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    const dockerfile = readFileSync(join(__dirname, '..', 'Dockerfile'), 'utf8');
    const major = NODE_LTS_VERSION.split('.')[0];
    expect(dockerfile).toMatch(new RegExp(`^ARG NODE_IMAGE=node:${NODE_LTS_VERSION.replace(/\./g, '\\.')}-`, 'm'));
    expect(dockerfile).toMatch(new RegExp(`^ARG RUNTIME_IMAGE=gcr\\.io/distroless/nodejs${major}-`, 'm'));
  });
});
