/** One rule of the route table: destinations starting with `prefix` may go to `carrier`. */
export interface Route {
  id: string;
  /** E.164 prefix with "+", e.g. "+44" or "+447"; "+" alone matches every destination. */
  prefix: string;
  carrier: string;
  /** Price per segment in micro-units of the rate card currency (0 when unknown). */
  pricePerSegmentMicros: number;
}

export interface RouteDecision {
  route: Route;
  /** Other carriers still possible for this destination, cheapest first (for failover). */
  alternatives: Route[];
}

export class RouteTableError extends Error {
  readonly code = 'ROUTING.INVALID_TABLE';
}

const PREFIX = /^\+[0-9]{0,15}$/;
const CARRIER = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Routes indexed by prefix; validated when built, so a bad file fails at load, not per message. */
export class RouteTable {
  private readonly byPrefix = new Map<string, Route[]>();
  private readonly longest: number;

  constructor(readonly routes: Route[]) {
    const ids = new Set<string>();
    routes.forEach((r, i) => {
      const where = `route ${i + 1}${r.id ? ` (${r.id})` : ''}`;
      if (!r.id) throw new RouteTableError(`${where}: id is required`);
      if (ids.has(r.id)) throw new RouteTableError(`${where}: id "${r.id}" is used twice`);
      ids.add(r.id);
      if (!PREFIX.test(r.prefix)) throw new RouteTableError(`${where}: prefix "${r.prefix}" must be "+" followed by up to 15 digits`);
      if (!CARRIER.test(r.carrier)) throw new RouteTableError(`${where}: carrier "${r.carrier}" must be lowercase letters, digits and dashes`);
      if (!Number.isInteger(r.pricePerSegmentMicros) || r.pricePerSegmentMicros < 0) {
        throw new RouteTableError(`${where}: pricePerSegmentMicros must be a whole number ≥ 0`);
      }
      const list = this.byPrefix.get(r.prefix) ?? [];
      list.push(r);
      this.byPrefix.set(r.prefix, list);
    });
    for (const list of this.byPrefix.values()) list.sort((a, b) => a.pricePerSegmentMicros - b.pricePerSegmentMicros || a.id.localeCompare(b.id));
    this.longest = Math.max(0, ...routes.map((r) => r.prefix.length));
  }

  get carriers(): string[] {
    return [...new Set(this.routes.map((r) => r.carrier))].sort();
  }

  /**
   * The longest matching prefix wins; among its routes the cheapest carrier not yet tried.
   * Shorter prefixes are the fallback only when every carrier of the longer ones was tried.
   */
  choose(destination: string, triedCarriers: readonly string[] = []): RouteDecision | undefined {
    const candidates: Route[] = [];
    for (let len = Math.min(this.longest, destination.length); len >= 1; len--) {
      const routes = this.byPrefix.get(destination.slice(0, len));
      if (!routes) continue;
      for (const r of routes) {
        if (!triedCarriers.includes(r.carrier) && !candidates.some((c) => c.carrier === r.carrier)) candidates.push(r);
      }
    }
    const [route, ...alternatives] = candidates;
    return route ? { route, alternatives } : undefined;
  }
}
