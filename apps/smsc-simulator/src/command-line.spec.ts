import { loadConfig } from '@smsgw/shared/util-config';
import { resolveSimulatorConfig } from '@smsgw/smpp/feature-simulator';
import { join } from 'node:path';
import { CommandLineError, helpText, resolveProcess, wantsHelp } from './command-line';
import { SIMULATOR_ENV } from './env';

const EXAMPLE = join(__dirname, '..', 'simulator.example.yaml');

describe('resolveProcess', () => {
  it('uses the defaults: SMPP 2775, HTTP 8086, no file, no overrides', () => {
    const p = resolveProcess([], loadConfig(SIMULATOR_ENV, {}));
    expect(p.httpPort).toBe(8086);
    expect(p.simulator).toMatchObject({ port: 2775, host: '0.0.0.0', configFile: undefined, overrides: {}, tls: undefined });
  });

  it('lets flags win over environment variables, which win over the file', () => {
    const env = loadConfig(SIMULATOR_ENV, { SIMULATOR_SMPP_PORT: '3000', SIMULATOR_CONFIG: EXAMPLE, SIMULATOR_TPS: '10', SIMULATOR_ID_FORMAT: 'uuid' });
    const p = resolveProcess(['--smpp-port', '4000', '--tps', '20', '--receipt-id-format', 'decimal'], env);
    expect(p.simulator).toMatchObject({ port: 4000, configFile: EXAMPLE, overrides: { tps: '20', idFormat: 'uuid', receiptIdFormat: 'decimal' } });
    const config = resolveSimulatorConfig(p.simulator);
    expect(config.accounts.map((a) => [a.systemId, a.tps])).toEqual([
      ['smsgw', 20],
      ['carrier2', 20],
    ]);
    expect(config.ids).toEqual({ format: 'uuid', receiptFormat: 'decimal' });
  });

  it('names the flag or the variable a bad value came from', () => {
    const env = loadConfig(SIMULATOR_ENV, { SIMULATOR_WINDOW: 'big' });
    expect(() => resolveSimulatorConfig(resolveProcess(['--tps', 'x'], env).simulator)).toThrow('--tps: expected a whole number, got "x"; SIMULATOR_WINDOW: expected a whole number, got "big"');
  });

  it('refuses unknown flags, bad ports and half a TLS setup', () => {
    const env = loadConfig(SIMULATOR_ENV, {});
    expect(() => resolveProcess(['--tsp', '5'], env)).toThrow(CommandLineError);
    expect(() => resolveProcess(['--http-port', '99999'], env)).toThrow('--http-port: expected a port number');
    expect(() => resolveProcess(['--tls-key', 'k.pem'], env)).toThrow('both a key and a certificate');
  });
});

describe('help', () => {
  it('lists every flag and environment variable', () => {
    expect(wantsHelp(['--tps', '1', '-h'])).toBe(true);
    const text = helpText();
    for (const flag of ['--config', '--smpp-port', '--http-port', '--tps', '--window', '--response-delay', '--receipt-delay', '--outcomes', '--id-format', '--receipt-id-format']) expect(text).toContain(flag);
    for (const name of Object.keys(SIMULATOR_ENV)) expect(text).toContain(name);
  });
});

describe('simulator.example.yaml', () => {
  it('is a valid config whose values are the defaults, apart from the example account', () => {
    const config = resolveSimulatorConfig({ configFile: EXAMPLE });
    expect(config.accounts[0]).toEqual({ systemId: 'smsgw', password: 'secret', maxBinds: 10, tps: 0, tpsBurst: 0 });
    const defaults = resolveSimulatorConfig({});
    expect({ ...config, accounts: defaults.accounts }).toEqual(defaults);
  });
});
