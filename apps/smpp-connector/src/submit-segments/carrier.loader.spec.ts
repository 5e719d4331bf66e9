import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CarriersConfigError, carrierFromFile } from '@smsgw/carriers/util-config';
import { loadConfig } from '@smsgw/shared/util-config';
import { CONNECTOR_ENV } from '../env';

describe('connector settings', () => {
  it('defaults to the demo carrier of config/carriers.yaml', () => {
    const env = loadConfig(CONNECTOR_ENV, {});
    expect(env).toMatchObject({ CARRIER_ID: 'demo', CARRIERS_FILE: 'config/carriers.yaml', CONNECTOR_HTTP_PORT: 8084, CONNECTOR_REPLICAS: 1 });
    const carrier = carrierFromFile(join(__dirname, '../../../../', env.CARRIERS_FILE), env.CARRIER_ID);
    expect(carrier).toMatchObject({ id: 'demo', host: '127.0.0.1', port: 2775, binds: 2, window: 100 });
  });

  it('says which file, carrier and field are wrong', () => {
    const file = join(tmpdir(), `carriers-${process.pid}.yaml`);
    writeFileSync(file, 'carriers:\n  demo:\n    host: h\n    systemId: s\n    window: 0\n');
    expect(() => carrierFromFile(file, 'demo')).toThrow(`${file}: carriers.demo.window: must be between 1 and 10000, got 0`);
    expect(() => carrierFromFile(file, 'acme')).toThrow(CarriersConfigError);
    expect(() => carrierFromFile('/nonexistent/carriers.yaml', 'demo')).toThrow(/cannot read the carriers file .*set CARRIERS_FILE/);
  });
});
