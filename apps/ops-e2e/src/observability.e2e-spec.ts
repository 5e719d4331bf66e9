import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { smsClient } from './grpc-client';
import { opsJson, queries, read, rel, requireTool, run } from './ops';

// The operators' view end to end: the gateway as processes (tools/stack.cjs), real Kafka,
// PostgreSQL and SMPP (the simulator), traffic over gRPC, and a real Prometheus (Debian's package,
// on loopback, scraping every app each second, with smsgw's alert rules). Every dashboard query
// and alert expression must evaluate, and the traffic panels must show the traffic.
// Ports differ from npm start's and from gateway-e2e's so they can run side by side.
const KAFKA_BROKERS = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/smsgw';
const PORTS = { simulatorSmpp: 22775, simulatorHttp: 28086, ingestHttp: 28081, ingestGrpc: 25051, ingestApi: 28080, encoderHttp: 28082, routerHttp: 28083, connectorHttp: 28084, dlrHttp: 28085, consoleHttp: 28088, console: 28089, emailHttp: 28087, emailSmtp: 22525 };
const PROMETHEUS = '127.0.0.1:29090';
// What Grafana would put in for the variables: every namespace and carrier, a short rate window
// (the scrape interval is 1 s).
const substitute = (expr: string) => expr.replace(/\$__rate_interval/g, '30s').replace(/\$namespace|\$carrier/g, '.*');
// prom-client's own default metrics that promtool's linter flags (gauges named *_total); not ours.
const PROM_CLIENT_LINT = /^nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix$/;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startStack } = require(rel('tools/stack.cjs')) as {
  startStack(options: Record<string, unknown>): Promise<{ stop(): Promise<void>; apps: { name: string; httpPort: number; logFile: string }[]; apiKey?: string }>;
};

interface PromResponse<T> {
  status: 'success' | 'error';
  error?: string;
  data: T;
}

async function prom<T>(path: string, params: Record<string, string> = {}): Promise<PromResponse<T>> {
  const res = await fetch(`http://${PROMETHEUS}${path}?${new URLSearchParams(params)}`);
  return (await res.json()) as PromResponse<T>;
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

describe('operators view: Prometheus scrapes the running gateway', () => {
  const work = mkdtempSync(join(tmpdir(), 'smsgw-ops-e2e-'));
  let stack: Awaited<ReturnType<typeof startStack>>;
  let prometheus: ChildProcess | undefined;
  let client: ReturnType<typeof smsClient> | undefined;
  let sending = true;
  let traffic: Promise<void> = Promise.resolve();
  let sent = 0;

  beforeAll(async () => {
    requireTool('promtool');
    const prometheusBin = requireTool('prometheus');
    const carriersFile = join(work, 'carriers.yaml');
    writeFileSync(carriersFile, read('config/carriers.yaml').replace(/port: 2775/, `port: ${PORTS.simulatorSmpp}`));
    const routesFile = join(work, 'routes.yaml');
    // UK numbers go to demo; US numbers have no route (FAILED, an error on the boards).
    writeFileSync(routesFile, 'routes:\n  - id: uk-demo\n    prefix: "+44"\n    carrier: demo\n    pricePerSegmentMicros: 4000\n');
    // For debugging a subset: SMSGW_OPS_E2E_APPS=ingest,encoder,...
    const only = process.env['SMSGW_OPS_E2E_APPS']?.split(',');
    stack = await startStack({ ports: PORTS, apps: only, logDir: join(work, 'logs'), stateDir: join(work, 'state'), lockName: 'e2e', lockWaitMs: 600_000, what: 'ops-e2e test', env: { KAFKA_BROKERS, KAFKA_TOPIC_PREFIX: `ops-e2e-${Date.now().toString(36)}.`, DATABASE_URL, CARRIERS_FILE: carriersFile, ROUTES_FILE: routesFile, LOG_LEVEL: 'info' } });

    const config = {
      global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '900ms' },
      rule_files: [rel('deploy/prometheus/rules/smsgw-alerts.yml')],
      scrape_configs: [
        {
          job_name: 'smsgw',
          static_configs: stack.apps.map((a) => ({ targets: [`127.0.0.1:${a.httpPort}`], labels: { namespace: 'e2e', pod: a.name } })),
        },
      ],
    };
    writeFileSync(join(work, 'prometheus.yml'), stringify(config));
    run('promtool', ['check', 'config', join(work, 'prometheus.yml')]);
    mkdirSync(join(work, 'tsdb'));
    const log = openSync(join(work, 'prometheus.log'), 'a');
    prometheus = spawn(prometheusBin, [`--config.file=${join(work, 'prometheus.yml')}`, `--storage.tsdb.path=${join(work, 'tsdb')}`, `--web.listen-address=${PROMETHEUS}`, '--storage.tsdb.retention.time=1h', '--web.enable-lifecycle'], { stdio: ['ignore', log, log] });
    closeSync(log);
    await eventually('Prometheus to be ready', async () => ((await fetch(`http://${PROMETHEUS}/-/ready`).catch(() => undefined))?.ok ? true : undefined), 30_000);

    // Traffic for the whole test: GSM and UCS-2 messages, a few unroutable and a few refused.
    const texts = ['Your code is 123456.', 'Привет! '.repeat(10), 'Reminder: appointment tomorrow at 10:00'];
    // SMSGW_OPS_E2E_APPS without ingest: no key, and the sends below fail like any unanswered call.
    const sender = smsClient(`127.0.0.1:${PORTS.ingestGrpc}`, stack.apiKey ?? '');
    client = sender;
    traffic = (async () => {
      const until = Date.now() + 240_000;
      for (let i = 0; sending && Date.now() < until; i++) {
        const to = i % 10 === 9 ? '+12015550123' : `+4479111234${String(i % 100).padStart(2, '0')}`;
        await sender.send({ to: i % 17 === 16 ? '12' : to, from: 'SMSGW', text: texts[i % texts.length] }).then(() => sent++, () => undefined);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    // The rate windows need a few scrapes of moving counters.
    await eventually('messages to reach the carrier topics', async () => {
      const r = await prom<{ result: unknown[] }>('/api/v1/query', { query: 'sum(rate(smsgw_messages_routed_total[30s])) > 0' });
      return r.data.result.length ? true : undefined;
    }, 90_000);
  }, 840_000); // may wait for another e2e stack to stop (tools/stack.cjs lock)

  afterAll(async () => {
    sending = false;
    await traffic;
    client?.close();
    if (prometheus && prometheus.exitCode === null) {
      const exited = new Promise((r) => prometheus!.once('exit', r));
      prometheus.kill('SIGTERM');
      await exited;
    }
    await stack?.stop();
  }, 60_000);

  it('every app serves metrics that pass promtool check metrics', async () => {
    expect(sent).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const app of stack.apps) {
      const text = await (await fetch(`http://127.0.0.1:${app.httpPort}/metrics`)).text();
      writeFileSync(join(work, `${app.name}.metrics`), text);
      const out = require('node:child_process').spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' }); // eslint-disable-line @typescript-eslint/no-require-imports
      for (const line of `${out.stdout}${out.stderr}`.split('\n').map((l: string) => l.trim()).filter(Boolean)) if (!PROM_CLIENT_LINT.test(line)) problems.push(`${app.name}: ${line}`);
    }
    expect(problems).toEqual([]);
  });

  it("every app's smsgw_ metrics are in the README catalogue, under that app", async () => {
    const { code } = opsJson<{ code: { name: string; apps: string[] }[] }>('metrics.mjs', '--json');
    const catalogue = new Map(code.map((m) => [m.name, m.apps]));
    const missing: string[] = [];
    for (const app of stack.apps) {
      const text = readFileSync(join(work, `${app.name}.metrics`), 'utf8');
      const names = [...text.matchAll(/^# TYPE (smsgw_\w+) /gm)].map((m) => m[1]);
      for (const n of names) {
        const apps = catalogue.get(n);
        if (!apps) missing.push(`${app.name}: ${n} is not in the catalogue (node tools/ops/metrics.mjs)`);
        else if (!apps.includes(app.name) && !apps.includes('every app')) missing.push(`${app.name}: ${n} is catalogued for ${apps.join(', ')}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('Prometheus scrapes every app', async () => {
    const targets = await eventually('every target up', async () => {
      const r = await prom<{ activeTargets: { labels: { pod: string }; health: string; lastError: string }[] }>('/api/v1/targets');
      return r.data.activeTargets.length === stack.apps.length && r.data.activeTargets.every((t) => t.health === 'up') ? r.data.activeTargets : undefined;
    }, 15_000);
    expect(targets.map((t) => t.labels.pod).sort()).toEqual(stack.apps.map((a) => a.name).sort());
  }, 30_000); // the wait inside allows 15 s: the test's own limit must be longer

  it('every dashboard query, variable query and alert expression evaluates without error', async () => {
    const errors: string[] = [];
    for (const q of queries()) {
      const r = await prom<{ result: unknown[] }>('/api/v1/query', { query: substitute(q.expr) });
      if (r.status !== 'success') errors.push(`${q.source}: ${r.error}`);
    }
    expect(errors).toEqual([]);
  });

  it('the namespace and carrier variables find their values', async () => {
    for (const q of queries().filter((x) => x.kind === 'variable')) {
      const r = await prom<string[]>(`/api/v1/label/${q.label}/values`, { 'match[]': substitute(q.expr) });
      expect({ variable: q.source, values: r.data }).toEqual({ variable: q.source, values: expect.arrayContaining([q.label === 'carrier' ? 'demo' : 'e2e']) });
    }
  });

  it('the traffic panels show the traffic', async () => {
    const panels = new Map<string, string[]>();
    for (const q of queries().filter((x) => x.kind === 'panel' && x.traffic)) panels.set(`${q.dashboard} "${q.panel}"`, [...(panels.get(`${q.dashboard} "${q.panel}"`) ?? []), q.expr]);
    expect(panels.size).toBeGreaterThan(15);
    const empty = async () => {
      const out: string[] = [];
      for (const [panel, exprs] of panels) {
        let any = false;
        for (const e of exprs) {
          const r = await prom<{ result: { value: [number, string] }[] }>('/api/v1/query', { query: substitute(e) });
          if (r.data.result.some((s) => Number.isFinite(Number(s.value[1])))) any = true;
        }
        if (!any) out.push(panel);
      }
      return out;
    };
    let left: string[] = [];
    await eventually('every traffic panel to return data', async () => ((left = await empty()).length === 0 ? true : undefined), 60_000).catch(() => undefined);
    expect(left).toEqual([]);
  }, 90_000);

  it('Prometheus evaluates every alert rule without error', async () => {
    const r = await eventually('the rules to be evaluated', async () => {
      const res = await prom<{ groups: { rules: { name: string; health: string; lastError?: string }[] }[] }>('/api/v1/rules');
      const rules = res.data.groups.flatMap((g) => g.rules);
      return rules.length && rules.every((x) => x.health !== 'unknown') ? rules : undefined;
    }, 15_000);
    expect(r.filter((x) => x.health !== 'ok').map((x) => `${x.name}: ${x.lastError}`)).toEqual([]);
    expect(r.map((x) => x.name)).toContain('SmsgwCarrierBindsDown');
    // The demo carrier is bound and traffic flows: none of these may fire.
    const firing = await prom<{ alerts: { labels: { alertname: string }; state: string }[] }>('/api/v1/alerts');
    expect(firing.data.alerts.filter((a) => a.state === 'firing').map((a) => a.labels.alertname)).toEqual([]);
  }, 30_000);
});
