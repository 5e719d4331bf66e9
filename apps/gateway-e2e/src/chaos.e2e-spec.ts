import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './gateway';

// The fault suite's short variant (npm run chaos runs every fault): the gateway under a small
// steady load while the connector is SIGKILLed and while the SMSC drops its binds. Shared broker
// and database (no infrastructure restart here); the stack waits for the e2e lock.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const chaos = require(join(ROOT, 'tools/chaos/chaos')) as typeof import('../../../tools/chaos/chaos');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const report = require(join(ROOT, 'tools/chaos/report')) as typeof import('../../../tools/chaos/report');

describe('the fault suite, short', () => {
  it('loses nothing and sends nothing twice uncounted when the connector is killed and the SMSC drops its binds', async () => {
    const lines: string[] = [];
    const results = await chaos.runChaos({
      rate: 100,
      loadSeconds: 9,
      settleSeconds: 150,
      validitySeconds: 30, // the SMSC never had the segments in flight when it dropped a bind: they expire soon
      faults: chaos.FAULTS.filter((f) => ['kill smpp-connector', 'drop smsc connection'].includes(f.name)),
      infra: 'shared',
      workDir: mkdtempSync(join(tmpdir(), 'smsgw-chaos-e2e-')),
      log: (line) => lines.push(line),
    });
    const summary = report.reliabilityTable(results);
    expect(results.map((r) => r.fault)).toEqual(['kill smpp-connector', 'drop smsc connection']);
    for (const r of results) {
      expect({ fault: r.fault, verdict: report.verdict(r), summary }).toEqual({ fault: r.fault, verdict: 'ok', summary });
      expect(r.accepted).toBeGreaterThan(100);
    }
    expect(results[0].restarts).toBe(1); // the connector, started again by tools/stack.cjs
  }, 900_000);
});
