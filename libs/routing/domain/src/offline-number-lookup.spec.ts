import { OfflineNumberLookup } from './index';

describe('OfflineNumberLookup', () => {
  const lookup = new OfflineNumberLookup();

  it('country and type from libphonenumber-js, network from the longest prefix of the table', async () => {
    const [o2, vodafone, de, unknown] = await lookup.lookup(['+447711123456', '+447717123456', '+4915112345678', '+33612345678']);
    expect(o2).toEqual({ e164: '+447711123456', country: 'GB', network: '234-10', networkName: 'O2', numberType: 'MOBILE' });
    expect(vodafone.network).toBe('234-15');
    expect(de).toMatchObject({ country: 'DE', network: '262-01', networkName: 'Telekom' });
    expect(unknown).toMatchObject({ country: 'FR', network: '', networkName: '' });
  });

  it('takes a table of its own', () => {
    expect(new OfflineNumberLookup([['336', '208-01', 'Orange']]).destinationOf('+33612345678').network).toBe('208-01');
  });
});

describe('OfflineNumberLookup without number types', () => {
  it('leaves numberType empty and finds the same country and network', () => {
    expect(new OfflineNumberLookup(undefined, false).destinationOf('+447711123456')).toEqual({ e164: '+447711123456', country: 'GB', network: '234-10', networkName: 'O2', numberType: '' });
  });
});
