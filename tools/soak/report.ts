// The soak's figures and its section of docs/reliability.md. Pure: tools/soak/soak.ts samples the
// running stack, this file reads /metrics text, fits the slopes and writes the markdown.
import { spliceBetween } from '../chaos/report';

/** Memory growing slower than this (least-squares slope, per app, RSS and heap used) counts as flat. */
export const MEMORY_FLAT_MB_PER_HOUR = 10;
/** A group's lag counts as flat when its slope is below this and its last value below LAG_FLAT_LAST_SECONDS of load. */
export const LAG_FLAT_PER_HOUR = 1_000;
export const LAG_FLAT_LAST_SECONDS = 30;
/** The stack kept up when it accepted at least this share of the offered rate and held nothing back. */
export const KEPT_UP_SHARE = 0.95;

export interface MetricValue {
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition → values by metric name (comments skipped; NaN and ±Inf kept as numbers). */
export function parseMetrics(text: string): Map<string, MetricValue[]> {
  const out = new Map<string, MetricValue[]>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    let list = out.get(m[1]);
    if (!list) out.set(m[1], (list = []));
    list.push({ labels, value });
  }
  return out;
}

/** The sum of a metric over all its label sets (undefined: not exported). */
export function metricSum(metrics: Map<string, MetricValue[]>, name: string): number | undefined {
  const list = metrics.get(name);
  return list ? list.reduce((a, v) => a + v.value, 0) : undefined;
}

/** A histogram's cumulative buckets summed over its other labels, ordered by bound. */
export interface Histogram {
  count: number;
  buckets: { le: number; count: number }[];
}

export function histogramOf(metrics: Map<string, MetricValue[]>, name: string): Histogram {
  const byLe = new Map<number, number>();
  for (const v of metrics.get(`${name}_bucket`) ?? []) {
    const le = v.labels['le'] === '+Inf' ? Infinity : Number(v.labels['le']);
    byLe.set(le, (byLe.get(le) ?? 0) + v.value);
  }
  return { count: metricSum(metrics, `${name}_count`) ?? 0, buckets: [...byLe].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count })) };
}

/** What was observed between two scrapes of one histogram. */
export function histogramDelta(before: Histogram, after: Histogram): Histogram {
  const old = new Map(before.buckets.map((b) => [b.le, b.count]));
  return { count: after.count - before.count, buckets: after.buckets.map((b) => ({ le: b.le, count: b.count - (old.get(b.le) ?? 0) })) };
}

/** The q-quantile of a histogram, interpolated linearly inside its bucket as PromQL's histogram_quantile does; undefined if empty. */
export function histogramQuantile(h: Histogram, q: number): number | undefined {
  const total = h.buckets.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return lowerBound; // beyond the last finite bound: report that bound
      return lowerBound + ((b.le - lowerBound) * (rank - lowerCount)) / Math.max(b.count - lowerCount, 1e-9);
    }
    lowerBound = b.le;
    lowerCount = b.count;
  }
  return lowerBound;
}

/** Least-squares slope of y over x (0 for fewer than two distinct x). */
export function leastSquaresSlope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx === 0 ? 0 : sxy / sxx;
}

/** One scrape of the whole stack. */
export interface Sample {
  /** Seconds since the load started. */
  t: number;
  /** Taken during the warm-up (not used for the start figure or the slopes). */
  warmup: boolean;
  /** 1-minute load average of the machine. */
  load1: number;
  /** `uptime` as printed, for the report. */
  uptime: string;
  apps: Record<string, { rssBytes?: number; heapUsedBytes?: number; cpuSeconds?: number }>;
  /** Consumer lag by "group topic" (the largest any app reported). */
  lag: Record<string, number>;
  /** Messages the driver had accepted so far. */
  accepted: number;
  /** Offered so far (accepted, refused and held back). */
  offered: number;
  /** The dlr-processor's accept→final histogram (cumulative). */
  acceptToFinal: Histogram;
}

export interface SoakOutcome {
  accepted: number;
  final: number;
  delivered: number;
  lost: number;
  settleSeconds: number;
  refused: Record<string, number>;
}

export interface SoakRun {
  startedAt: Date;
  command: string;
  rate: number;
  sampleSeconds: number;
  warmupSeconds: number;
  /** Why the run ended before its time (a signal), if it did. */
  interrupted?: string;
  samples: Sample[];
  outcome: SoakOutcome;
  /** Lines tools/stack.cjs printed when an app exited and was started again. */
  restarts: string[];
}

const MB = 1024 * 1024;
const HOUR = 3600;

interface Series {
  start?: number;
  middle?: number;
  end?: number;
  slopePerHour: number;
}

function series(samples: readonly Sample[], read: (s: Sample) => number | undefined): Series {
  const points = samples.flatMap((s) => {
    const v = read(s);
    return v === undefined || !Number.isFinite(v) ? [] : [[s.t, v] as const];
  });
  if (points.length === 0) return { slopePerHour: 0 };
  return { start: points[0][1], middle: points[Math.floor((points.length - 1) / 2)][1], end: points[points.length - 1][1], slopePerHour: leastSquaresSlope(points) * HOUR };
}

export interface SoakSummary {
  measuredSeconds: number;
  apps: { name: string; rss: Series; heap: Series; cpuPercent?: number }[];
  lag: { key: string; max: number; last: number; slopePerHour: number }[];
  offeredPerSec: number;
  acceptedPerSec: number;
  finalPerSec: number;
  latency: { p50?: number; p99?: number };
  windows: { label: string; t: number; acceptedPerSec: number; finalPerSec: number; p50?: number; p99?: number; load1: number }[];
  load: { min: number; mean: number; max: number };
  keptUp: boolean;
  problems: string[];
}

/** The figures of a run: measured samples (after warm-up), slopes, lag, throughput, verdict problems. */
export function summarize(run: SoakRun): SoakSummary {
  const measured = run.samples.filter((s) => !s.warmup);
  const first = measured[0];
  const last = measured.at(-1);
  const measuredSeconds = first && last ? last.t - first.t : 0;
  const appNames = [...new Set(run.samples.flatMap((s) => Object.keys(s.apps)))];
  const apps = appNames.map((name) => {
    // CPU over the measured part, from the first and last samples that have it (an app restarting may miss some).
    const cpuSeries = measured.flatMap((s) => (s.apps[name]?.cpuSeconds === undefined ? [] : [[s.t, s.apps[name].cpuSeconds] as const]));
    const [c0, c1] = [cpuSeries[0], cpuSeries[cpuSeries.length - 1]];
    const cpu = c0 && c1 && c1[0] > c0[0] && c0[1] !== undefined && c1[1] !== undefined ? ((c1[1] - c0[1]) / (c1[0] - c0[0])) * 100 : undefined;
    return { name, rss: series(measured, (s) => s.apps[name]?.rssBytes), heap: series(measured, (s) => s.apps[name]?.heapUsedBytes), cpuPercent: cpu };
  });
  const lagKeys = [...new Set(measured.flatMap((s) => Object.keys(s.lag)))].sort();
  const lag = lagKeys.map((key) => {
    const values = measured.map((s) => s.lag[key]).filter((v): v is number => v !== undefined);
    return { key, max: Math.max(0, ...values), last: values.at(-1) ?? 0, slopePerHour: series(measured, (s) => s.lag[key]).slopePerHour };
  });
  const per = (a: number, seconds: number) => (seconds > 0 ? a / seconds : 0);
  const offeredPerSec = first && last ? per(last.offered - first.offered, measuredSeconds) : 0;
  const acceptedPerSec = first && last ? per(last.accepted - first.accepted, measuredSeconds) : 0;
  const whole = first && last ? histogramDelta(first.acceptToFinal, last.acceptToFinal) : { count: 0, buckets: [] };
  const finalPerSec = per(whole.count, measuredSeconds);
  // Start, middle and end: each the interval that ends at that sample.
  const windows = measured.length < 2 ? [] : ([['start', 1], ['middle', Math.max(1, Math.floor((measured.length - 1) / 2))], ['end', measured.length - 1]] as const).map(([label, i]) => {
    const a = measured[i - 1];
    const b = measured[i];
    const d = histogramDelta(a.acceptToFinal, b.acceptToFinal);
    const dt = b.t - a.t;
    return { label, t: b.t, acceptedPerSec: per(b.accepted - a.accepted, dt), finalPerSec: per(d.count, dt), p50: histogramQuantile(d, 0.5), p99: histogramQuantile(d, 0.99), load1: b.load1 };
  });
  const loads = run.samples.map((s) => s.load1);
  const load = { min: Math.min(...loads), mean: loads.reduce((a, b) => a + b, 0) / Math.max(loads.length, 1), max: Math.max(...loads) };
  const notSent = Object.entries(run.outcome.refused).filter(([code]) => code.startsWith('NOT_SENT')).reduce((a, [, n]) => a + n, 0);
  const keptUp = acceptedPerSec >= KEPT_UP_SHARE * run.rate && notSent === 0;
  const problems: string[] = [];
  if (measured.length < 3) problems.push(`only ${measured.length} samples after the warm-up`);
  for (const a of apps) {
    for (const [what, s] of [['RSS', a.rss], ['heap', a.heap]] as const) if (s.slopePerHour / MB >= MEMORY_FLAT_MB_PER_HOUR) problems.push(`${a.name} ${what} grows ${(s.slopePerHour / MB).toFixed(1)} MB/h`);
  }
  for (const l of lag) {
    if (l.slopePerHour >= LAG_FLAT_PER_HOUR) problems.push(`lag of ${l.key} grows ${Math.round(l.slopePerHour)} msgs/h`);
    if (l.last > LAG_FLAT_LAST_SECONDS * run.rate) problems.push(`lag of ${l.key} ends at ${l.last} (over ${LAG_FLAT_LAST_SECONDS} s of load)`);
  }
  if (run.restarts.length > 0) problems.push(`${run.restarts.length} app restarts`);
  if (run.outcome.lost > 0) problems.push(`${run.outcome.lost} accepted messages lost (not final)`);
  return { measuredSeconds, apps, lag, offeredPerSec, acceptedPerSec, finalPerSec, latency: { p50: histogramQuantile(whole, 0.5), p99: histogramQuantile(whole, 0.99) }, windows, load, keptUp, problems };
}

const mb = (bytes?: number) => (bytes === undefined ? '—' : (bytes / MB).toFixed(1));
const sec = (s?: number) => (s === undefined ? '—' : s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(2)} s`);
const signed = (n: number, digits = 1) => `${n >= 0 ? '+' : ''}${n.toFixed(digits)}`;
const codes = (refused: Record<string, number>) =>
  Object.entries(refused)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${n} ${code}`)
    .join(', ') || 'none';

/** The "Soak" section of docs/reliability.md (a level-2 heading and what follows). */
export function soakSection(run: SoakRun, s: SoakSummary = summarize(run)): string {
  const o = run.outcome;
  const verdict = s.problems.length === 0 ? '**flat**' : `**not flat**: ${s.problems.join('; ')}`;
  const measuredMin = (s.measuredSeconds / 60).toFixed(1);
  const lines = [
    '## Soak',
    '',
    `Measured ${run.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC: \`${run.command}\` — ${run.rate} msgs/s offered over gRPC (\`SendBatch\` every 50 ms), ${run.warmupSeconds} s warm-up, then ${measuredMin} min measured, a sample every ${run.sampleSeconds} s.${run.interrupted ? ` **Ended early** (${run.interrupted}).` : ''}`,
    '',
    `Verdict: ${verdict} (flat: every app's RSS and heap used grow less than ${MEMORY_FLAT_MB_PER_HOUR} MB/h by least squares over the measured samples; every consumer group's lag grows less than ${LAG_FLAT_PER_HOUR} msgs/h and ends below ${LAG_FLAT_LAST_SECONDS} s of load; 0 lost).`,
    '',
    s.keptUp
      ? `The stack kept up: ${s.acceptedPerSec.toFixed(1)} msgs/s accepted of ${run.rate} offered, ${s.finalPerSec.toFixed(1)} msgs/s reached a final status.`
      : `**The stack did not keep up**: ${s.acceptedPerSec.toFixed(1)} msgs/s accepted of ${run.rate} offered (refused or held back: ${codes(o.refused)}), ${s.finalPerSec.toFixed(1)} msgs/s reached a final status.`,
    '',
    `Messages: ${o.accepted} accepted, ${o.final} final (${o.delivered} delivered), **${o.lost} lost**, the last final ${o.settleSeconds.toFixed(1)} s after the load stopped; refused or held back: ${codes(o.refused)}.`,
    `App restarts: ${run.restarts.length ? run.restarts.join('; ') : 'none'}.`,
    `Accept → final (dlr-processor's \`smsgw_message_accept_to_final_seconds\`, measured part): p50 ${sec(s.latency.p50)}, p99 ${sec(s.latency.p99)}.`,
    '',
    '| app | RSS start MB | RSS middle MB | RSS end MB | RSS slope MB/h | heap start MB | heap middle MB | heap end MB | heap slope MB/h | CPU % |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...s.apps.map((a) => `| ${a.name} | ${mb(a.rss.start)} | ${mb(a.rss.middle)} | ${mb(a.rss.end)} | ${signed(a.rss.slopePerHour / MB)} | ${mb(a.heap.start)} | ${mb(a.heap.middle)} | ${mb(a.heap.end)} | ${signed(a.heap.slopePerHour / MB)} | ${a.cpuPercent === undefined ? '—' : a.cpuPercent.toFixed(0)} |`),
    '',
    '| consumer group / topic | lag max | lag last | slope msgs/h |',
    '| --- | ---: | ---: | ---: |',
    ...(s.lag.length ? s.lag.map((l) => `| ${l.key} | ${l.max} | ${l.last} | ${signed(l.slopePerHour, 0)} |`) : ['| (no lag reported) | — | — | — |']),
    '',
    '| interval ending at | accepted/s | final/s | accept → final p50 | p99 | load (1 min) |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...s.windows.map((w) => `| ${w.label} (${(w.t / 60).toFixed(1)} min) | ${w.acceptedPerSec.toFixed(1)} | ${w.finalPerSec.toFixed(1)} | ${sec(w.p50)} | ${sec(w.p99)} | ${w.load1.toFixed(2)} |`),
    '',
    `The machine (2 cores, shared with other work): load average (1 min) min ${s.load.min.toFixed(2)}, mean ${s.load.mean.toFixed(2)}, max ${s.load.max.toFixed(2)} over the samples; \`uptime\` at the start, middle and end:`,
    '',
    '```',
    ...pick3(run.samples).map((x) => x.uptime.trim()),
    '```',
  ];
  return lines.join('\n');
}

function pick3<T>(list: readonly T[]): T[] {
  if (list.length <= 3) return [...list];
  return [list[0], list[Math.floor((list.length - 1) / 2)], list[list.length - 1]];
}

export const SECTION_BEGIN = '<!-- soak:begin -->';
export const SECTION_END = '<!-- soak:end -->';

/** The document with its soak section replaced (added at the end, between markers, if missing). */
export const spliceSoakSection = (doc: string, section: string): string => spliceBetween(doc, SECTION_BEGIN, SECTION_END, section);
