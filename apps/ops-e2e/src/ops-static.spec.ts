import { carrierById, parseCarriersConfig } from '@smsgw/carriers/util-config';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { schemaProblems, strictProblems } from './k8s-schemas';
import { type K8sObject, appProjects, kustomize, opsJson, queries, read, rel, requireTool, run } from './ops';

// What can be checked of the operations files without a cluster, a Docker engine or a running
// gateway. The end-to-end half is observability.e2e-spec.ts.

describe('Prometheus rules', () => {
  it('pass promtool check rules and their unit tests', () => {
    requireTool('promtool');
    expect(run('promtool', ['check', 'rules', rel('deploy/prometheus/rules/smsgw-alerts.yml')])).toContain('SUCCESS');
    expect(run('promtool', ['test', 'rules', 'smsgw-alerts.test.yml'], { cwd: rel('deploy/prometheus/rules') })).toContain('SUCCESS');
  });

  it('every alert has a severity, a summary and a runbook line', () => {
    const { groups } = parse(read('deploy/prometheus/rules/smsgw-alerts.yml'));
    const alerts = groups.flatMap((g: { rules: Record<string, any>[] }) => g.rules); // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(alerts.length).toBeGreaterThanOrEqual(6);
    for (const a of alerts) {
      expect({ alert: a.alert, severity: a.labels?.severity }).toEqual({ alert: a.alert, severity: expect.stringMatching(/^(critical|warning)$/) });
      expect(a.annotations?.summary).toBeTruthy();
      expect(a.annotations?.runbook).toBeTruthy();
    }
    const names = alerts.map((a: { alert: string }) => a.alert);
    for (const wanted of ['SmsgwCarrierBindsDown', 'SmsgwDeliveryRatioDropped', 'SmsgwReceiptLatencyHigh', 'SmsgwConsumerLagGrowing', 'SmsgwNoTraffic', 'SmsgwUnknownOutcomesRising']) expect(names).toContain(wanted);
  });

  it('prometheus.yml for docker-compose passes promtool check config', () => {
    // Its rule_files point into the container; check it with the rules path mapped to the repo.
    const dir = mkdtempSync(join(tmpdir(), 'smsgw-promcfg-'));
    writeFileSync(join(dir, 'prometheus.yml'), read('deploy/prometheus/prometheus.yml').replace('/etc/prometheus/rules/*.yml', rel('deploy/prometheus/rules/smsgw-alerts.yml')));
    expect(run('promtool', ['check', 'config', join(dir, 'prometheus.yml')])).toContain('SUCCESS');
  });
});

describe('generated files are up to date', () => {
  it.each([
    ['the PrometheusRule', 'sync-rules.mjs'],
    ['the dashboards', 'build-dashboards.mjs'],
    ["the README's metrics catalogue", 'metrics.mjs'],
  ])('%s (node tools/ops/%s)', (_what, script) => {
    run('node', [rel('tools/ops', script), '--check']);
  });
});

describe('dashboards and alerts name only metrics the apps export', () => {
  const all = queries();

  it('every panel query, variable query and alert expression', () => {
    expect(all.filter((q) => q.kind === 'panel').length).toBeGreaterThan(30);
    expect(all.filter((q) => q.unknown.length).map((q) => `${q.source}: ${q.unknown.join(', ')}`)).toEqual([]);
  });

  it('and the check does catch a metric no app exports', () => {
    const { unknown } = opsJson<{ unknown: string[] }>('metrics.mjs', '--names', 'sum by (carrier) (rate(smsgw_made_up_total{namespace=~"$namespace"}[$__rate_interval])) / on (carrier) smsgw_receipts_total');
    expect(unknown).toEqual(['smsgw_made_up_total']);
  });

  it('the catalogue lists what the issue asks for', () => {
    const { code } = opsJson<{ code: { name: string; labels: string[] }[] }>('metrics.mjs', '--json');
    const names = code.map((m) => m.name);
    for (const m of ['smsgw_messages_accepted_total', 'smsgw_messages_rejected_total', 'smsgw_stage_latency_seconds', 'smsgw_message_accept_to_final_seconds', 'smsgw_receipts_total', 'smsgw_kafka_consumer_lag_messages']) expect(names).toContain(m);
    for (const m of code) {
      expect(m.name).toMatch(/^smsgw_[a-z0-9_]+$/);
      for (const l of m.labels) expect(['to', 'from', 'id', 'message_id', 'phone', 'msisdn']).not.toContain(l);
    }
  });
});

describe('Grafana dashboards', () => {
  const files = readdirSync(rel('deploy/grafana/dashboards')).filter((f) => f.endsWith('.json'));
  const boards = files.map((f) => JSON.parse(read('deploy/grafana/dashboards', f)));

  it('overview, carriers and pipeline, with datasource and namespace variables (carrier on the carriers board)', () => {
    expect(boards.map((b) => b.uid).sort()).toEqual(['smsgw-carriers', 'smsgw-overview', 'smsgw-pipeline']);
    for (const b of boards) {
      const vars = b.templating.list.map((v: { name: string }) => v.name);
      expect(vars).toEqual(expect.arrayContaining(['datasource', 'namespace']));
      if (b.uid === 'smsgw-carriers') expect(vars).toContain('carrier');
      const ids = b.panels.map((p: { id: number }) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of b.panels) {
        expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
        for (const t of p.targets) expect(t.expr).toContain('namespace=~"$namespace"');
      }
    }
  });

  it('are provisioned by docker-compose and packed into the Kubernetes ConfigMap', () => {
    const provider = parse(read('deploy/grafana/provisioning/dashboards/smsgw.yaml'));
    const compose = parse(read('docker-compose.yml'), { merge: true });
    const mount = compose.services.grafana.volumes.find((v: string) => v.startsWith('./deploy/grafana/dashboards:'));
    expect(mount.split(':')[1]).toBe(provider.providers[0].options.path);
    const ds = parse(read('deploy/grafana/provisioning/datasources/prometheus.yaml'));
    expect(ds.datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    const cm = parse(read('deploy/grafana/kustomization.yaml')).configMapGenerator[0];
    expect(cm.files.map((f: string) => f.replace('dashboards/', '')).sort()).toEqual(files.sort());
  });
});

describe('Kubernetes manifests', () => {
  const overlays = ['dev', 'prod'];
  const rendered: Record<string, K8sObject[]> = {};
  beforeAll(() => {
    for (const o of overlays) rendered[o] = kustomize(rel('deploy/k8s/overlays', o));
  });
  const of = (o: string, kind: string) => rendered[o].filter((x) => x.kind === kind);

  it.each(overlays)('%s renders and every object validates against the Kubernetes and CRD schemas', (o) => {
    expect(rendered[o].length).toBeGreaterThan(25);
    expect(rendered[o].flatMap((x) => [...schemaProblems(x), ...strictProblems(x)])).toEqual([]);
  });

  it('the schema check catches a bad manifest', () => {
    const bad = JSON.parse(JSON.stringify(of('dev', 'Deployment')[0]));
    bad.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
    delete bad.spec.selector;
    expect(schemaProblems(bad)[0]).toMatch(/containerPort must be integer|must have required property 'selector'/);
    bad.spec.template.spec.containers[0].livenessprobe = {};
    expect(strictProblems(bad)).toEqual([expect.stringContaining('livenessprobe')]);
  });

  it.each(overlays)('%s: every app Deployment has probes on /healthz, requests, a non-root user, a PDB, a ServiceAccount and a Service', (o) => {
    const deployments = of(o, 'Deployment');
    const names = deployments.map((d) => d.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['ingest', 'encoder', 'router', 'dlr-processor', 'smpp-connector-demo']));
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      const c = pod.containers[0];
      for (const probe of ['readinessProbe', 'livenessProbe']) expect({ d: d.metadata.name, path: c[probe]?.httpGet?.path }).toEqual({ d: d.metadata.name, path: '/healthz' });
      expect(c.resources?.requests?.cpu).toBeTruthy();
      expect(c.resources?.requests?.memory).toBeTruthy();
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(of(o, 'ServiceAccount').map((s) => s.metadata.name)).toContain(pod.serviceAccountName);
      const selects = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => pod.template?.metadata?.labels?.[k] === v || d.spec.template.metadata.labels[k] === v);
      expect(of(o, 'Service').some((s) => selects(s.spec.selector))).toBe(true);
      if (d.metadata.name !== 'smsc-simulator') expect(of(o, 'PodDisruptionBudget').some((p) => selects(p.spec.selector.matchLabels))).toBe(true);
    }
  });

  it.each(overlays)('%s: autoscaling — HPA on CPU for ingest, KEDA on lag for the consumers, never more replicas than partitions or allowed binds', (o) => {
    const config = of(o, 'ConfigMap').find((c) => c.metadata.name.startsWith('smsgw-config'))!;
    const partitions = Number(config.data!['KAFKA_TOPIC_PARTITIONS']);
    const hpa = of(o, 'HorizontalPodAutoscaler');
    expect(hpa.map((h) => h.spec.scaleTargetRef.name)).toEqual(['ingest']);
    expect(hpa[0].spec.metrics[0].resource.name).toBe('cpu');
    const scaled = of(o, 'ScaledObject');
    expect(scaled.map((s) => s.spec.scaleTargetRef.name).sort()).toEqual(['dlr-processor', 'encoder', 'router', 'smpp-connector-demo']);
    const deployments = of(o, 'Deployment').map((d) => d.metadata.name);
    for (const s of scaled) {
      expect(deployments).toContain(s.spec.scaleTargetRef.name);
      expect(s.spec.maxReplicaCount).toBeLessThanOrEqual(partitions);
      const kafka = s.spec.triggers.filter((t: { type: string }) => t.type === 'kafka');
      expect(kafka.length).toBeGreaterThan(0);
      for (const t of kafka) expect(t.metadata.bootstrapServers).toBe(config.data!['KAFKA_BROKERS']);
      const allowed = s.metadata.annotations?.['smsgw.io/carrier-allowed-binds'];
      if (s.spec.scaleTargetRef.name.startsWith('smpp-connector')) {
        const perReplica = Number(s.metadata.annotations!['smsgw.io/binds-per-replica']);
        expect(s.spec.maxReplicaCount).toBeLessThanOrEqual(Math.floor(Number(allowed) / perReplica));
        const carrier = s.metadata.labels!['smsgw.io/carrier'];
        expect(kafka[0].metadata).toMatchObject({ topic: `sms.outbound.${carrier}.v1`, consumerGroup: `smsgw-connector-${carrier}` });
        expect(kafka[1].metadata).toMatchObject({ topic: `sms.outbound.${carrier}.priority.v1`, consumerGroup: `smsgw-connector-${carrier}-priority` });
        const d = of(o, 'Deployment').find((x) => x.metadata.name === s.spec.scaleTargetRef.name)!;
        expect(d.spec.template.spec.containers[0].env).toContainEqual({ name: 'CARRIER_ID', value: carrier });
        expect(d.spec.strategy.rollingUpdate.maxSurge).toBe(0);
        const secret = of(o, 'Secret').find((x) => x.metadata.name.startsWith('smsgw-carriers'));
        if (secret) {
          const carriers = parseCarriersConfig(Buffer.from((secret.data as Record<string, string>)['carriers.yaml'], 'base64').toString('utf8'));
          expect(carrierById(carriers, carrier).binds).toBe(perReplica);
        }
      }
    }
  });

  it('ingest has a headless Service for client-side gRPC balancing, and a ServiceMonitor scrapes every app', () => {
    const grpc = of('prod', 'Service').find((s) => s.metadata.name === 'ingest-grpc')!;
    expect(grpc.spec.clusterIP).toBe('None');
    const monitor = of('prod', 'ServiceMonitor')[0];
    for (const s of of('prod', 'Service')) {
      if (s.spec.clusterIP === 'None') continue;
      expect(Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v)).toBe(true);
      expect(s.spec.ports.map((p: { name: string }) => p.name)).toContain('http');
    }
    expect(of('prod', 'PrometheusRule')).toHaveLength(1);
    expect(of('prod', 'ConfigMap').find((c) => c.metadata.name === 'smsgw-grafana-dashboards')?.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true });
  const services: Record<string, any> = compose.services; // eslint-disable-line @typescript-eslint/no-explicit-any
  const built = Object.entries(services).filter(([, s]) => s.build);

  it('builds every app from the Dockerfile, and only apps that exist', () => {
    const apps = built.map(([, s]) => s.build.args?.APP).filter(Boolean).sort();
    expect(apps).toEqual(appProjects().filter((a) => a !== 'cli'));
    for (const [name, s] of built) {
      expect(s.build.context).toBe('.');
      if (s.build.args?.APP) {
        expect(name).toBe(s.build.args.APP);
        expect(existsSync(rel('apps', s.build.args.APP, 'tsconfig.app.json'))).toBe(true);
        expect(s.image).toBe(`smsgw/${s.build.args.APP}:dev`);
      } else {
        expect(read('Dockerfile')).toMatch(new RegExp(`^FROM .* AS ${s.build.target}$`, 'm'));
      }
    }
  });

  it('uses only pinned images of Kafka (KRaft), PostgreSQL, Redis, Prometheus and Grafana', () => {
    const external = Object.entries(services).filter(([, s]) => !s.build).map(([n, s]) => [n, s.image]);
    expect(Object.fromEntries(external)).toEqual({
      kafka: expect.stringMatching(/^apache\/kafka:\d+\.\d+\.\d+$/),
      postgres: expect.stringMatching(/^postgres:\d+(\.\d+)?-alpine$/),
      redis: expect.stringMatching(/^redis:\d+\.\d+\.\d+-alpine$/),
      prometheus: expect.stringMatching(/^prom\/prometheus:v\d+\.\d+\.\d+$/),
      grafana: expect.stringMatching(/^grafana\/grafana:\d+\.\d+\.\d+$/),
    });
    expect(services.kafka.environment.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    for (const line of read('Dockerfile').split('\n').filter((l) => l.startsWith('ARG ') && l.includes('IMAGE='))) expect(line).toMatch(/:[\w.-]+$/);
  });

  it('the migration job runs the infra launcher against the compose Kafka and PostgreSQL, before any app', () => {
    expect(services.migrate.command).toEqual(['node', 'tools/infra/cli.mjs', 'up']);
    expect(services.migrate.environment).toMatchObject({ KAFKA_BROKERS: 'kafka:9092', DATABASE_URL: expect.stringContaining('@postgres:5432/smsgw') });
    for (const [name, s] of built) if (s.build.args?.APP && name !== 'smsc-simulator') expect(s.depends_on.migrate.condition).toBe('service_completed_successfully');
  });

  it('sets only settings the apps read, mounts files that exist, and the carriers file is valid', () => {
    const common = read('libs/shared/util-config/src/common.ts');
    for (const [name, s] of built.filter(([, s]) => s.build.args?.APP)) {
      const app = s.build.args.APP;
      const sources = [common, existsSync(rel('apps', app, 'src/env.ts')) ? read('apps', app, 'src/env.ts') : ''];
      if (app === 'smsc-simulator') sources.push(read('libs/smpp/feature-simulator/src/config/overrides.ts'));
      if (sources[1].includes('ROUTING_SETTINGS')) sources.push(read('libs/routing/data-access-config/src/routing.settings.ts'));
      if (app === 'smpp-connector' && !existsSync(rel('apps', app, 'src/env.ts'))) sources.push(read('tools/stack.cjs'), 'CARRIERS_FILE');
      const known = new Set(sources.flatMap((t) => [...t.matchAll(/\b([A-Z][A-Z0-9_]{2,})\b/g)].map((m) => m[1])));
      for (const key of Object.keys(s.environment ?? {})) expect(`${name}: ${key}`).toBe(known.has(key) ? `${name}: ${key}` : `${name}: ${key} (not a setting of ${app})`);
      for (const v of s.volumes ?? []) if (v.startsWith('./')) expect(existsSync(rel(v.split(':')[0]))).toBe(true);
    }
    const compose = parseCarriersConfig(read('deploy/compose/carriers.yaml'));
    expect(carrierById(compose, 'demo').host).toBe('smsc-simulator');
  });
});
