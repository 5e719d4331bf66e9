#!/usr/bin/env node
// Sums self time of a .cpuprofile by function and by file: node tools/bench/profile-summary.cjs FILE [TOP]
const fs = require('node:fs');
const file = process.argv[2];
const top = Number(process.argv[3] ?? 25);
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
for (let i = 0; i < prof.samples.length; i++) {
  const dt = prof.timeDeltas[i] ?? 0;
  self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + dt);
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const fn = new Map();
const files = new Map();
const short = (url) => url.replace(/^file:\/\//, '').replace(/.*node_modules\//, 'nm/').replace(/.*\/dist\//, 'dist/');
for (const [id, us] of self) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const f = short(cf.url) || '(native)';
  const key = `${cf.functionName || '(anon)'}  ${f}:${cf.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + us);
  if (cf.functionName === '(idle)') continue;
  const pkg = f.startsWith('nm/') ? f.split('/').slice(0, f.split('/')[1].startsWith('@') ? 3 : 2).join('/') : f;
  files.set(pkg, (files.get(pkg) ?? 0) + us);
}
const idle = [...fn].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${((total - idle) / 1e6).toFixed(1)} s busy`);
const show = (m, title) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * v) / (total - idle)).toFixed(1).padStart(5)}%  ${(v / 1e3).toFixed(0).padStart(6)} ms  ${k}`);
};
show(fn, 'self time by function (% of busy)');
show(files, 'self time by file/package');

// CALLERS=name: who calls that function (self time of it, by caller chain up to 4 frames)
if (process.env.CALLERS) {
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const chains = new Map();
  for (const [id, us] of self) {
    if (byId.get(id).callFrame.functionName !== process.env.CALLERS) continue;
    const names = [];
    for (let p = parent.get(id); p !== undefined && names.length < (Number(process.env.DEPTH) || 6); p = parent.get(p)) {
      const cf = byId.get(p).callFrame;
      names.push(`${cf.functionName || '(anon)'}@${short(cf.url).split('/').pop()}`);
    }
    const k = names.join(' < ');
    chains.set(k, (chains.get(k) ?? 0) + us);
  }
  console.log(`\ncallers of ${process.env.CALLERS}`);
  for (const [k, v] of [...chains].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`${(v / 1e3).toFixed(0).padStart(6)} ms  ${k}`);
}
