import { applyOverrides } from './overrides';
import { SimulatorConfigError, defaultConfig, normalizeConfig, normalizeFaults } from './simulator-config';

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof SimulatorConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected SimulatorConfigError');
}

describe('normalizeConfig', () => {
  it('gives the demo account and no limits by default', () => {
    const cfg = normalizeConfig({});
    expect(cfg).toEqual(defaultConfig());
    expect(cfg.accounts).toEqual([{ systemId: 'smsgw', password: 'secret', maxBinds: 10, tps: 0, tpsBurst: 0 }]);
    expect(cfg.receipts.outcomes).toEqual({ DELIVRD: 1, UNDELIV: 0, EXPIRED: 0, REJECTD: 0 });
  });

  it('reads every setting', () => {
    const cfg = normalizeConfig({
      accounts: [{ systemId: 'a', password: 'pw', maxBinds: 2, tps: 100 }, { systemId: 'b', password: 'pw2' }],
      maxBinds: 4,
      tps: 50,
      tpsBurst: 10,
      window: 20,
      responseDelay: '5-15',
      receipts: { delay: { min: 100, max: 200 }, outcomes: { DELIVRD: 9, UNDELIV: 1 }, intermediate: ['ACCEPTD', 'ENROUTE'], errorCodes: { UNDELIV: 34, REJECTD: '011' }, tlvs: false },
      ids: { format: 'hex', receiptFormat: 'decimal' },
      deliver: { window: 10, timeoutMs: 5000, retryMs: 100 },
      duplicateWindow: 1000,
      seed: 7,
      faults: { dropAfterPdus: 100, dropTimes: 1, hang: false, statusByPrefix: [{ prefix: '4479', status: 'ESME_RINVDSTADR' }, { prefix: '1', status: 0x45, ratio: 0.5 }] },
    });
    expect(cfg.accounts).toEqual([
      { systemId: 'a', password: 'pw', maxBinds: 2, tps: 100, tpsBurst: 10 },
      { systemId: 'b', password: 'pw2', maxBinds: 4, tps: 50, tpsBurst: 10 },
    ]);
    expect(cfg.window).toBe(20);
    expect(cfg.responseDelay).toEqual({ kind: 'uniform', minMs: 5, maxMs: 15 });
    expect(cfg.receipts).toEqual({
      delay: { kind: 'uniform', minMs: 100, maxMs: 200 },
      outcomes: { DELIVRD: 9, UNDELIV: 1, EXPIRED: 0, REJECTD: 0 },
      intermediate: ['ACCEPTD', 'ENROUTE'],
      errorCodes: { DELIVRD: '000', UNDELIV: '034', EXPIRED: '000', REJECTD: '011' },
      tlvs: false,
    });
    expect(cfg.ids).toEqual({ format: 'hex', receiptFormat: 'decimal' });
    expect(cfg.deliver).toEqual({ window: 10, timeoutMs: 5000, retryMs: 100 });
    expect(cfg.seed).toBe(7);
    expect(cfg.faults).toEqual({ dropAfterPdus: 100, dropTimes: 1, hang: false, statusByPrefix: [{ prefix: '4479', status: 0x0b, ratio: 1 }, { prefix: '1', status: 0x45, ratio: 0.5 }] });
  });

  it('lists every problem with its path, unknown settings included', () => {
    expect(
      problemsOf(() =>
        normalizeConfig({
          tps: -1,
          windw: 5,
          accounts: [{ systemId: 'a', password: 'p' }, { systemId: 'a', password: 'q' }, { password: 'x' }],
          receipts: { outcomes: { DELIVRD: 0 }, intermediate: ['DELIVRD'], delay: 'later' },
          ids: { format: 'base64' },
          faults: { statusByPrefix: [{ prefix: '44', status: 'NOPE' }] },
        }),
      ),
    ).toEqual([
      'windw: unknown setting (known: accounts, maxBinds, tps, tpsBurst, window, responseDelay, receipts, ids, deliver, duplicateWindow, seed, faults)',
      'tps: expected a whole number from 0, got -1',
      'accounts[2].systemId: required',
      'accounts: systemId "a" appears twice',
      'receipts.delay: expected milliseconds like "25" or a range like "10-50", got "later"',
      'receipts.outcomes: at least one outcome needs a ratio above 0',
      'receipts.intermediate: expected ENROUTE or ACCEPTD, got "DELIVRD"',
      'ids.format: expected one of decimal, hex, uuid, got "base64"',
      'faults.statusByPrefix[0].status: expected a command_status number (e.g. 0x0B) or name (e.g. ESME_RINVDSTADR), got "NOPE"',
    ]);
  });

  it('refuses a system_id or password longer than SMPP allows', () => {
    expect(problemsOf(() => normalizeConfig({ accounts: [{ systemId: 'x'.repeat(16), password: 'y'.repeat(9) }] }))).toEqual([
      'accounts[0].systemId: expected text of at most 15 characters, got "xxxxxxxxxxxxxxxx"',
      'accounts[0].password: expected text of at most 8 characters, got "yyyyyyyyy"',
    ]);
  });
});

describe('normalizeFaults', () => {
  it('turns omitted faults off', () => {
    expect(normalizeFaults({ hang: true })).toEqual({ dropAfterPdus: 0, dropTimes: 0, hang: true, statusByPrefix: [] });
    expect(normalizeFaults(undefined)).toEqual({ dropAfterPdus: 0, dropTimes: 0, hang: false, statusByPrefix: [] });
  });

  it('refuses status 0 and bad ratios', () => {
    expect(problemsOf(() => normalizeFaults({ statusByPrefix: [{ prefix: '1', status: 0, ratio: 2 }] }))).toEqual([
      'faults.statusByPrefix[0].ratio: expected a number from 0 to 1, got 2',
      'faults.statusByPrefix[0].status: must be an error status, not 0',
    ]);
  });

  it('reads the degraded-receipts fault: a share turned UNDELIV (or another failure) and slower, for one account or all', () => {
    expect(normalizeFaults({ receipts: { systemId: 'alpha', ratio: 0.3, delay: '500-1500' } }).receipts).toEqual({ systemId: 'alpha', ratio: 0.3, stat: 'UNDELIV', delay: { kind: 'uniform', minMs: 500, maxMs: 1500 } });
    expect(normalizeFaults({ receipts: {} }).receipts).toEqual({ systemId: '', ratio: 0.3, stat: 'UNDELIV', delay: { kind: 'fixed', ms: 0 } });
    expect(problemsOf(() => normalizeFaults({ receipts: { stat: 'DELIVRD', ratio: -1, delay: 'soon' } }))).toEqual([
      'faults.receipts.stat: expected UNDELIV, EXPIRED or REJECTD, got "DELIVRD"',
      'faults.receipts.delay: expected milliseconds like "25" or a range like "10-50", got "soon"',
      'faults.receipts.ratio: expected a number from 0 to 1, got -1',
    ]);
  });
});

describe('applyOverrides', () => {
  const file = { accounts: [{ systemId: 'a', password: 'p', tps: 5, maxBinds: 1 }], receipts: { delay: 10, tlvs: false }, ids: { format: 'uuid' } };

  it('overrides file settings with flag/env strings', () => {
    const cfg = normalizeConfig(
      applyOverrides(file, {
        tps: '200',
        maxBinds: '3',
        window: '50',
        responseDelay: '1-3',
        receiptDelay: '0',
        outcomes: 'DELIVRD=0.8, undeliv=0.2',
        intermediate: 'enroute',
        idFormat: 'hex',
        receiptIdFormat: 'decimal',
        seed: '9',
      }),
    );
    expect(cfg.accounts).toEqual([{ systemId: 'a', password: 'p', maxBinds: 3, tps: 200, tpsBurst: 0 }]);
    expect(cfg.window).toBe(50);
    expect(cfg.responseDelay).toEqual({ kind: 'uniform', minMs: 1, maxMs: 3 });
    expect(cfg.receipts).toMatchObject({ delay: { kind: 'fixed', ms: 0 }, tlvs: false, intermediate: ['ENROUTE'], outcomes: { DELIVRD: 0.8, UNDELIV: 0.2 } });
    expect(cfg.ids).toEqual({ format: 'hex', receiptFormat: 'decimal' });
    expect(cfg.seed).toBe(9);
  });

  it('replaces the accounts, and ignores empty values', () => {
    const cfg = normalizeConfig(applyOverrides(file, { accounts: 'x:1, y:2:4:100', tps: '' }));
    expect(cfg.accounts).toEqual([
      { systemId: 'x', password: '1', maxBinds: 10, tps: 0, tpsBurst: 0 },
      { systemId: 'y', password: '2', maxBinds: 4, tps: 100, tpsBurst: 0 },
    ]);
  });

  it('names the flag or variable in errors', () => {
    expect(problemsOf(() => applyOverrides({}, { tps: 'fast', accounts: 'nopassword' }))).toEqual(['--accounts: expected systemId:password[:maxBinds[:tps]], got "nopassword"', '--tps: expected a whole number, got "fast"']);
    expect(problemsOf(() => applyOverrides({}, { outcomes: 'DELIVRD' }, (n) => `SIMULATOR_${n.toUpperCase()}`))).toEqual(['SIMULATOR_OUTCOMES: expected STAT=ratio pairs, got "DELIVRD"']);
  });
});
