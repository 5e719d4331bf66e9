import metadata from 'libphonenumber-js/metadata.max.json';
import { TRAFFIC_CLASSES, type Destination, type TrafficClass } from './destination';
import { csvFields, normaliseNetwork, parsePriceMicros } from './rate-card';
import { ENCODING_NAMES, isEncodingName } from '@smsgw/shared/util-proto';

/**
 * A day of traffic to price (`smsgw route simulate`): one CSV line per message, or per group of
 * messages alike (count). A header row names the columns, in any order:
 *
 *   to        (required) E.164 number (+447711123456), or a prefix ending in * (+4477*) for
 *             traffic counted by prefix: it routes like a number starting with it that no
 *             longer prefix of a rule or rate card covers
 *   count     messages (default 1)                 segments  per message (default 1)
 *   account   account id, as rules match it        sender    sender id
 *   class     otp, transactional (default), marketing
 *   encoding  gsm7 (default), ucs2, latin1
 *   time      ISO 8601 (2026-12-01T08:15:00Z) or epoch ms, for time-of-day rules (default: now)
 *   country   ISO 3166 alpha-2, overrides the number's (a prefix's default: the main country of its calling code)
 *   network   MCC-MNC, overrides the number's
 *   max_price the most a segment of it may cost, in the rules' currency (0.02): rows priced over it are reported
 */
export interface TrafficRow {
  /** 1-based line of the file, for reports. */
  line: number;
  destination: Destination;
  count: number;
  segments: number;
  account: string;
  sender: string;
  trafficClass: TrafficClass;
  encoding: string;
  atMs: number;
  /** Micro-units of the rules' currency per segment; undefined: no limit. */
  maxPriceMicros?: number;
}

export const TRAFFIC_COLUMNS = ['to', 'count', 'segments', 'account', 'sender', 'class', 'encoding', 'time', 'country', 'network', 'max_price'] as const;
type Column = (typeof TRAFFIC_COLUMNS)[number];

/** One row that cannot be read: where, which column, and what is wrong. */
export interface TrafficRowProblem {
  line: number;
  column: string;
  message: string;
}

/** A traffic file that cannot be used (or a bad row, without skipBad): code SIMULATION.INVALID_TRAFFIC. */
export class TrafficFileError extends Error {
  readonly code = 'SIMULATION.INVALID_TRAFFIC';
  constructor(
    message: string,
    readonly problem?: TrafficRowProblem,
  ) {
    super(message);
    this.name = 'TrafficFileError';
  }
}

export interface TrafficParseOptions {
  /** File name for messages. */
  name?: string;
  /** Rows without a time are routed as at this instant. */
  nowMs: number;
  /** Country and network of a number: the router's NumberLookup, synchronously (OfflineNumberLookup.destinationOf). */
  destinationOf: (e164: string) => Destination;
  /** Leave bad rows out and list them, rather than refuse the file at the first one. */
  skipBad?: boolean;
  /** How many problems are kept for the report with skipBad (all are counted). */
  keepProblems?: number;
}

export interface ParsedTraffic {
  rows: TrafficRow[];
  /** Rows left out (skipBad). */
  skipped: number;
  /** The first keepProblems of them. */
  problems: TrafficRowProblem[];
}

const MAX_COUNT = 1_000_000_000;
const MAX_SEGMENTS = 255;
const TO = /^\+?(\d{1,15})(\*?)$/;
const COUNTRY = /^[A-Z]{2}$/;
const WHOLE = /^\d{1,10}$/;
const EPOCH_MS = /^\d{1,15}$/;
/** Destinations looked up once per number; bounded so a file of a million distinct numbers stays small. */
const LOOKUP_CACHE_MAX = 200_000;

let callingCodeCountry: Map<string, string> | undefined;
/** "44" → "GB": the main country of each calling code (libphonenumber's metadata lists it first). */
function mainCountryOf(digits: string): string {
  if (!callingCodeCountry) {
    callingCodeCountry = new Map();
    for (const [code, countries] of Object.entries(metadata.country_calling_codes as Record<string, string[]>)) callingCodeCountry.set(code, countries[0]);
  }
  for (let len = 1; len <= 3 && len <= digits.length; len++) {
    const c = callingCodeCountry.get(digits.slice(0, len));
    if (c) return c;
  }
  return '';
}

/** One line's fields: commas only (a sender id may hold a ";"); the quick path when nothing is quoted. */
const fieldsOf = (line: string): string[] => (line.includes('"') ? csvFields(line, ',') : line.split(','));

class BadField extends Error {
  constructor(
    readonly column: Column | string,
    message: string,
  ) {
    super(message);
  }
}

const show = (v: string) => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);

function wholeNumber(text: string, column: Column, dflt: number, max: number): number {
  if (text === '') return dflt;
  const n = WHOLE.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= max)) throw new BadField(column, `${show(text)} must be a whole number from 1 to ${max}`);
  return n;
}

/**
 * Reads a traffic CSV (shape above). A bad row is an error naming the line and the column
 * (`traffic.csv line 12, column count: "x" must be a whole number from 1 to 1000000000`); with
 * skipBad it is left out and counted instead. "#" comments and blank lines are skipped.
 */
export function parseTrafficCsv(text: string, options: TrafficParseOptions): ParsedTraffic {
  const name = options.name ?? 'traffic';
  const keep = options.keepProblems ?? 20;
  const lines = text.split('\n');
  let at = 0;
  while (at < lines.length && (!lines[at].trim() || lines[at].trim().startsWith('#'))) at++;
  if (at >= lines.length) throw new TrafficFileError(`${name}: empty; expected a header row (${TRAFFIC_COLUMNS.join(',')}) and rows`);
  const header = fieldsOf(lines[at].trim()).map((h) => h.trim().toLowerCase());
  const unknown = header.find((h) => !(TRAFFIC_COLUMNS as readonly string[]).includes(h));
  if (unknown !== undefined) throw new TrafficFileError(`${name} line ${at + 1}: unknown column ${show(unknown)} in the header (columns: ${TRAFFIC_COLUMNS.join(', ')})`);
  const twice = header.find((h, i) => header.indexOf(h) !== i);
  if (twice) throw new TrafficFileError(`${name} line ${at + 1}: column "${twice}" is named twice`);
  if (!header.includes('to')) throw new TrafficFileError(`${name} line ${at + 1}: the header needs a "to" column (E.164 number or prefix*)`);
  const col = (c: Column) => header.indexOf(c);
  const [iTo, iCount, iSegments, iAccount, iSender, iClass, iEncoding, iTime, iCountry, iNetwork, iMax] = TRAFFIC_COLUMNS.map(col);
  const cache = new Map<string, Destination>();
  const destinationOf = (e164: string, prefix: boolean): Destination => {
    const known = cache.get(e164);
    if (known) return known;
    const d = options.destinationOf(e164);
    const destination = prefix && !d.country ? { ...d, country: mainCountryOf(e164.slice(1)) } : d;
    if (cache.size < LOOKUP_CACHE_MAX) cache.set(e164, destination);
    return destination;
  };

  const rows: TrafficRow[] = [];
  const problems: TrafficRowProblem[] = [];
  let skipped = 0;
  for (let i = at + 1; i < lines.length; i++) {
    const raw = lines[i];
    const trimmed = raw.endsWith('\r') ? raw.slice(0, -1).trim() : raw.trim();
    if (!trimmed || trimmed.startsWith('#')) continue;
    const line = i + 1;
    try {
      const f = fieldsOf(trimmed);
      if (f.length !== header.length) throw new BadField('', `expected ${header.length} fields (${header.join(',')}), found ${f.length}`);
      const get = (index: number) => (index < 0 ? '' : f[index].trim());
      const toText = get(iTo);
      const to = TO.exec(toText);
      if (!to) throw new BadField('to', `${show(toText)} must be an E.164 number (+447711123456) or a prefix ending in * (+4477*)`);
      let destination = destinationOf(`+${to[1]}`, to[2] === '*');
      const country = get(iCountry).toUpperCase();
      if (country) {
        if (!COUNTRY.test(country)) throw new BadField('country', `${show(country)} must be an ISO 3166 alpha-2 code (GB)`);
        destination = { ...destination, country };
      }
      const networkText = get(iNetwork);
      if (networkText) {
        const network = normaliseNetwork(networkText);
        if (!network) throw new BadField('network', `${show(networkText)} must be MCC-MNC (234-15)`);
        destination = { ...destination, network };
      }
      const classText = get(iClass).toLowerCase() || 'transactional';
      if (!TRAFFIC_CLASSES.includes(classText as TrafficClass)) throw new BadField('class', `${show(classText)} must be one of ${TRAFFIC_CLASSES.join(', ')}`);
      const encoding = get(iEncoding).toLowerCase() || 'gsm7';
      if (!isEncodingName(encoding)) throw new BadField('encoding', `${show(encoding)} must be one of ${ENCODING_NAMES.join(', ')}`);
      const timeText = get(iTime);
      const atMs = timeText === '' ? options.nowMs : EPOCH_MS.test(timeText) ? Number(timeText) : Date.parse(timeText);
      if (Number.isNaN(atMs)) throw new BadField('time', `${show(timeText)} must be an ISO 8601 time (2026-12-01T08:15:00Z) or epoch ms`);
      const maxText = get(iMax);
      const maxPriceMicros = maxText === '' ? undefined : parsePriceMicros(maxText);
      if (maxText !== '' && maxPriceMicros === undefined) throw new BadField('max_price', `${show(maxText)} must be a decimal price ≥ 0 with at most 6 decimals (0.02)`);
      rows.push({
        line,
        destination,
        count: wholeNumber(get(iCount), 'count', 1, MAX_COUNT),
        segments: wholeNumber(get(iSegments), 'segments', 1, MAX_SEGMENTS),
        account: get(iAccount),
        sender: get(iSender),
        trafficClass: classText as TrafficClass,
        encoding,
        atMs,
        maxPriceMicros,
      });
    } catch (err) {
      if (!(err instanceof BadField)) throw err;
      const problem = { line, column: err.column, message: err.message };
      const where = err.column ? `${name} line ${line}, column ${err.column}` : `${name} line ${line}`;
      if (!options.skipBad) throw new TrafficFileError(`${where}: ${err.message} (--skip-bad leaves such rows out)`, problem);
      skipped++;
      if (problems.length < keep) problems.push(problem);
    }
  }
  return { rows, skipped, problems };
}
