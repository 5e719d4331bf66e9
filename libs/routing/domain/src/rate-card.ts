import type { Destination } from './destination';
import { invalidRateCard } from './errors';

/**
 * One price of a rate card. The most specific key of a destination wins: the longest matching
 * prefix, else its mobile network, else its country.
 */
export interface RateEntry {
  /** E.164 prefix with "+" ("+4477"), or "". */
  prefix: string;
  /** ISO 3166 alpha-2, or "" (with a prefix: for people only). */
  country: string;
  /** "MCC-MNC" ("234-15"), or "". */
  network: string;
  /** Price per segment in micro-units of the card's currency (0.0125 EUR = 12500). */
  priceMicros: number;
}

/** A carrier's prices, one version of them. Versions only grow; the active one is the newest in effect. */
export interface RateCard {
  carrier: string;
  version: number;
  /** ISO 4217 ("EUR"). */
  currency: string;
  /** From when this version applies (epoch ms). */
  effectiveAtMs: number;
  entries: RateEntry[];
}

export type RateCardHeader = Omit<RateCard, 'entries'>;

/** A matched price, with the key that matched (for Explain). */
export interface Rate {
  priceMicros: number;
  currency: string;
  /** "prefix +4477", "network 234-15" or "country GB". */
  basis: string;
  version: number;
}

const CARRIER = /^[a-z0-9][a-z0-9-]{0,62}$/;
const CURRENCY = /^[A-Z]{3}$/;
const COUNTRY = /^[A-Z]{2}$/;
const PRICE = /^\d{1,9}(\.\d{1,6})?$/;
const MAX_RANGE = 10_000;

export function validCarrierId(id: string): boolean {
  return CARRIER.test(id);
}

/** "0.0125" → 12500: decimal text to micro-units without floating-point rounding. */
export function parsePriceMicros(text: string): number | undefined {
  const t = text.trim();
  if (!PRICE.test(t)) return undefined;
  const [units, fraction = ''] = t.split('.');
  return Number(units) * 1_000_000 + Number(fraction.padEnd(6, '0'));
}

/** 12500 → "0.0125". */
export function formatMicros(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const abs = Math.abs(micros);
  const fraction = String(abs % 1_000_000).padStart(6, '0').replace(/0+$/, '');
  return `${sign}${Math.floor(abs / 1_000_000)}${fraction ? `.${fraction}` : ''}`;
}

/** "234-15", "23415" or "234015" → "234-15" / "234-015"; undefined when it is none of them. */
export function normaliseNetwork(text: string): string | undefined {
  const t = text.trim();
  const m = /^(\d{3})-?(\d{2,3})$/.exec(t);
  return m ? `${m[1]}-${m[2]}` : undefined;
}

/** "+4477", "4477" or a range of equal-length prefixes "447700-447799" → E.164 prefixes. */
export function expandPrefix(text: string): string[] | undefined {
  const t = text.trim().replace(/^\+/, '');
  const range = /^(\d{1,15})-\+?(\d{1,15})$/.exec(t);
  if (range) {
    const [, from, to] = range;
    if (from.length !== to.length || from > to) return undefined;
    const n = Number(to) - Number(from) + 1;
    if (n > MAX_RANGE) return undefined;
    return Array.from({ length: n }, (_, i) => `+${String(Number(from) + i).padStart(from.length, '0')}`);
  }
  return /^\d{1,15}$/.test(t) ? [`+${t}`] : undefined;
}

/** Raw fields of one line or list item, before checking. */
interface RawRate {
  prefix?: unknown;
  country?: unknown;
  network?: unknown;
  price?: unknown;
}

function entriesOf(raw: RawRate, where: string): RateEntry[] {
  const text = (v: unknown) => (v === undefined || v === null ? '' : String(v).trim());
  const prefixText = text(raw.prefix);
  const country = text(raw.country).toUpperCase();
  const networkText = text(raw.network);
  const priceText = text(raw.price);
  const priceMicros = parsePriceMicros(priceText);
  if (priceMicros === undefined) throw invalidRateCard(where, `price "${priceText}" must be a decimal number ≥ 0 with at most 6 decimals, e.g. 0.0125`);
  if (country && !COUNTRY.test(country)) throw invalidRateCard(where, `country "${country}" must be an ISO 3166 alpha-2 code, e.g. GB`);
  const network = networkText ? normaliseNetwork(networkText) : '';
  if (network === undefined) throw invalidRateCard(where, `network "${networkText}" must be MCC-MNC, e.g. 234-15 (or 23415)`);
  if (!prefixText) {
    if (!country && !network) throw invalidRateCard(where, 'needs a prefix, a country or a network');
    return [{ prefix: '', country, network, priceMicros }];
  }
  const prefixes = expandPrefix(prefixText);
  if (!prefixes) throw invalidRateCard(where, `prefix "${prefixText}" must be digits ("4477"), or a range of prefixes of one length ("447700-447799", at most ${MAX_RANGE})`);
  return prefixes.map((prefix) => ({ prefix, country, network, priceMicros }));
}

/** Splits one CSV line on any of `separators`, with "quoted, fields" and "" for a quote inside them. */
export function csvFields(line: string, separators = ',;'): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (separators.includes(c)) {
      out.push(field);
      field = '';
    } else field += c;
  }
  out.push(field);
  return out;
}

/**
 * A carrier's CSV rate sheet: `prefix,country,network,price` per line, a header line optional,
 * empty fields allowed (a country-wide price has no prefix), "#" comments and blank lines skipped.
 * A network column holding a name ("Vodafone") rather than MCC-MNC is refused: routing matches codes.
 */
export function parseRateCardCsv(text: string, name = 'rate card'): RateEntry[] {
  const entries: RateEntry[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#')) return;
    const fields = csvFields(trimmed);
    if (i === 0 && fields[0]?.trim().toLowerCase() === 'prefix') return;
    const where = `${name} line ${i + 1}`;
    if (fields.length !== 4) throw invalidRateCard(where, `expected 4 fields (prefix,country,network,price), found ${fields.length}`);
    const [prefix, country, network, price] = fields;
    entries.push(...entriesOf({ prefix, country, network, price }, where));
  });
  return checkEntries(entries, name);
}

/** The YAML (or JSON) form: `{ currency?, effective?, rates: [{ prefix?, country?, network?, price }] }`. */
export function parseRateCardDocument(doc: unknown, name = 'rate card'): { currency?: string; effectiveAtMs?: number; entries: RateEntry[] } {
  if (!doc || typeof doc !== 'object') throw invalidRateCard(name, 'expected a mapping with a "rates:" list');
  const d = doc as { currency?: unknown; effective?: unknown; rates?: unknown };
  if (!Array.isArray(d.rates)) throw invalidRateCard(name, 'expected a "rates:" list');
  const entries = d.rates.flatMap((r, i) => {
    if (!r || typeof r !== 'object') throw invalidRateCard(`${name} rate ${i + 1}`, 'expected { prefix, country, network, price }');
    return entriesOf(r as RawRate, `${name} rate ${i + 1}`);
  });
  const effective = d.effective === undefined ? undefined : d.effective instanceof Date ? d.effective.getTime() : Date.parse(String(d.effective));
  if (effective !== undefined && Number.isNaN(effective)) throw invalidRateCard(name, `effective "${String(d.effective)}" is not a date (ISO 8601, e.g. 2026-12-01T00:00:00Z)`);
  return { currency: d.currency === undefined ? undefined : String(d.currency), effectiveAtMs: effective, entries: checkEntries(entries, name) };
}

const keyOf = (e: RateEntry) => (e.prefix ? `prefix ${e.prefix}` : e.network ? `network ${e.network}` : `country ${e.country}`);

function checkEntries(entries: RateEntry[], name: string): RateEntry[] {
  if (entries.length === 0) throw invalidRateCard(name, 'has no prices');
  const seen = new Set<string>();
  for (const e of entries) {
    const key = keyOf(e);
    if (seen.has(key)) throw invalidRateCard(name, `${key} is priced twice`);
    seen.add(key);
  }
  return entries;
}

/** Checks a whole card before it is stored. */
export function validateRateCard(card: RateCard): RateCard {
  const where = `rate card ${card.carrier || '(no carrier)'} v${card.version}`;
  if (!CARRIER.test(card.carrier)) throw invalidRateCard(where, `carrier "${card.carrier}" must be lowercase letters, digits and dashes`);
  if (!CURRENCY.test(card.currency)) throw invalidRateCard(where, `currency "${card.currency}" must be an ISO 4217 code, e.g. EUR`);
  if (!Number.isFinite(card.effectiveAtMs)) throw invalidRateCard(where, 'effective date is missing');
  checkEntries(card.entries, where);
  return card;
}

/** Per carrier, the newest version whose effective date has come. */
export function activeRateCards<T extends RateCardHeader>(cards: readonly T[], nowMs: number): T[] {
  const best = new Map<string, T>();
  for (const c of cards) {
    if (c.effectiveAtMs > nowMs) continue;
    const seen = best.get(c.carrier);
    if (!seen || c.version > seen.version) best.set(c.carrier, c);
  }
  return [...best.values()].sort((a, b) => (a.carrier < b.carrier ? -1 : 1));
}

interface CarrierRates {
  header: RateCardHeader;
  byPrefix: Map<string, Rate>;
  byNetwork: Map<string, Rate>;
  byCountry: Map<string, Rate>;
  longest: number;
}

/** The active rate cards, indexed for lookups on the hot path (maps, no scans). */
export class RateBook {
  private readonly carriers = new Map<string, CarrierRates>();

  constructor(readonly cards: readonly RateCard[] = []) {
    for (const card of cards) {
      const rates: CarrierRates = { header: { carrier: card.carrier, version: card.version, currency: card.currency, effectiveAtMs: card.effectiveAtMs }, byPrefix: new Map(), byNetwork: new Map(), byCountry: new Map(), longest: 0 };
      for (const e of card.entries) {
        const rate: Rate = { priceMicros: e.priceMicros, currency: card.currency, basis: keyOf(e), version: card.version };
        if (e.prefix) {
          rates.byPrefix.set(e.prefix, rate);
          rates.longest = Math.max(rates.longest, e.prefix.length);
        } else if (e.network) rates.byNetwork.set(e.network, rate);
        else rates.byCountry.set(e.country, rate);
      }
      this.carriers.set(card.carrier, rates);
    }
  }

  has(carrier: string): boolean {
    return this.carriers.has(carrier);
  }

  header(carrier: string): RateCardHeader | undefined {
    return this.carriers.get(carrier)?.header;
  }

  /** The carrier's price for the destination, or undefined when its card has none (or it has no card). */
  priceFor(carrier: string, destination: Destination): Rate | undefined {
    const rates = this.carriers.get(carrier);
    if (!rates) return undefined;
    const n = destination.e164;
    for (let len = Math.min(rates.longest, n.length); len > 1; len--) {
      const hit = rates.byPrefix.get(n.slice(0, len));
      if (hit) return hit;
    }
    return (destination.network && rates.byNetwork.get(destination.network)) || (destination.country && rates.byCountry.get(destination.country)) || undefined;
  }
}
