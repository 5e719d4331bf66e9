import {
  MEMORY_FLAT_MB_PER_HOUR,
  SECTION_BEGIN,
  SECTION_END,
  histogramDelta,
  histogramOf,
  histogramQuantile,
  leastSquaresSlope,
  parseMetrics,
  soakSection,
  spliceSoakSection,
  summarize,
  type Histogram,
  type Sample,
  type SoakRun,
} from './report';

const MB = 1024 * 1024;

describe('leastSquaresSlope', () => {
  it('finds the slope of a line, and of noisy points around it', () => {
    expect(leastSquaresSlope([[0, 1], [1, 3], [2, 5]])).toBeCloseTo(2);
    expect(leastSquaresSlope([[0, 0], [1, 1], [2, 0], [3, 1], [4, 0], [5, 1]])).toBeCloseTo(0.0857, 3);
  });

  it('is 0 for a single point or a single x', () => {
    expect(leastSquaresSlope([[3, 7]])).toBe(0);
    expect(leastSquaresSlope([[3, 7], [3, 9]])).toBe(0);
  });
});

describe('parseMetrics', () => {
  it('reads values with labels (escaped quotes too) and skips comments', () => {
    const m = parseMetrics(['# HELP x y', 'process_resident_memory_bytes 123456', 'smsgw_kafka_consumer_lag_messages{group="g \\"1\\"",topic="t"} 42', 'h_bucket{le="+Inf"} 3', ''].join('\n'));
    expect(m.get('process_resident_memory_bytes')).toEqual([{ labels: {}, value: 123456 }]);
    expect(m.get('smsgw_kafka_consumer_lag_messages')).toEqual([{ labels: { group: 'g "1"', topic: 't' }, value: 42 }]);
    expect(m.get('h_bucket')?.[0].labels['le']).toBe('+Inf');
  });
});

describe('histograms', () => {
  const text = (n: [number, number, number]) =>
    [
      `h_bucket{status="DELIVERED",le="0.5"} ${n[0]}`,
      `h_bucket{status="DELIVERED",le="1"} ${n[1]}`,
      `h_bucket{status="DELIVERED",le="+Inf"} ${n[2]}`,
      `h_count{status="DELIVERED"} ${n[2]}`,
      `h_bucket{status="EXPIRED",le="0.5"} 0`,
      `h_bucket{status="EXPIRED",le="1"} 0`,
      `h_bucket{status="EXPIRED",le="+Inf"} 1`,
      `h_count{status="EXPIRED"} 1`,
    ].join('\n');

  it('sums buckets over the other labels and takes deltas between scrapes', () => {
    const before = histogramOf(parseMetrics(text([10, 10, 10])), 'h');
    const after = histogramOf(parseMetrics(text([10, 110, 110])), 'h');
    expect(before).toEqual({ count: 11, buckets: [{ le: 0.5, count: 10 }, { le: 1, count: 10 }, { le: Infinity, count: 11 }] });
    expect(histogramDelta(before, after)).toEqual({ count: 100, buckets: [{ le: 0.5, count: 0 }, { le: 1, count: 100 }, { le: Infinity, count: 100 }] });
  });

  it('interpolates quantiles inside the bucket, as histogram_quantile does', () => {
    const h: Histogram = { count: 100, buckets: [{ le: 1, count: 50 }, { le: 2, count: 100 }, { le: Infinity, count: 100 }] };
    expect(histogramQuantile(h, 0.5)).toBeCloseTo(1);
    expect(histogramQuantile(h, 0.75)).toBeCloseTo(1.5);
    expect(histogramQuantile({ count: 0, buckets: [] }, 0.5)).toBeUndefined();
    // Past the last finite bound the answer is that bound (no better is known).
    expect(histogramQuantile({ count: 10, buckets: [{ le: 1, count: 0 }, { le: Infinity, count: 10 }] }, 0.99)).toBe(1);
  });
});

function sample(t: number, over: Partial<Sample> & { rssMb?: number; heapMb?: number } = {}): Sample {
  const { rssMb = 100, heapMb = 40, ...rest } = over;
  return {
    t,
    warmup: false,
    load1: 1.5,
    uptime: ` 04:00:00 up 1 min,  0 user,  load average: 1.50, 1.00, 0.50\n`,
    apps: { ingest: { rssBytes: rssMb * MB, heapUsedBytes: heapMb * MB, cpuSeconds: t / 10 } },
    lag: { 'smsgw-router sms.encoded.v1': 5 },
    accepted: t * 200,
    offered: t * 200,
    acceptToFinal: { count: t * 200, buckets: [{ le: 1, count: t * 200 }, { le: Infinity, count: t * 200 }] },
    ...rest,
  };
}

function run(samples: Sample[], over: Partial<SoakRun> = {}): SoakRun {
  return {
    startedAt: new Date('2026-12-02T04:00:00Z'),
    command: 'npm run soak -- --minutes 60 --rate 200 --sample-seconds 30',
    rate: 200,
    sampleSeconds: 30,
    warmupSeconds: 120,
    samples,
    restarts: [],
    outcome: { accepted: 720_000, final: 720_000, delivered: 720_000, lost: 0, settleSeconds: 2, refused: {} },
    ...over,
  };
}

/** An hour, a sample every 30 s, memory from `mb(t)`; the warm-up's samples first. */
const hour = (mb: (t: number) => number) => [sample(0, { warmup: true, rssMb: 50, heapMb: 10 }), ...Array.from({ length: 121 }, (_, i) => sample(120 + i * 30, { rssMb: mb(i * 30), heapMb: 40 + ((i % 2) * 6) }))];

describe('summarize', () => {
  it('calls flat memory and lag flat, leaves the warm-up out, and reads start, middle and end', () => {
    const s = summarize(run(hour(() => 100)));
    expect(s.problems).toEqual([]);
    expect(s.measuredSeconds).toBe(3600);
    expect(s.apps[0].rss).toMatchObject({ start: 100 * MB, middle: 100 * MB, end: 100 * MB });
    expect(s.apps[0].heap.slopePerHour / MB).toBeLessThan(1); // sawtooth, no trend
    expect(s.apps[0].cpuPercent).toBeCloseTo(10);
    expect(s.keptUp).toBe(true);
    expect(s.acceptedPerSec).toBeCloseTo(200);
    expect(s.latency.p50).toBeCloseTo(0.5);
  });

  it('finds a leak at the threshold and names the app', () => {
    const leak = MEMORY_FLAT_MB_PER_HOUR + 2; // MB per hour
    const s = summarize(run(hour((t) => 100 + (leak * t) / 3600)));
    expect(s.apps[0].rss.slopePerHour / MB).toBeCloseTo(leak);
    expect(s.problems).toEqual([`ingest RSS grows ${leak.toFixed(1)} MB/h`]);
  });

  it('finds a growing lag, lost messages and a stack that did not keep up', () => {
    const samples = hour(() => 100).map((x) => ({ ...x, lag: { 'smsgw-dlr-processor sms.dlr.raw.v1': Math.round(x.t * 2) }, accepted: x.t * 100 }));
    const s = summarize(run(samples, { outcome: { accepted: 10, final: 9, delivered: 9, lost: 1, settleSeconds: 300, refused: { 'NOT_SENT (64 calls waiting)': 5 } } }));
    expect(s.keptUp).toBe(false);
    expect(s.lag[0]).toMatchObject({ key: 'smsgw-dlr-processor sms.dlr.raw.v1', max: 7440, last: 7440 });
    expect(s.problems).toEqual(['lag of smsgw-dlr-processor sms.dlr.raw.v1 grows 7200 msgs/h', 'lag of smsgw-dlr-processor sms.dlr.raw.v1 ends at 7440 (over 30 s of load)', '1 accepted messages lost (not final)']);
  });
});

describe('soakSection and spliceSoakSection', () => {
  it('writes the tables and the verdict, and says plainly when the stack did not keep up', () => {
    const flat = soakSection(run(hour(() => 100)));
    expect(flat).toMatch(/^## Soak\n/);
    expect(flat).toContain('Verdict: **flat**');
    expect(flat).toContain('| ingest | 100.0 | 100.0 | 100.0 | +0.0 |');
    expect(flat).toContain('| smsgw-router sms.encoded.v1 | 5 | 5 | +0 |');
    expect(flat).toContain('The stack kept up');
    const slow = soakSection(run(hour(() => 100), { outcome: { accepted: 1, final: 1, delivered: 1, lost: 0, settleSeconds: 1, refused: { 'NOT_SENT (64 calls waiting)': 9 } } }));
    expect(slow).toContain('**The stack did not keep up**');
  });

  it('replaces the section between its markers, or adds it at the end', () => {
    const added = spliceSoakSection('# Reliability\n\ntext\n', '## Soak\n\nfirst');
    expect(added).toBe(`# Reliability\n\ntext\n\n${SECTION_BEGIN}\n## Soak\n\nfirst\n${SECTION_END}\n`);
    expect(spliceSoakSection(`${added}after\n`, '## Soak\n\nsecond')).toBe(`# Reliability\n\ntext\n\n${SECTION_BEGIN}\n## Soak\n\nsecond\n${SECTION_END}\nafter\n`);
  });
});
