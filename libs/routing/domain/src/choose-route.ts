import type { Destination } from './destination';
import type { RateBook } from './rate-card';
import { DEFAULT_QUALITY_SETTINGS, routeScore, unitHash, type CarrierQuality } from './route-quality';
import type { RouteAction, RouteRequest, RouteRule, RouteRules } from './route-rules';

/**
 * What routing knows of carriers' health and quality (a QualitySnapshot, learned from results).
 * Down carriers (breaker open, or half-open and the message outside its share) are used only when
 * no healthy one qualifies.
 */
export interface CarrierHealthView {
  isDown(carrier: string, messageId: string): boolean;
  /** Why it is down, for Explain ("breaker open: 34% UNDELIV over 5 min"). */
  whyDown?(carrier: string): string;
  /** Learned figures toward the destination; undefined: nothing learned yet. */
  quality?(carrier: string, destination: Destination): CarrierQuality | undefined;
  /** quality-first: score = quality × (cheapest / price)^priceWeight. */
  readonly priceWeight?: number;
}

/** Nothing learned: every carrier counts as up, quality-first is least-cost. */
export const ALL_CARRIERS_UP: CarrierHealthView = { isDown: () => false };

/** Why a candidate did not get the message. */
export type PassedOverCode = 'TRIED' | 'NO_RATE' | 'NO_EXCHANGE_RATE' | 'OVER_MAX_PRICE' | 'DOWN' | 'PRICIER' | 'LOWER_SCORE' | 'WEIGHTED_SPLIT' | 'LATER_IN_ORDER';

export interface RouteCandidate {
  carrier: string;
  /** From the action's carriers, or from its failover list. */
  role: 'primary' | 'failover';
  /** Price per segment in `currency` (what the carrier charges); undefined when it has none. */
  priceMicros?: number;
  currency?: string;
  /** Where the price came from: "rate card v3, prefix +4477" or "rule price". */
  priceBasis?: string;
  /** The price in the rules' currency, as compared and capped. */
  comparableMicros?: number;
  /** Quality 0..1 learned from results; undefined when nothing is learned (or not asked: least-cost decisions). */
  quality?: number;
  /** What the quality rests on (Explain, quality-first). */
  figures?: CarrierQuality;
  /** quality-first: quality × (cheapest / price)^priceWeight. */
  score?: number;
  /** Its breaker keeps it out of this message while another qualifies. */
  down?: boolean;
  chosen: boolean;
  passedOver?: { code: PassedOverCode; reason: string };
}

export type RouteDecision =
  | {
      routed: true;
      ruleId: string;
      carrier: string;
      pricePerSegmentMicros: number;
      totalMicros: number;
      currency: string;
      /** The carrier is down, but no healthy carrier qualified. */
      down: boolean;
      /** Carriers to try next, in order, should this one refuse the message. */
      failover: string[];
    }
  | { routed: false; ruleId: string; code: 'NO_ROUTE' | 'ROUTING.NO_CARRIER'; reason: string };

export interface RuleTrail {
  id: string;
  matched: boolean;
  /** Why it did not match (the first filter that failed). */
  why?: string;
}

export interface RouteExplanation {
  decision: RouteDecision;
  /** The rules in order, up to the one that matched. */
  rules: RuleTrail[];
  candidates: RouteCandidate[];
}

const fmt = (micros: number, currency: string) => `${(micros / 1_000_000).toFixed(6).replace(/0+$/, '').replace(/\.$/, '')} ${currency}`;

function price(c: RouteCandidate, req: RouteRequest, action: RouteAction, rules: RouteRules, book: RateBook): void {
  const rate = book.priceFor(c.carrier, req.destination);
  if (rate) {
    c.priceMicros = rate.priceMicros;
    c.currency = rate.currency;
    c.priceBasis = `rate card v${rate.version}, ${rate.basis}`;
  } else {
    const inline = action.prices.get(c.carrier);
    if (inline === undefined) return;
    c.priceMicros = inline;
    c.currency = rules.currency;
    c.priceBasis = 'rule price';
  }
  const fx = rules.exchangeRates.get(c.currency);
  if (fx !== undefined) c.comparableMicros = Math.round(c.priceMicros * fx);
}

/** Sets why a candidate lost; the sentence is built only for Explain (it costs more than the decision). */
function pass(c: RouteCandidate, code: PassedOverCode, reason: () => string, explain: boolean): void {
  c.passedOver ??= { code, reason: explain ? reason() : '' };
}

/** The candidates of a rule's action, in the order they would be tried, with reasons. */
function candidatesFor(rule: RouteRule, req: RouteRequest, rules: RouteRules, book: RateBook, health: CarrierHealthView, explain: boolean): { tryOrder: RouteCandidate[]; all: RouteCandidate[] } {
  const { action } = rule;
  const make = (carrier: string, role: RouteCandidate['role']): RouteCandidate => {
    const c: RouteCandidate = { carrier, role, chosen: false };
    if (req.tried?.includes(carrier)) {
      pass(c, 'TRIED', () => 'already tried for this message (failover does not go back)', explain);
      return c;
    }
    price(c, req, action, rules, book);
    c.down = health.isDown(carrier, req.messageId);
    if (health.quality && (explain || action.type === 'quality-first')) {
      c.figures = health.quality(carrier, req.destination);
      c.quality = c.figures?.score;
    }
    if (c.priceMicros === undefined) pass(c, 'NO_RATE', () => book.has(carrier) ? 'its rate card has no price for this destination' : 'no rate card, and the rule gives no price', explain);
    else if (c.comparableMicros === undefined) pass(c, 'NO_EXCHANGE_RATE', () => `priced in ${c.currency}; routes.yaml exchangeRates has no rate to ${rules.currency}`, explain);
    else if (action.maxPriceMicros !== undefined && c.comparableMicros > action.maxPriceMicros) {
      const [price, max] = [c.comparableMicros, action.maxPriceMicros];
      pass(c, 'OVER_MAX_PRICE', () => `${fmt(price, rules.currency)} is over the rule's maximum ${fmt(max, rules.currency)}`, explain);
    }
    return c;
  };
  const primary = action.carriers.map((carrier) => make(carrier, 'primary'));
  const usable = (c: RouteCandidate) => c.passedOver === undefined;
  const byPrice = (a: RouteCandidate, b: RouteCandidate) => (a.comparableMicros ?? Infinity) - (b.comparableMicros ?? Infinity);
  let ordered: RouteCandidate[];
  if (action.type === 'fixed') ordered = primary;
  else if (action.type === 'weighted') {
    const open = primary.filter(usable);
    const weights = open.map((c) => action.weights[action.carriers.indexOf(c.carrier)]);
    let pick = unitHash(req.messageId) * weights.reduce((a, b) => a + b, 0);
    const i = weights.findIndex((w) => (pick -= w) < 0);
    const first = open[i < 0 ? open.length - 1 : i];
    ordered = first ? [first, ...primary.filter((c) => c !== first).sort(byPrice)] : primary;
  } else if (action.type === 'quality-first' && primary.some((c) => usable(c) && c.quality !== undefined)) {
    const weight = health.priceWeight ?? DEFAULT_QUALITY_SETTINGS.priceWeight;
    let cheapest = Infinity;
    for (const c of primary) if (usable(c)) cheapest = Math.min(cheapest, c.comparableMicros ?? Infinity);
    // A carrier nothing is known about scores as the prior would (it gets tried, then learned).
    for (const c of primary) if (usable(c)) c.score = routeScore(c.quality ?? DEFAULT_QUALITY_SETTINGS.priorDeliveryRatio, c.comparableMicros ?? Infinity, cheapest, weight);
    ordered = primary.slice().sort((a, b) => (b.score ?? -1) - (a.score ?? -1) || byPrice(a, b)); // stable: full ties keep the rule's order
  } else ordered = primary.slice().sort(byPrice); // stable: ties keep the rule's order
  const all = [...ordered, ...action.failover.map((carrier) => make(carrier, 'failover'))];

  // Healthy before down; the first usable one gets the message, the other usable ones are its failover.
  const open = all.filter(usable);
  const tryOrder = [...open.filter((c) => !c.down), ...open.filter((c) => c.down)];
  const chosen = tryOrder[0];
  if (chosen) chosen.chosen = true;
  for (const c of tryOrder.slice(1)) {
    if (c.down) pass(c, 'DOWN', () => `${health.whyDown?.(c.carrier) || 'carrier is down'}; kept for when no healthy carrier qualifies`, explain);
    else if (c.role === 'failover') pass(c, 'LATER_IN_ORDER', () => 'failover carrier, tried when the ones before it refuse', explain);
    else if (action.type === 'weighted') pass(c, 'WEIGHTED_SPLIT', () => `the weighted split sent this message to ${chosen.carrier}`, explain);
    else if (action.type === 'fixed') pass(c, 'LATER_IN_ORDER', () => 'later in the fixed order; used on failover', explain);
    else if (c.score !== undefined && chosen.score !== undefined) pass(c, 'LOWER_SCORE', () => `score ${(c.score ?? 0).toFixed(3)} ≤ ${(chosen.score ?? 0).toFixed(3)} of ${chosen.carrier} (quality × (cheapest / price)^${health.priceWeight ?? DEFAULT_QUALITY_SETTINGS.priceWeight})`, explain);
    else pass(c, 'PRICIER', () => `${fmt(c.comparableMicros ?? 0, rules.currency)} ≥ ${fmt(chosen.comparableMicros ?? 0, rules.currency)} of ${chosen.carrier}${action.type === 'quality-first' ? ' (quality-first: no quality data yet, so least-cost)' : ''}`, explain);
  }
  return { tryOrder, all: [...tryOrder, ...all.filter((c) => !tryOrder.includes(c))] };
}

function decide(rule: RouteRule, req: RouteRequest, c: { tryOrder: RouteCandidate[]; all: RouteCandidate[] }): RouteDecision {
  const [chosen, ...rest] = c.tryOrder;
  if (!chosen) {
    const why = c.all.map((x) => `${x.carrier} ${x.passedOver?.code}`).join(', ');
    return { routed: false, ruleId: rule.id, code: 'ROUTING.NO_CARRIER', reason: `rule ${rule.id} matched but no carrier qualifies (${why})` };
  }
  const perSegment = chosen.priceMicros ?? 0;
  return {
    routed: true,
    ruleId: rule.id,
    carrier: chosen.carrier,
    pricePerSegmentMicros: perSegment,
    totalMicros: perSegment * Math.max(1, req.segments),
    currency: chosen.currency ?? '',
    down: chosen.down === true,
    failover: rest.map((x) => x.carrier),
  };
}

const NO_RULE = (req: RouteRequest): RouteDecision => ({
  routed: false,
  ruleId: '',
  code: 'NO_ROUTE',
  reason: `no route rule matches ${req.destination.e164.slice(0, 4)}… (${req.destination.country || 'unknown country'}); add a rule for it`,
});

/**
 * The routing decision for one message: the first rule whose filters all match, then its action
 * over its carriers — priced from the rate cards (else the rule's own prices), capped at the
 * rule's maximum, down carriers last (breaker open), carriers already tried left out; quality-first
 * ranks by the learned score. Pure: same input, same answer.
 */
export function chooseRoute(req: RouteRequest, rules: RouteRules, book: RateBook, health: CarrierHealthView = ALL_CARRIERS_UP): RouteDecision {
  for (const rule of rules.rules) {
    let match = true;
    for (const f of rule.filters) {
      if (!f.test(req)) {
        match = false;
        break;
      }
    }
    if (match) return decide(rule, req, candidatesFor(rule, req, rules, book, health, false));
  }
  return NO_RULE(req);
}

/** chooseRoute, with the rules passed by and every candidate of the matching rule with why it lost. */
export function explainRoute(req: RouteRequest, rules: RouteRules, book: RateBook, health: CarrierHealthView = ALL_CARRIERS_UP): RouteExplanation {
  const trail: RuleTrail[] = [];
  for (const rule of rules.rules) {
    const failed = rule.filters.find((f) => !f.test(req));
    if (failed) {
      trail.push({ id: rule.id, matched: false, why: failed.why(req) });
      continue;
    }
    trail.push({ id: rule.id, matched: true });
    const candidates = candidatesFor(rule, req, rules, book, health, true);
    return { decision: decide(rule, req, candidates), rules: trail, candidates: candidates.all };
  }
  return { decision: NO_RULE(req), rules: trail, candidates: [] };
}
