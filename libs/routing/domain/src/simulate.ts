import { ALL_CARRIERS_UP, chooseRoute, type CarrierHealthView, type RouteDecision } from './choose-route';
import type { RateBook } from './rate-card';
import type { ActionType, RouteRequest, RouteRules } from './route-rules';
import type { TrafficRow } from './traffic-csv';

/** One routing configuration to price traffic under: what the router would hold. */
export interface RoutingConfiguration {
  rules: RouteRules;
  rates: RateBook;
  /** Quality and breakers (a QualitySnapshot, or carriers to treat as down); default: every carrier up, nothing learned. */
  health?: CarrierHealthView;
  /** The health view lets a share of messages through by message id (a QualitySnapshot with a half-open breaker): rows of many messages are sampled. */
  healthByMessageId?: boolean;
}

export interface SimulationOptions {
  /** How many movers, shifts and example rows are listed (default 10). */
  top?: number;
  /**
   * A row of many messages under a weighted rule (or with healthByMessageId: half-open breakers share
   * by message id) is decided for this many message ids and its count spread over them, so a split
   * shows in the totals (default 20). Other rows are decided once: their messages all go alike.
   */
  samplesPerRow?: number;
}

/** Messages, segments and what they cost (micro-units of the rules' currency). */
export interface CostLine {
  messages: number;
  segments: number;
  costMicros: number;
}

export interface ConfigurationOutcome {
  currency: string;
  /** Routed messages only in the cost; messages and segments count every row. */
  totals: CostLine & { routedMessages: number; unroutableMessages: number };
  byCarrier: Record<string, CostLine>;
  /** By destination country ("" unknown): routed messages and their cost. */
  byCountry: Record<string, CostLine>;
  /** Unroutable messages by code (NO_ROUTE, ROUTING.NO_CARRIER). */
  unroutable: Record<string, number>;
  /** Messages priced over their row's max_price, and those routed to a carrier that is down. */
  overMaxPriceMessages: number;
  downCarrierMessages: number;
}

/** A row that gets worse: routed before and not now, or over its max_price now and not before. */
export interface RowChange {
  line: number;
  country: string;
  network: string;
  messages: number;
  /** Current → proposed: carrier, or the unroutable code. */
  current: string;
  proposed: string;
  /** Proposed price per segment (rules' currency), when routed. */
  proposedPricePerSegmentMicros?: number;
  maxPriceMicros?: number;
}

/** A destination (network, else country) whose cost moved: "GB 234-10", "FR (network unknown)". */
export interface Mover {
  destination: string;
  country: string;
  network: string;
  messages: number;
  currentCostMicros: number;
  proposedCostMicros: number;
  deltaMicros: number;
}

/** Messages that move from one carrier to another ("" = unroutable). */
export interface Shift {
  from: string;
  to: string;
  messages: number;
}

export interface Simulation {
  rows: number;
  messages: number;
  segments: number;
  currency: string;
  current: ConfigurationOutcome;
  proposed: ConfigurationOutcome;
  /** Proposed − current (cost in the rules' currency; percent of current, 0 when current is 0). */
  delta: { costMicros: number; percent: number; routedMessages: number };
  byCarrierDelta: Record<string, { currentMessages: number; proposedMessages: number; currentCostMicros: number; proposedCostMicros: number; deltaMicros: number }>;
  newlyUnroutable: { messages: number; rows: number; examples: RowChange[] };
  newlyOverMaxPrice: { messages: number; rows: number; examples: RowChange[] };
  /** Messages that change carrier, most first. */
  shifts: Shift[];
  /** Destinations whose cost moves most (either way), largest |delta| first. */
  movers: Mover[];
}

/** Why two configurations cannot be compared. */
export class SimulationError extends Error {
  readonly code = 'SIMULATION.CURRENCY_MISMATCH';
  constructor(message: string) {
    super(message);
    this.name = 'SimulationError';
  }
}

const emptyLine = (): CostLine => ({ messages: 0, segments: 0, costMicros: 0 });
const add = (map: Map<string, CostLine>, key: string, messages: number, segments: number, cost: number) => {
  let l = map.get(key);
  if (!l) map.set(key, (l = emptyLine()));
  l.messages += messages;
  l.segments += segments;
  l.costMicros += cost;
};
const record = (map: Map<string, CostLine>): Record<string, CostLine> => Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** One part of a row's messages and how they were routed. */
interface Part {
  decision: RouteDecision;
  count: number;
  /** Price per segment in the rules' currency (as chooseRoute compared it). */
  comparable: number;
}

class Pricer {
  readonly carriers = new Map<string, CostLine>();
  readonly countries = new Map<string, CostLine>();
  readonly unroutable = new Map<string, number>();
  readonly totals = { ...emptyLine(), routedMessages: 0, unroutableMessages: 0 };
  overMax = 0;
  down = 0;
  private readonly actionOf: Map<string, ActionType>;
  private readonly health: CarrierHealthView;

  constructor(
    private readonly config: RoutingConfiguration,
    private readonly samples: number,
  ) {
    this.actionOf = new Map(config.rules.rules.map((r) => [r.id, r.action.type]));
    this.health = config.health ?? ALL_CARRIERS_UP;
  }

  private comparable(d: RouteDecision): number {
    if (!d.routed) return 0;
    // chooseRoute only picks a carrier whose currency has a rate (NO_EXCHANGE_RATE otherwise); rule prices are in the rules' currency.
    return Math.round(d.pricePerSegmentMicros * (this.config.rules.exchangeRates.get(d.currency) ?? 1));
  }

  /** The row's messages under this configuration: one decision, or a few sampled ids when messages of it may go different ways. */
  decide(row: TrafficRow, req: RouteRequest): Part[] {
    const first = chooseRoute(req, this.config.rules, this.config.rates, this.health);
    const splits = row.count > 1 && (this.actionOf.get(first.ruleId) === 'weighted' || this.config.healthByMessageId === true);
    if (!splits) return [{ decision: first, count: row.count, comparable: this.comparable(first) }];
    const k = Math.min(row.count, this.samples);
    const base = Math.floor(row.count / k);
    const parts: Part[] = [{ decision: first, count: base + (row.count % k), comparable: this.comparable(first) }];
    for (let i = 1; i < k; i++) {
      const d = chooseRoute({ ...req, messageId: `${req.messageId}#${i}` }, this.config.rules, this.config.rates, this.health);
      parts.push({ decision: d, count: base, comparable: this.comparable(d) });
    }
    return parts;
  }

  /** Adds the parts to the totals; returns what the row cost and its messages over max_price. */
  count(row: TrafficRow, parts: Part[]): { cost: number; over: number; unroutable: number } {
    let cost = 0;
    let over = 0;
    let unroutable = 0;
    for (const p of parts) {
      const segments = p.count * row.segments;
      this.totals.messages += p.count;
      this.totals.segments += segments;
      const d = p.decision;
      if (!d.routed) {
        unroutable += p.count;
        this.totals.unroutableMessages += p.count;
        this.unroutable.set(d.code, (this.unroutable.get(d.code) ?? 0) + p.count);
        continue;
      }
      const c = p.comparable * segments;
      cost += c;
      this.totals.routedMessages += p.count;
      this.totals.costMicros += c;
      add(this.carriers, d.carrier, p.count, segments, c);
      add(this.countries, row.destination.country, p.count, segments, c);
      if (row.maxPriceMicros !== undefined && p.comparable > row.maxPriceMicros) over += p.count;
      if (d.down) this.down += p.count;
    }
    this.overMax += over;
    return { cost, over, unroutable };
  }

  outcome(): ConfigurationOutcome {
    return {
      currency: this.config.rules.currency,
      totals: this.totals,
      byCarrier: record(this.carriers),
      byCountry: record(this.countries),
      unroutable: Object.fromEntries([...this.unroutable].sort(([a], [b]) => (a < b ? -1 : 1))),
      overMaxPriceMessages: this.overMax,
      downCarrierMessages: this.down,
    };
  }
}

const label = (parts: Part[]) => {
  const d = parts[0].decision;
  return d.routed ? d.carrier : d.code;
};

/** Keeps the n largest by a score (a small sorted list: n is 10-ish, rows are millions). */
class Top<T> {
  private readonly items: { score: number; item: T }[] = [];
  constructor(private readonly n: number) {}
  offer(score: number, make: () => T): void {
    if (this.n <= 0) return;
    if (this.items.length >= this.n && score <= this.items[this.items.length - 1].score) return;
    this.items.push({ score, item: make() });
    this.items.sort((a, b) => b.score - a.score);
    if (this.items.length > this.n) this.items.pop();
  }
  list(): T[] {
    return this.items.map((x) => x.item);
  }
}

/**
 * Prices traffic under the current and a proposed configuration with the router's own
 * chooseRoute, row by row, and compares: totals, per carrier and per country, the delta, rows that
 * become unroutable or dearer than their max_price, the carriers messages move between, and the
 * destinations whose cost moves most. Costs are in the rules' currency (rate card prices converted
 * with the rules' exchangeRates, as chooseRoute compares them); both configurations must price in
 * one currency. Pure: same rows and configurations, same answer.
 */
export function simulateTraffic(rows: readonly TrafficRow[], current: RoutingConfiguration, proposed: RoutingConfiguration, options: SimulationOptions = {}): Simulation {
  if (current.rules.currency !== proposed.rules.currency) {
    throw new SimulationError(`the proposed rules price in ${proposed.rules.currency}, the current ones in ${current.rules.currency}; a comparison needs one currency (set currency: ${current.rules.currency} in the proposed routes file)`);
  }
  const top = options.top ?? 10;
  const samples = Math.max(1, options.samplesPerRow ?? 20);
  const now = new Pricer(current, samples);
  const next = new Pricer(proposed, samples);
  const unroutable = new Top<RowChange>(top);
  const overMax = new Top<RowChange>(top);
  const newly = { unroutable: { messages: 0, rows: 0 }, overMax: { messages: 0, rows: 0 } };
  const shifts = new Map<string, Shift>();
  const destinations = new Map<string, Mover>();

  for (const row of rows) {
    const d = row.destination;
    const req: RouteRequest = { messageId: `sim-${row.line}`, destination: d, account: row.account, sender: row.sender, trafficClass: row.trafficClass, encoding: row.encoding, segments: row.segments, nowMs: row.atMs };
    const a = now.decide(row, req);
    const b = next.decide(row, req);
    const ca = now.count(row, a);
    const cb = next.count(row, b);
    const change = (): RowChange => {
      const first = b.find((p) => p.decision.routed);
      return { line: row.line, country: d.country, network: d.network, messages: row.count, current: label(a), proposed: label(b), proposedPricePerSegmentMicros: first?.comparable, maxPriceMicros: row.maxPriceMicros };
    };
    const lost = cb.unroutable - ca.unroutable;
    if (lost > 0) {
      newly.unroutable.messages += lost;
      newly.unroutable.rows++;
      unroutable.offer(lost, change);
    }
    const dearer = cb.over - ca.over;
    if (dearer > 0) {
      newly.overMax.messages += dearer;
      newly.overMax.rows++;
      overMax.offer(dearer, change);
    }
    // Shifts: the single-decision case is the common one; a sampled row pairs its parts in order.
    if (a.length === 1 && b.length === 1) {
      const from = a[0].decision.routed ? a[0].decision.carrier : '';
      const to = b[0].decision.routed ? b[0].decision.carrier : '';
      if (from !== to) {
        const key = `${from}>${to}`;
        const s = shifts.get(key);
        if (s) s.messages += row.count;
        else shifts.set(key, { from, to, messages: row.count });
      }
    } else shiftParts(a, b, shifts);
    if (ca.cost !== cb.cost || ca.unroutable !== cb.unroutable) {
      const key = d.network || d.country;
      let m = destinations.get(key);
      if (!m) destinations.set(key, (m = { destination: `${d.country || '??'} ${d.network || '(network unknown)'}`, country: d.country, network: d.network, messages: 0, currentCostMicros: 0, proposedCostMicros: 0, deltaMicros: 0 }));
      m.messages += row.count;
      m.currentCostMicros += ca.cost;
      m.proposedCostMicros += cb.cost;
      m.deltaMicros = m.proposedCostMicros - m.currentCostMicros;
    }
  }

  const cur = now.outcome();
  const pro = next.outcome();
  const byCarrierDelta: Simulation['byCarrierDelta'] = {};
  for (const carrier of [...new Set([...Object.keys(cur.byCarrier), ...Object.keys(pro.byCarrier)])].sort()) {
    const x = cur.byCarrier[carrier] ?? emptyLine();
    const y = pro.byCarrier[carrier] ?? emptyLine();
    byCarrierDelta[carrier] = { currentMessages: x.messages, proposedMessages: y.messages, currentCostMicros: x.costMicros, proposedCostMicros: y.costMicros, deltaMicros: y.costMicros - x.costMicros };
  }
  const deltaCost = pro.totals.costMicros - cur.totals.costMicros;
  const movers = [...destinations.values()].filter((m) => m.deltaMicros !== 0).sort((x, y) => Math.abs(y.deltaMicros) - Math.abs(x.deltaMicros) || (x.destination < y.destination ? -1 : 1));
  return {
    rows: rows.length,
    messages: cur.totals.messages,
    segments: cur.totals.segments,
    currency: current.rules.currency,
    current: cur,
    proposed: pro,
    delta: { costMicros: deltaCost, percent: cur.totals.costMicros ? (deltaCost / cur.totals.costMicros) * 100 : 0, routedMessages: pro.totals.routedMessages - cur.totals.routedMessages },
    byCarrierDelta,
    newlyUnroutable: { ...newly.unroutable, examples: unroutable.list() },
    newlyOverMaxPrice: { ...newly.overMax, examples: overMax.list() },
    shifts: [...shifts.values()].sort((x, y) => y.messages - x.messages || (x.from + x.to < y.from + y.to ? -1 : 1)).slice(0, top),
    movers: movers.slice(0, top),
  };
}

/** Sampled rows: messages per carrier before and after, the difference moved from what lost to what gained. */
function shiftParts(a: Part[], b: Part[], shifts: Map<string, Shift>): void {
  const tally = (parts: Part[]) => {
    const m = new Map<string, number>();
    for (const p of parts) {
      const k = p.decision.routed ? p.decision.carrier : '';
      m.set(k, (m.get(k) ?? 0) + p.count);
    }
    return m;
  };
  const before = tally(a);
  const after = tally(b);
  const losers: [string, number][] = [];
  const gainers: [string, number][] = [];
  for (const k of new Set([...before.keys(), ...after.keys()])) {
    const diff = (after.get(k) ?? 0) - (before.get(k) ?? 0);
    if (diff < 0) losers.push([k, -diff]);
    else if (diff > 0) gainers.push([k, diff]);
  }
  let g = 0;
  for (const [from, lostCount] of losers) {
    let left = lostCount;
    while (left > 0 && g < gainers.length) {
      const moved = Math.min(left, gainers[g][1]);
      const key = `${from}>${gainers[g][0]}`;
      const s = shifts.get(key);
      if (s) s.messages += moved;
      else shifts.set(key, { from, to: gainers[g][0], messages: moved });
      left -= moved;
      gainers[g][1] -= moved;
      if (gainers[g][1] === 0) g++;
    }
  }
}
