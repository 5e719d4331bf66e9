import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Destination, NumberLookup } from './destination';
import { NETWORK_PREFIXES } from './network-prefixes.data';

interface Network {
  network: string;
  name: string;
}

/**
 * Country and number type from libphonenumber-js, network from a prefix table (longest prefix):
 * no network access, no state. Knows number ranges, not ported numbers.
 */
export class OfflineNumberLookup implements NumberLookup {
  private readonly byPrefix = new Map<string, Network>();
  private readonly longest: number;

  /**
   * withNumberType: also libphonenumber-js getType(), which rules do not use and which costs as much
   * as the parse itself — Explain shows it, the router leaves it out.
   */
  constructor(
    prefixes: ReadonlyArray<readonly [string, string, string]> = NETWORK_PREFIXES,
    private readonly withNumberType = true,
  ) {
    for (const [prefix, network, name] of prefixes) this.byPrefix.set(prefix, { network, name });
    this.longest = Math.max(0, ...prefixes.map(([p]) => p.length));
  }

  lookup(e164s: readonly string[]): Promise<Destination[]> {
    return Promise.resolve(e164s.map((n) => this.destinationOf(n)));
  }

  destinationOf(e164: string): Destination {
    const parsed = parsePhoneNumberFromString(e164);
    const digits = e164.startsWith('+') ? e164.slice(1) : e164;
    let net: Network | undefined;
    for (let len = Math.min(this.longest, digits.length); len > 0 && !net; len--) net = this.byPrefix.get(digits.slice(0, len));
    return { e164, country: parsed?.country ?? '', network: net?.network ?? '', networkName: net?.name ?? '', numberType: (this.withNumberType && parsed?.getType()) || '' };
  }
}
