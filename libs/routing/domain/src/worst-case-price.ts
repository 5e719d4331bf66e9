import type { RateBook } from './rate-card';
import type { RouteRequest, RouteRules } from './route-rules';

/** The most a message may cost, in the rules' currency: what is reserved from a prepaid balance at accept. */
export interface WorstCasePrice {
  perSegmentMicros: number;
  totalMicros: number;
  currency: string;
}

/**
 * The highest price any carrier of any rule matching the message could charge for its destination
 * (rate card, else the rule's own price), converted into the rules' currency (rounded up) × segments.
 * Carriers over the rule's maximum price are left out, as the router leaves them. Every matching rule counts, not only the first: the message is reserved before it is routed, and
 * failover may go to any carrier named. Prices without an exchange rate are left out (the router
 * cannot choose them either). No price at all: 0 (the message will fail with no route, and be refunded).
 */
export function worstCasePrice(req: RouteRequest, rules: RouteRules, book: RateBook): WorstCasePrice {
  let worst = 0;
  for (const rule of rules.rules) {
    if (!rule.filters.every((f) => f.test(req))) continue;
    for (const carrier of [...rule.action.carriers, ...rule.action.failover]) {
      const rate = book.priceFor(carrier, req.destination);
      const [micros, currency] = rate ? [rate.priceMicros, rate.currency] : [rule.action.prices.get(carrier), rules.currency];
      const fx = rules.exchangeRates.get(currency);
      if (micros === undefined || fx === undefined) continue;
      const comparable = Math.ceil(micros * fx);
      if (rule.action.maxPriceMicros !== undefined && comparable > rule.action.maxPriceMicros) continue; // the router passes it over
      worst = Math.max(worst, comparable);
    }
  }
  return { perSegmentMicros: worst, totalMicros: worst * Math.max(1, req.segments), currency: rules.currency };
}
