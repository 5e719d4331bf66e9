import { destinationAddress, relativeValidityPeriod, sourceAddress } from './index';

describe('addressing', () => {
  it('chooses TON/NPI from the sender type', () => {
    expect(sourceAddress('ACME')).toEqual({ ton: 5, npi: 0, addr: 'ACME' });
    expect(sourceAddress('Shop 24')).toEqual({ ton: 5, npi: 0, addr: 'Shop 24' });
    expect(sourceAddress('+447700900123')).toEqual({ ton: 1, npi: 1, addr: '447700900123' });
    expect(sourceAddress('447700900123')).toEqual({ ton: 1, npi: 1, addr: '447700900123' });
    expect(sourceAddress('12345')).toEqual({ ton: 3, npi: 0, addr: '12345' });
    expect(destinationAddress('+33612345678')).toEqual({ ton: 1, npi: 1, addr: '33612345678' });
  });

  it('writes relative validity periods', () => {
    expect(relativeValidityPeriod(0)).toBe('');
    expect(relativeValidityPeriod(3600)).toBe('000000010000000R');
    expect(relativeValidityPeriod(2 * 86400 + 3 * 3600 + 4 * 60 + 5)).toBe('000002030405000R');
    expect(relativeValidityPeriod(1e9)).toBe('000099235959000R');
  });
});
