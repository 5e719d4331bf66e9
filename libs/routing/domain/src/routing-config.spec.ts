import { contentDigestInput, pinRateCard, pinnedRateCards, shouldSwitch } from './routing-config';

const header = (carrier: string, version: number, effectiveAtMs: number) => ({ carrier, version, currency: 'EUR', effectiveAtMs });

describe('routing configuration versions', () => {
  it('uses, per pinned carrier, the newest card up to its pin whose effective date has come', () => {
    const headers = [header('a', 1, 0), header('a', 2, 0), header('a', 3, 0), header('b', 1, 0), header('b', 2, 5_000), header('c', 1, 0)];
    expect(pinnedRateCards(headers, { a: 2, b: 2 }, 1_000).map((h) => `${h.carrier}/${h.version}`)).toEqual(['a/2', 'b/1']);
    expect(pinnedRateCards(headers, { a: 2, b: 2 }, 6_000).map((h) => `${h.carrier}/${h.version}`)).toEqual(['a/2', 'b/2']);
    // c was imported after the version: not used, and a pin of 0 pins nothing.
    expect(pinnedRateCards(headers, { a: 0 }, 1_000)).toEqual([]);
  });

  it('a rate card import moves only its carrier; the digest ignores the order the pins were added in', () => {
    const pins = pinRateCard({ b: 1, a: 4 }, 'c', 2);
    expect(pins).toEqual({ a: 4, b: 1, c: 2 });
    expect(Object.keys(pins)).toEqual(['a', 'b', 'c']);
    expect(contentDigestInput({ routesYaml: 'r', rateCardPins: { b: 1, a: 4 } })).toBe(contentDigestInput({ routesYaml: 'r', rateCardPins: { a: 4, b: 1 } }));
    expect(contentDigestInput({ routesYaml: 'r', rateCardPins: { a: 4 } })).not.toBe(contentDigestInput({ routesYaml: 'r ', rateCardPins: { a: 4 } }));
  });

  it('switches only forward, and to a reused number with another content', () => {
    expect(shouldSwitch(undefined, { version: 3, contentSha256: 'x' })).toBe(true);
    expect(shouldSwitch({ version: 3, contentSha256: 'x' }, { version: 4, contentSha256: 'x' })).toBe(true);
    expect(shouldSwitch({ version: 3, contentSha256: 'x' }, { version: 2, contentSha256: 'y' })).toBe(false);
    expect(shouldSwitch({ version: 3, contentSha256: 'x' }, { version: 3, contentSha256: 'x' })).toBe(false);
    expect(shouldSwitch({ version: 3, contentSha256: 'x' }, { version: 3, contentSha256: 'y' })).toBe(true);
  });
});
