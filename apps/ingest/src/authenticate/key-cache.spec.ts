import { DEFAULT_POLICY, type StoredKey } from '@smsgw/accounts/domain';
import { KeyCache } from './key-cache';

const key = (keyId: string): StoredKey => ({ keyId, accountId: 'a', secretHash: new Uint8Array(32), revoked: false, accountEnabled: true, policy: DEFAULT_POLICY });

describe('KeyCache', () => {
  let now = 0;
  let loads: string[][] = [];
  const cache = (max = 100) => new KeyCache(async (ids) => (loads.push(ids), new Map(ids.filter((id) => id !== 'unknown').map((id) => [id, key(id)]))), 1000, max, () => now);
  beforeEach(() => {
    now = 0;
    loads = [];
  });

  it('reads an id once per second, unknown ids too, and shares a read between concurrent callers', async () => {
    const c = cache();
    const [a, b] = await Promise.all([c.get('k1'), c.get('k1')]);
    expect(a).toEqual(key('k1'));
    expect(b).toBe(a);
    expect(await c.get('unknown')).toBeUndefined();
    now = 999;
    await c.get('k1');
    await c.get('unknown');
    expect(loads).toEqual([['k1'], ['unknown']]);
    now = 1000;
    await c.get('k1');
    expect(loads).toEqual([['k1'], ['unknown'], ['k1']]);
  });

  it('does not keep a failed read', async () => {
    let fail = true;
    const c = new KeyCache(async (ids) => {
      if (fail) throw new Error('db down');
      return new Map(ids.map((id) => [id, key(id)]));
    }, 1000, 10, () => now);
    await expect(c.get('k1')).rejects.toThrow('db down');
    fail = false;
    expect(await c.get('k1')).toEqual(key('k1'));
  });

  it('stays bounded: the oldest entries go first', async () => {
    const c = cache(10);
    for (let i = 0; i < 11; i++) await c.get(`k${i}`);
    loads = [];
    await c.get('k10');
    await c.get('k0');
    expect(loads).toEqual([['k0']]);
  });
});
