import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CarriersConfigError, DEFAULT_PERMANENT_ERRORS, carrierById, parseCarriersConfig } from './index';

function problemsOf(text: string): string[] {
  try {
    parseCarriersConfig(text, 'test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(CarriersConfigError);
    return (err as CarriersConfigError).problems;
  }
  throw new Error('expected CarriersConfigError');
}

describe('carriers config', () => {
  it('reads the repository file with its demo carrier', () => {
    const text = readFileSync(join(__dirname, '../../../../config/carriers.yaml'), 'utf8');
    const demo = carrierById(parseCarriersConfig(text), 'demo');
    expect(demo).toMatchObject({
      id: 'demo',
      host: '127.0.0.1',
      port: 2775,
      systemId: 'smsgw',
      password: 'secret',
      binds: 2,
      window: 100,
      tps: 0,
      tls: false,
      encoding: { concatenation: 'udh8', gsm7DataCoding: 0, nationalLanguages: [] },
      unknownOutcome: 'wait-for-receipt',
    });
  });

  it('fills in defaults', () => {
    const c = carrierById(parseCarriersConfig('carriers:\n  acme:\n    host: smsc.acme.test\n    systemId: me\n'), 'acme');
    expect(c).toMatchObject({ port: 2775, binds: 1, window: 10, tps: 0, failover: true, registeredDelivery: 1, bindMode: 'transceiver', tlsRejectUnauthorized: true });
    expect(c.permanentErrors).toEqual(DEFAULT_PERMANENT_ERRORS);
    expect(c.timeouts.responseMs).toBe(10_000);
    expect(c.reconnect).toEqual({ initialMs: 1000, maxMs: 60000, multiplier: 2, jitter: 0.2 });
    expect(c.receiptIdFormat).toBe('same');
    // The dlr-processor's setting in the same file is accepted.
    expect(carrierById(parseCarriersConfig('carriers:\n  b:\n    host: h\n    systemId: s\n    receiptIdFormat: hex-to-decimal\n'), 'b').receiptIdFormat).toBe('hex-to-decimal');
  });

  it("accepts the carrier's receipt stat words, each mapped to an SMPP 3.4 word", () => {
    expect(carrierById(parseCarriersConfig('carriers:\n  b:\n    host: h\n    systemId: s\n    receiptStats: { OK_DONE: DELIVRD, "7": UNDELIV }\n'), 'b').receiptStats).toEqual({ OK_DONE: 'DELIVRD', '7': 'UNDELIV' });
    expect(() => parseCarriersConfig('carriers:\n  b:\n    host: h\n    systemId: s\n    receiptStats: { OK_DONE: DELIVERED }\n')).toThrow(/carriers\.b\.receiptStats\.OK_DONE: expected one of DELIVRD, EXPIRED/);
  });

  it('accepts permanent errors by name or number', () => {
    const c = carrierById(parseCarriersConfig('carriers:\n  a:\n    host: h\n    systemId: s\n    permanentErrors: [ESME_RINVDSTADR, 0x45, "0x0A", 260]\n'), 'a');
    expect(c.permanentErrors).toEqual([0x0b, 0x45, 0x0a, 0x104]);
  });

  it('names the carrier and field of every problem', () => {
    const problems = problemsOf(
      [
        'carriers:',
        '  demo:',
        '    port: 99999',
        '    window: zero',
        '    systemId: a-system-id-that-is-too-long',
        '    unknownOutcome: resend-always',
        '    system_type: x',
        '    permanentErrors: [ESME_RTHROTTLED, NOPE]',
        '    encoding: { concatenation: udh7, nationalLanguages: [klingon] }',
        '  Bad_Id:',
        '    host: h',
        '    systemId: s',
      ].join('\n'),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'carriers.demo.host: required',
        'carriers.demo.port: must be between 1 and 65535, got 99999',
        'carriers.demo.window: expected an integer between 1 and 10000, got "zero"',
        'carriers.demo.systemId: at most 15 characters (SMPP limit), got 28',
        'carriers.demo.unknownOutcome: expected one of wait-for-receipt, resend-once, fail, got "resend-always"',
        'carriers.demo.system_type: unknown field (did you mean systemType?)',
        'carriers.demo.permanentErrors: "ESME_RTHROTTLED" is a throttling status: it always means "slow down" and cannot be permanent',
        'carriers.demo.permanentErrors: "NOPE" is not a command_status (a name like ESME_RINVDSTADR, or a number like 0x0B)',
        'carriers.demo.encoding.concatenation: expected one of udh8, udh16, sar, payload, got "udh7"',
        'carriers.demo.encoding.nationalLanguages: "klingon" is not one of turkish, spanish, portuguese',
        'carriers.Bad_Id: the carrier id must be lowercase letters, digits and dashes (it names a Kafka topic)',
      ]),
    );
  });

  it('reports bad YAML and a missing carrier clearly', () => {
    expect(problemsOf('carriers: [')[0]).toMatch(/^not valid YAML/);
    expect(problemsOf('routes: []')).toEqual(['routes: unknown top-level key (expected "carriers")', 'carriers: expected a mapping of carrier id → settings, got undefined']);
    const config = parseCarriersConfig('carriers:\n  a:\n    host: h\n    systemId: s\n');
    expect(() => carrierById(config, 'b', 'x.yaml')).toThrow('x.yaml: no carrier "b" (defined: a)');
  });
});
