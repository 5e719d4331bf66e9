#!/usr/bin/env node
// The metrics catalogue: every metric the apps register (read from the code: the
// counter/gauge/histogram helpers of @smsgw/shared/util-metrics and `new Counter|Gauge|Histogram`)
// plus prom-client's default process metrics, and the metric names a PromQL expression reads.
// The README's Operations section holds the catalogue as a table between markers:
//   node tools/ops/metrics.mjs           rewrite that table
//   node tools/ops/metrics.mjs --check   exit 1 if it is stale
//   node tools/ops/metrics.mjs --queries every dashboard/alert query with the metrics no app exports (JSON)
//   node tools/ops/metrics.mjs --json    the catalogue (JSON)
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const README = join(ROOT, 'README.md');
const BEGIN = '<!-- metrics-catalogue:begin -->';
const END = '<!-- metrics-catalogue:end -->';

function sourceFiles(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.') || e.name === 'testing' || e.name === 'generated') continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) sourceFiles(full, out);
    else if (e.name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

const STRING = String.raw`'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\x60(?:[^\x60\\]|\\.)*\x60`;
const unquote = (s) => s.slice(1, -1).replace(/\\(.)/g, '$1');
const labelList = (s) => (s ? [...s.matchAll(/'([^']*)'|"([^"]*)"/g)].map((m) => m[1] ?? m[2]) : []);

/** The apps (folder names) that import a library, by its alias, directly. */
function appsUsing() {
  const byLib = new Map();
  for (const app of readdirSync(join(ROOT, 'apps'))) {
    let files = [];
    try {
      files = sourceFiles(join(ROOT, 'apps', app, 'src'));
    } catch {
      continue;
    }
    for (const f of files) for (const m of readFileSync(f, 'utf8').matchAll(/from '@smsgw\/([\w-]+\/[\w-]+)'/g)) {
      if (!byLib.has(m[1])) byLib.set(m[1], new Set());
      byLib.get(m[1]).add(app);
    }
  }
  return byLib;
}

/** Metrics registered in the code: [{ name, type, labels, help, apps, files }]. */
export function codeMetrics() {
  const found = new Map();
  const users = appsUsing();
  const files = [...sourceFiles(join(ROOT, 'apps')), ...sourceFiles(join(ROOT, 'libs'))];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    if (!/smsgw_/.test(text)) continue;
    const rel = relative(ROOT, file).split(sep).join('/');
    const parts = rel.split('/');
    const apps = parts[0] === 'apps' ? [parts[1]] : parts[2] === 'util-metrics' ? ['every app'] : [...(users.get(`${parts[1]}/${parts[2]}`) ?? [])];
    const consts = new Map([...text.matchAll(/const (\w+) = '(smsgw_\w+)'/g)].map((m) => [m[1], m[2]]));
    const add = (name, type, help, labels) => {
      const prev = found.get(name);
      if (prev) {
        prev.apps = [...new Set([...prev.apps, ...apps])].sort();
        prev.files.push(rel);
      } else found.set(name, { name, type, help, labels, apps: apps.sort(), files: [rel] });
    };
    const helper = new RegExp(String.raw`\b(counter|gauge|histogram)\(\s*(?:\w+\s*,\s*)?'(smsgw_\w+)'\s*,\s*(${STRING})\s*(?:,\s*\[([^\]]*)\])?`, 'g');
    for (const m of text.matchAll(helper)) add(m[2], m[1], unquote(m[3]), labelList(m[4]));
    for (const m of text.matchAll(/new (Counter|Gauge|Histogram)\(\{/g)) {
      const body = text.slice(m.index, m.index + 600);
      const nameM = /name:\s*(?:'(smsgw_\w+)'|(\w+))/.exec(body);
      const name = nameM?.[1] ?? consts.get(nameM?.[2] ?? '');
      if (!name) continue;
      const helpM = new RegExp(String.raw`help:\s*(${STRING})`).exec(body);
      const labelsM = /labelNames:\s*\[([^\]]*)\]/.exec(body);
      add(name, m[1].toLowerCase(), helpM ? unquote(helpM[1]) : '', labelList(labelsM?.[1]));
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** prom-client's default metrics (every app registers them): [{ name, type, help }]. */
export function defaultMetrics() {
  const { Registry, collectDefaultMetrics } = require('prom-client');
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry.getMetricsAsArray().map((m) => ({ name: m.name, type: m.type ?? m.constructor.name.toLowerCase(), help: m.help })).sort((a, b) => a.name.localeCompare(b.name));
}

/** Every series name the apps can export (histograms as _bucket/_sum/_count too), plus `up`. */
export function exportedSeriesNames(metrics = [...codeMetrics(), ...defaultMetrics()]) {
  const names = new Set(['up']);
  for (const m of metrics) {
    names.add(m.name);
    if (m.type === 'histogram' || m.type === 'summary') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  return names;
}

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless', 'inf', 'nan', 'atan2', 'start', 'end']);

/** The metric names a PromQL expression reads (Grafana variables allowed). */
export function metricNamesInExpr(expr) {
  let s = expr.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""'); // strings
  s = s.replace(/\{[^}]*\}/g, ' '); // label matchers
  s = s.replace(/\[[^\]]*\]/g, ' '); // ranges and subqueries
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  s = s.replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set();
  for (const m of s.matchAll(/(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:]|\s*\()/g)) {
    if (KEYWORDS.has(m[1].toLowerCase())) continue;
    names.add(m[1]);
  }
  return [...names];
}

/** The README table. */
export function catalogueTable(code = codeMetrics(), defaults = defaultMetrics()) {
  const esc = (s) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ').trim();
  const rows = code.map((m) => `| \`${m.name}\` | ${m.type} | ${m.labels.length ? m.labels.map((l) => `\`${l}\``).join(', ') : '—'} | ${m.apps.join(', ') || '—'} | ${esc(m.help)} |`);
  const lines = [
    '| Metric | Type | Labels | App | Meaning |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    `Every app also exports prom-client's default process metrics: ${defaults.map((m) => `\`${m.name}\``).join(', ')}. Every series carries the label \`app\` (the app's name); Prometheus adds \`job\`, \`instance\` and, in Kubernetes, \`namespace\` and \`pod\`.`,
  ];
  return lines.join('\n');
}

export function readmeWithCatalogue(readme, table = catalogueTable()) {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${BEGIN} … ${END} block`);
  return readme.slice(0, a + BEGIN.length) + '\n' + table + '\n' + readme.slice(b);
}

/**
 * Every query the operators run: each dashboard panel target and template variable, each alert
 * expression — with the metric names it reads that no app exports (`unknown`).
 */
export function queries() {
  const YAML = require('yaml');
  const exported = exportedSeriesNames();
  const out = [];
  const dir = join(ROOT, 'deploy/grafana/dashboards');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const board = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    for (const v of board.templating?.list ?? []) {
      if (v.type !== 'query') continue;
      const m = /^label_values\((.*),\s*(\w+)\)$/.exec(v.definition ?? '');
      out.push({ source: `${file} variable ${v.name}`, kind: 'variable', expr: m ? m[1] : v.definition, label: m?.[2] });
    }
    for (const p of board.panels ?? []) for (const t of p.targets ?? []) out.push({ source: `${file} panel "${p.title}" ${t.refId}`, kind: 'panel', dashboard: board.uid, panel: p.title, traffic: Boolean(p.smsgwTraffic), expr: t.expr });
  }
  const rules = YAML.parse(readFileSync(join(ROOT, 'deploy/prometheus/rules/smsgw-alerts.yml'), 'utf8'));
  for (const g of rules.groups) for (const r of g.rules) out.push({ source: `smsgw-alerts.yml ${r.alert ?? r.record}`, kind: 'alert', alert: r.alert, expr: r.expr });
  for (const q of out) q.unknown = metricNamesInExpr(q.expr).filter((n) => !exported.has(n));
  return out;
}

if (process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes('--queries')) {
    process.stdout.write(JSON.stringify(queries()) + '\n');
    process.exit(0);
  }
  if (process.argv.includes('--names')) {
    const expr = process.argv[process.argv.indexOf('--names') + 1];
    const exported = exportedSeriesNames();
    process.stdout.write(JSON.stringify({ names: metricNamesInExpr(expr), unknown: metricNamesInExpr(expr).filter((n) => !exported.has(n)) }) + '\n');
    process.exit(0);
  }
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify({ code: codeMetrics(), defaults: defaultMetrics() }) + '\n');
    process.exit(0);
  }
  const readme = readFileSync(README, 'utf8');
  const want = readmeWithCatalogue(readme);
  if (process.argv.includes('--check')) {
    if (want !== readme) {
      console.error('README.md metrics catalogue is stale: run node tools/ops/metrics.mjs');
      process.exit(1);
    }
  } else if (want !== readme) {
    writeFileSync(README, want);
    console.log('README.md: metrics catalogue updated');
  }
}
