import { ENCODING_NAMES, isEncodingName } from '@smsgw/shared/util-proto';
import { TRAFFIC_CLASSES, type Destination, type TrafficClass } from './destination';
import { invalidRules } from './errors';
import { expandPrefix, normaliseNetwork, validCarrierId } from './rate-card';
import { WEEKDAYS, ZoneClock } from './zone-clock';

/** What a rule can see of a message. */
export interface RouteRequest {
  /** Message id: a weighted split hashes it, so a replayed message goes where it went before. */
  messageId: string;
  destination: Destination;
  /** Account id (client_id); "" for unauthenticated sms.submit.v1 events. */
  account: string;
  sender: string;
  trafficClass: TrafficClass;
  /** "gsm7", "ucs2", "latin1" or "" before encoding. */
  encoding: string;
  segments: number;
  nowMs: number;
  /** Carriers already tried for this message (failover never goes back to them). */
  tried?: readonly string[];
}

export type ActionType = 'least-cost' | 'quality-first' | 'weighted' | 'fixed';
export const ACTION_TYPES: readonly ActionType[] = ['least-cost', 'quality-first', 'weighted', 'fixed'];

export interface RouteAction {
  type: ActionType;
  /** The carriers the action chooses among. */
  carriers: string[];
  /** weighted: one weight per carrier (same order), > 0. */
  weights: number[];
  /** Tried after the action's own carriers, in this order. */
  failover: string[];
  /** Highest price per segment, micro-units of the rules' currency; undefined: no cap. */
  maxPriceMicros?: number;
  /** Price per segment (rules' currency) for carriers whose rate card has no price for the destination. */
  prices: ReadonlyMap<string, number>;
}

export interface RouteFilter {
  /** "country", "sender"… for Explain. */
  name: string;
  test(req: RouteRequest): boolean;
  /** Why the request does not match (called only when test failed). */
  why(req: RouteRequest): string;
}

export interface RouteRule {
  id: string;
  filters: RouteFilter[];
  action: RouteAction;
}

/** Validated, compiled rules: the first rule whose filters all match decides. */
export interface RouteRules {
  rules: RouteRule[];
  /** Currency that prices are compared and capped in (ISO 4217). */
  currency: string;
  /** Value of one unit of another currency in `currency` (rate cards priced in it are converted). */
  exchangeRates: ReadonlyMap<string, number>;
  /** Every carrier some rule names (each gets an outbound topic). */
  carriers: string[];
}

type Doc = Record<string, unknown>;
const isDoc = (v: unknown): v is Doc => !!v && typeof v === 'object' && !Array.isArray(v);
const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,63}$/;
const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MATCH_KEYS = ['country', 'network', 'prefix', 'account', 'sender', 'class', 'encoding', 'time'];
const ACTION_KEYS = ['type', 'carriers', 'weights', 'failover', 'maxPriceMicros', 'prices'];

function list(v: unknown, where: string, field: string): string[] {
  const items = v === undefined ? [] : Array.isArray(v) ? v : [v];
  return items.map((x) => {
    if (typeof x !== 'string' && typeof x !== 'number') throw invalidRules(where, `${field}: expected text, found ${JSON.stringify(x)}`);
    return String(x).trim();
  });
}

function nonEmpty(items: string[], where: string, field: string): string[] {
  if (items.length === 0) throw invalidRules(where, `${field}: needs at least one value (leave the filter out to match everything)`);
  return items;
}

const setFilter = (name: string, values: string[], get: (r: RouteRequest) => string, show: (r: RouteRequest) => string = get): RouteFilter => {
  const set = new Set(values);
  return { name, test: (r) => set.has(get(r)), why: (r) => `${name} is ${show(r) || 'unknown'}, the rule wants ${values.join(', ')}` };
};

function senderFilter(patterns: string[]): RouteFilter {
  const exact = new Set(patterns.filter((p) => !p.endsWith('*')));
  const prefixes = patterns.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1));
  return {
    name: 'sender',
    test: (r) => exact.has(r.sender) || prefixes.some((p) => r.sender.startsWith(p)),
    why: (r) => `sender is ${r.sender || '(empty)'}, the rule wants ${patterns.join(', ')}`,
  };
}

function days(items: string[], where: string): Set<number> {
  const out = new Set<number>();
  for (const item of items) {
    const [from, to = from] = item.toLowerCase().split('-');
    const a = WEEKDAYS.indexOf(from as (typeof WEEKDAYS)[number]);
    const b = WEEKDAYS.indexOf(to as (typeof WEEKDAYS)[number]);
    if (a < 0 || b < 0) throw invalidRules(where, `match.time.days: "${item}" must be a day (mon … sun) or a range (mon-fri)`);
    for (let d = a; ; d = (d + 1) % 7) {
      out.add(d);
      if (d === b) break;
    }
  }
  return out;
}

function timeFilter(v: unknown, where: string): RouteFilter {
  if (!isDoc(v)) throw invalidRules(where, 'match.time: expected { days, from, to, zone }');
  const unknown = Object.keys(v).filter((k) => !['days', 'from', 'to', 'zone'].includes(k));
  if (unknown.length) throw invalidRules(where, `match.time: unknown field ${unknown[0]} (days, from, to, zone)`);
  const zone = String(v.zone ?? 'UTC');
  let clock: ZoneClock;
  try {
    clock = new ZoneClock(zone);
  } catch {
    throw invalidRules(where, `match.time.zone: "${zone}" is not an IANA time zone (e.g. Europe/London)`);
  }
  const daySet = v.days === undefined ? new Set([0, 1, 2, 3, 4, 5, 6]) : days(nonEmpty(list(v.days, where, 'match.time.days'), where, 'match.time.days'), where);
  const minutes = (field: 'from' | 'to', dflt: string) => {
    const t = String(v[field] ?? dflt);
    const m = HHMM.exec(t);
    if (!m) throw invalidRules(where, `match.time.${field}: "${t}" must be HH:MM (24 h)`);
    return Number(m[1]) * 60 + Number(m[2]);
  };
  const from = minutes('from', '00:00');
  const to = v.to === undefined ? 24 * 60 : minutes('to', '24:00');
  // from > to spans midnight (22:00-06:00); the day is the day the window started.
  const inWindow = (day: number, minute: number) =>
    from <= to ? daySet.has(day) && minute >= from && minute < to : (daySet.has(day) && minute >= from) || (daySet.has((day + 6) % 7) && minute < to);
  const label = `${[...daySet].map((d) => WEEKDAYS[d]).join(',')} ${String(v.from ?? '00:00')}-${String(v.to ?? '24:00')} ${zone}`;
  return {
    name: 'time',
    test: (r) => {
      const t = clock.at(r.nowMs);
      return inWindow(t.day, t.minute);
    },
    why: (r) => {
      const t = clock.at(r.nowMs);
      return `local time is ${WEEKDAYS[t.day]} ${String(Math.floor(t.minute / 60)).padStart(2, '0')}:${String(t.minute % 60).padStart(2, '0')} ${zone}, the rule wants ${label}`;
    },
  };
}

function compileFilters(match: unknown, where: string): RouteFilter[] {
  if (match === undefined) return [];
  if (!isDoc(match)) throw invalidRules(where, 'match: expected a mapping of filters');
  const unknown = Object.keys(match).filter((k) => !MATCH_KEYS.includes(k));
  if (unknown.length) throw invalidRules(where, `match: unknown filter "${unknown[0]}" (${MATCH_KEYS.join(', ')})`);
  const filters: RouteFilter[] = [];
  const values = (key: string) => nonEmpty(list(match[key], where, `match.${key}`), where, `match.${key}`);
  if (match.country !== undefined) {
    const c = values('country').map((x) => x.toUpperCase());
    const bad = c.find((x) => !/^[A-Z]{2}$/.test(x));
    if (bad) throw invalidRules(where, `match.country: "${bad}" must be an ISO 3166 alpha-2 code (GB)`);
    filters.push(setFilter('country', c, (r) => r.destination.country));
  }
  if (match.network !== undefined) {
    const n = values('network').map((x) => {
      const net = normaliseNetwork(x);
      if (!net) throw invalidRules(where, `match.network: "${x}" must be MCC-MNC (234-15)`);
      return net;
    });
    filters.push(setFilter('network', n, (r) => r.destination.network));
  }
  if (match.prefix !== undefined) {
    const p = values('prefix').flatMap((x) => {
      const out = expandPrefix(x);
      if (!out) throw invalidRules(where, `match.prefix: "${x}" must be an E.164 prefix ("+4477") or a range of one length`);
      return out;
    });
    filters.push({ name: 'prefix', test: (r) => p.some((x) => r.destination.e164.startsWith(x)), why: (r) => `number ${r.destination.e164.slice(0, 5)}… starts with none of ${p.slice(0, 5).join(', ')}${p.length > 5 ? '…' : ''}` });
  }
  if (match.account !== undefined) filters.push(setFilter('account', values('account'), (r) => r.account));
  if (match.sender !== undefined) filters.push(senderFilter(values('sender')));
  if (match.class !== undefined) {
    const c = values('class').map((x) => x.toLowerCase());
    const bad = c.find((x) => !TRAFFIC_CLASSES.includes(x as TrafficClass));
    if (bad) throw invalidRules(where, `match.class: "${bad}" must be one of ${TRAFFIC_CLASSES.join(', ')}`);
    filters.push(setFilter('class', c, (r) => r.trafficClass));
  }
  if (match.encoding !== undefined) {
    const e = values('encoding').map((x) => x.toLowerCase());
    const bad = e.find((x) => !isEncodingName(x));
    if (bad) throw invalidRules(where, `match.encoding: "${bad}" must be one of ${ENCODING_NAMES.join(', ')}`);
    filters.push(setFilter('encoding', e, (r) => r.encoding));
  }
  if (match.time !== undefined) filters.push(timeFilter(match.time, where));
  return filters;
}

function carriersOf(v: unknown, where: string, field: string, required: boolean): string[] {
  const c = list(v, where, field);
  if (required && c.length === 0) throw invalidRules(where, `${field}: needs at least one carrier`);
  const bad = c.find((x) => !validCarrierId(x));
  if (bad) throw invalidRules(where, `${field}: carrier "${bad}" must be lowercase letters, digits and dashes`);
  const dup = c.find((x, i) => c.indexOf(x) !== i);
  if (dup) throw invalidRules(where, `${field}: carrier "${dup}" is listed twice`);
  return c;
}

const wholeMicros = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;

function compileAction(v: unknown, where: string): RouteAction {
  if (!isDoc(v)) throw invalidRules(where, `action: expected { type, carriers, … } (type: ${ACTION_TYPES.join(', ')})`);
  const unknown = Object.keys(v).filter((k) => !ACTION_KEYS.includes(k));
  if (unknown.length) throw invalidRules(where, `action: unknown field "${unknown[0]}" (${ACTION_KEYS.join(', ')})`);
  const type = String(v.type ?? '') as ActionType;
  if (!ACTION_TYPES.includes(type)) throw invalidRules(where, `action.type: "${String(v.type ?? '')}" must be one of ${ACTION_TYPES.join(', ')}`);
  const carriers = carriersOf(v.carriers, where, 'action.carriers', true);
  const failover = carriersOf(v.failover, where, 'action.failover', false);
  const twice = failover.find((c) => carriers.includes(c));
  if (twice) throw invalidRules(where, `action.failover: carrier "${twice}" is already in action.carriers`);
  let weights: number[] = [];
  if (type === 'weighted') {
    if (!Array.isArray(v.weights) || v.weights.length !== carriers.length || !v.weights.every((w) => typeof w === 'number' && Number.isFinite(w) && w > 0)) {
      throw invalidRules(where, `action.weights: a weighted action needs one weight > 0 per carrier (${carriers.length})`);
    }
    weights = v.weights as number[];
  } else if (v.weights !== undefined) throw invalidRules(where, 'action.weights: only a weighted action takes weights');
  if (v.maxPriceMicros !== undefined && !wholeMicros(v.maxPriceMicros)) throw invalidRules(where, 'action.maxPriceMicros: must be a whole number ≥ 0 (micro-units: 0.02 EUR = 20000)');
  const prices = new Map<string, number>();
  if (v.prices !== undefined) {
    if (!isDoc(v.prices)) throw invalidRules(where, 'action.prices: expected { carrier: micros }');
    for (const [carrier, price] of Object.entries(v.prices)) {
      if (!carriers.includes(carrier) && !failover.includes(carrier)) throw invalidRules(where, `action.prices: carrier "${carrier}" is not in carriers or failover`);
      if (!wholeMicros(price)) throw invalidRules(where, `action.prices.${carrier}: must be a whole number ≥ 0 (micro-units)`);
      prices.set(carrier, price as number);
    }
  }
  return { type, carriers, weights, failover, maxPriceMicros: v.maxPriceMicros as number | undefined, prices };
}

/** The old `routes:` list (prefix, carrier, pricePerSegmentMicros) as rules: longest prefix first, cheapest carrier, shorter prefixes as failover. */
function legacyRules(routes: unknown[], file: string): Doc[] {
  const parsed = routes.map((r, i) => {
    const where = `${file} route ${i + 1}`;
    if (!isDoc(r)) throw invalidRules(where, 'expected { id, prefix, carrier, pricePerSegmentMicros }');
    const prefix = String(r.prefix ?? '');
    if (!/^\+\d{0,15}$/.test(prefix)) throw invalidRules(where, `prefix "${prefix}" must be "+" followed by up to 15 digits`);
    const price = r.pricePerSegmentMicros ?? 0;
    if (!wholeMicros(price)) throw invalidRules(where, 'pricePerSegmentMicros must be a whole number ≥ 0');
    return { prefix, carrier: String(r.carrier ?? ''), price: price as number };
  });
  const prefixes = [...new Set(parsed.map((r) => r.prefix))].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  return prefixes.map((prefix) => {
    const own = parsed.filter((r) => r.prefix === prefix).sort((a, b) => a.price - b.price);
    const shorter = parsed.filter((r) => r.prefix.length < prefix.length && prefix.startsWith(r.prefix)).sort((a, b) => b.prefix.length - a.prefix.length || a.price - b.price);
    const carriers = [...new Set(own.map((r) => r.carrier))];
    const failover = [...new Set(shorter.map((r) => r.carrier))].filter((c) => !carriers.includes(c));
    const prices: Record<string, number> = {};
    for (const r of [...shorter.reverse(), ...own.slice().reverse()]) prices[r.carrier] = r.price;
    return { id: `routes:${prefix}`, match: prefix === '+' ? undefined : { prefix: [prefix] }, action: { type: 'least-cost', carriers, failover, prices } };
  });
}

/**
 * Validates and compiles a route rules document (config/routes.yaml, parsed). Every problem is an
 * error naming the file, the rule and the field, so a bad file is refused at load, never per message.
 */
export function compileRules(doc: unknown, file = 'routes'): RouteRules {
  if (!isDoc(doc)) throw invalidRules(file, 'expected a mapping with a "rules:" list');
  const unknown = Object.keys(doc).filter((k) => !['version', 'currency', 'exchangeRates', 'rules', 'routes'].includes(k));
  if (unknown.length) throw invalidRules(file, `unknown field "${unknown[0]}" (version, currency, exchangeRates, rules)`);
  const currency = String(doc.currency ?? 'EUR');
  if (!/^[A-Z]{3}$/.test(currency)) throw invalidRules(file, `currency "${currency}" must be an ISO 4217 code (EUR)`);
  const exchangeRates = new Map<string, number>([[currency, 1]]);
  if (doc.exchangeRates !== undefined) {
    if (!isDoc(doc.exchangeRates)) throw invalidRules(file, 'exchangeRates: expected { USD: 0.92, … } (value of one unit in the rules currency)');
    for (const [c, rate] of Object.entries(doc.exchangeRates)) {
      if (!/^[A-Z]{3}$/.test(c) || typeof rate !== 'number' || !(rate > 0)) throw invalidRules(file, `exchangeRates.${c}: must be an ISO 4217 code with a number > 0`);
      exchangeRates.set(c, rate);
    }
  }
  if (doc.rules !== undefined && doc.routes !== undefined) throw invalidRules(file, 'has both "rules:" and the older "routes:"; keep one');
  const raw = Array.isArray(doc.rules) ? doc.rules : Array.isArray(doc.routes) ? legacyRules(doc.routes, file) : undefined;
  if (!raw) throw invalidRules(file, 'expected a "rules:" list');
  const ids = new Set<string>();
  const rules = raw.map((r, i) => {
    const pos = `${file} rule ${i + 1}`;
    if (!isDoc(r)) throw invalidRules(pos, 'expected { id, match, action }');
    const id = String(r.id ?? '');
    const where = id ? `${pos} (${id})` : pos;
    if (!RULE_ID.test(id)) throw invalidRules(where, 'id is required: letters, digits and . _ : + -, up to 64');
    if (ids.has(id)) throw invalidRules(where, `id "${id}" is used twice`);
    ids.add(id);
    const extra = Object.keys(r).filter((k) => !['id', 'match', 'action', 'description'].includes(k));
    if (extra.length) throw invalidRules(where, `unknown field "${extra[0]}" (id, description, match, action)`);
    return { id, filters: compileFilters(r.match, where), action: compileAction(r.action, where) };
  });
  const carriers = [...new Set(rules.flatMap((r) => [...r.action.carriers, ...r.action.failover]))].sort();
  return { rules, currency, exchangeRates, carriers };
}
