// The carriers file: how to reach each carrier's SMSC and how to talk to it. Pure: parse text,
// validate, get typed objects with every default filled in, or one error that lists every problem
// with the carrier and the field.
import { parse as parseYaml } from 'yaml';
import { DEFAULT_PERMANENT_STATUSES, RECEIPT_STATS, THROTTLING_STATUSES, commandStatusOfName, isReceiptStat, type ReceiptStat } from '@smsgw/smpp/util-wire';

export type Concatenation = 'udh8' | 'udh16' | 'sar' | 'payload';
export type NationalLanguage = 'turkish' | 'spanish' | 'portuguese';
export type BindMode = 'transceiver' | 'transmitter+receiver';
export type UnknownOutcomePolicy = 'wait-for-receipt' | 'resend-once' | 'fail';

export interface CarrierEncodingSettings {
  /** How long messages are split: concatenation UDH (8/16-bit reference), SAR TLVs, or message_payload. */
  concatenation: Concatenation;
  /** data_coding sent for GSM-7 (0 = SMSC default alphabet; some carriers want 1). */
  gsm7DataCoding: number;
  /** National shift tables the carrier's handsets support. */
  nationalLanguages: NationalLanguage[];
  /** The carrier takes ISO-8859-1 (data_coding 3). */
  latin1: boolean;
  /** Pack GSM-7 septets (rare: most SMSCs take one septet per octet). */
  packed: boolean;
}

export interface CarrierTimeouts {
  connectMs: number;
  bindMs: number;
  /** How long a submit_sm may wait for its submit_sm_resp before its outcome is unknown. */
  responseMs: number;
  /** Send enquire_link after this long without traffic from the SMSC. */
  enquireLinkIntervalMs: number;
  /** No enquire_link_resp within this: the link is dead, reconnect. */
  enquireLinkTimeoutMs: number;
  unbindMs: number;
}

export interface ReconnectPolicy {
  initialMs: number;
  maxMs: number;
  multiplier: number;
  jitter: number;
}

export interface CarrierConfig {
  id: string;
  name: string;
  host: string;
  port: number;
  tls: boolean;
  /** Verify the SMSC's TLS certificate (turn off only for self-signed test SMSCs). */
  tlsRejectUnauthorized: boolean;
  systemId: string;
  password: string;
  systemType: string;
  bindMode: BindMode;
  /** Binds (sessions) per connector replica. */
  binds: number;
  /** Maximum unanswered submit_sm per bind. */
  window: number;
  /** Carrier-wide submits per second, counted in segments, shared by the replicas; 0 = unlimited. */
  tps: number;
  encoding: CarrierEncodingSettings;
  /** command_status values that fail a message for good (no failover). */
  permanentErrors: number[];
  /** Other submit errors go to sms.retry.v1 for another carrier (true) or end FAILED (false). */
  failover: boolean;
  /**
   * What to do when a submit's outcome is unknown (no submit_sm_resp, or a restart after the
   * journaled intent): report UNKNOWN and wait for a receipt, send it once more, or fail it.
   */
  unknownOutcome: UnknownOutcomePolicy;
  /** registered_delivery for submit_sm (1 = receipt on final outcome). */
  registeredDelivery: number;
  /** submit_sm (default), or data_sm for carriers that want it (content in message_payload). */
  submitCommand: 'submit_sm' | 'data_sm';
  serviceType: string;
  timeouts: CarrierTimeouts;
  reconnect: ReconnectPolicy;
  /**
   * How the carrier writes SMSC ids in receipts compared to submit_sm_resp (read by the
   * dlr-processor for matching): same, hex-to-decimal, decimal-to-hex.
   */
  receiptIdFormat: ReceiptIdFormat;
  /** Whether the file gives receiptIdFormat; where it does not, the dlr-processor detects the format from the traffic. */
  receiptIdFormatSet: boolean;
  /**
   * The carrier's own receipt stat words and the SMPP 3.4 word each means (read by the
   * dlr-processor), e.g. { "OK_DONE": "DELIVRD" }; keys compared upper case without spaces,
   * dashes or underscores. Common spellings (DELIVERED, EXPIRD, ACKED…) need no entry.
   */
  receiptStats: Record<string, ReceiptStat>;
  /**
   * How long the carrier's SMSC keeps trying a message sent without a validity period (its
   * default), in seconds; 0 = not known. The dlr-processor expires such messages after it.
   */
  smscValiditySeconds: number;
}

export type ReceiptIdFormat = 'same' | 'hex-to-decimal' | 'decimal-to-hex';

export interface CarriersConfig {
  carriers: Map<string, CarrierConfig>;
}

export class CarriersConfigError extends Error {
  readonly code = 'CARRIERS.INVALID_CONFIG';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.length === 1 ? problems[0] : `${problems.length} problems:\n  - ${problems.join('\n  - ')}`}`);
  }
}

/** Errors another attempt cannot fix: bad length, addresses, TON/NPI, expiry. */
export const DEFAULT_PERMANENT_ERRORS: readonly number[] = DEFAULT_PERMANENT_STATUSES;
/** Statuses that always mean "slow down"; they cannot be declared permanent. */
const THROTTLING = new Set(THROTTLING_STATUSES);

const CARRIER_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

type Raw = Record<string, unknown>;

/** Collects problems with a path prefix ("carrier demo: window: …"). */
class Problems {
  readonly list: string[] = [];
  add(where: string, message: string): void {
    this.list.push(`${where}: ${message}`);
  }
}

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: unknown): string {
  return typeof v === 'string' ? `"${v}"` : JSON.stringify(v);
}

class FieldReader {
  constructor(
    private readonly raw: Raw,
    private readonly where: string,
    private readonly problems: Problems,
    private readonly known: Set<string> = new Set(),
  ) {}

  private at(key: string): string {
    return `${this.where}.${key}`;
  }

  /** Whether the key is given (not absent or null). */
  has(key: string): boolean {
    return this.raw[key] !== undefined && this.raw[key] !== null;
  }

  private get(key: string): unknown {
    this.known.add(key);
    return this.raw[key];
  }

  string(key: string, def: string | undefined, opts: { maxLength?: number; nonEmpty?: boolean } = {}): string {
    const v = this.get(key);
    if (v === undefined || v === null) {
      if (def === undefined) {
        this.problems.add(this.at(key), 'required');
        return '';
      }
      return def;
    }
    if (typeof v !== 'string' && typeof v !== 'number') {
      this.problems.add(this.at(key), `expected text, got ${show(v)}`);
      return def ?? '';
    }
    const s = String(v);
    if (opts.nonEmpty && s.trim() === '') this.problems.add(this.at(key), 'must not be empty');
    if (opts.maxLength !== undefined && s.length > opts.maxLength) this.problems.add(this.at(key), `at most ${opts.maxLength} characters (SMPP limit), got ${s.length}`);
    return s;
  }

  int(key: string, def: number | undefined, min: number, max: number): number {
    return this.number(key, def, min, max, true);
  }

  number(key: string, def: number | undefined, min: number, max: number, integer = false): number {
    const v = this.get(key);
    if (v === undefined || v === null) {
      if (def === undefined) {
        this.problems.add(this.at(key), 'required');
        return min;
      }
      return def;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
      this.problems.add(this.at(key), `expected ${integer ? 'an integer' : 'a number'} between ${min} and ${max}, got ${show(v)}`);
      return def ?? min;
    }
    if (v < min || v > max) {
      this.problems.add(this.at(key), `must be between ${min} and ${max}, got ${v}`);
      return def ?? min;
    }
    return v;
  }

  bool(key: string, def: boolean): boolean {
    const v = this.get(key);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') {
      this.problems.add(this.at(key), `expected true or false, got ${show(v)}`);
      return def;
    }
    return v;
  }

  oneOf<T extends string>(key: string, values: readonly T[], def: T): T {
    const v = this.get(key);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
      this.problems.add(this.at(key), `expected one of ${values.join(', ')}, got ${show(v)}`);
      return def;
    }
    return v as T;
  }

  object(key: string): FieldReader | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return new FieldReader({}, this.at(key), this.problems);
    if (!isObject(v)) {
      this.problems.add(this.at(key), `expected a mapping, got ${show(v)}`);
      return undefined;
    }
    return new FieldReader(v, this.at(key), this.problems);
  }

  mapping(key: string): [string, unknown][] {
    const v = this.get(key);
    if (v === undefined || v === null) return [];
    if (!isObject(v)) {
      this.problems.add(this.at(key), `expected a mapping, got ${show(v)}`);
      return [];
    }
    return Object.entries(v);
  }

  list(key: string): unknown[] | undefined {
    const v = this.get(key);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) {
      this.problems.add(this.at(key), `expected a list, got ${show(v)}`);
      return undefined;
    }
    return v;
  }

  problem(key: string, message: string): void {
    this.problems.add(this.at(key), message);
  }

  /** Reports keys nobody asked for (typos), suggesting the closest known one. */
  rejectUnknown(): void {
    for (const key of Object.keys(this.raw)) {
      if (this.known.has(key)) continue;
      const hint = suggest(key, [...this.known]);
      this.problems.add(this.at(key), `unknown field${hint ? ` (did you mean ${hint}?)` : ''}`);
    }
  }
}

function normalise(s: string): string {
  return s.toLowerCase().replace(/[_-]/g, '');
}

function suggest(key: string, known: string[]): string | undefined {
  return known.find((k) => normalise(k) === normalise(key));
}

const NATIONAL: readonly NationalLanguage[] = ['turkish', 'spanish', 'portuguese'];

function readCarrier(id: string, raw: unknown, problems: Problems): CarrierConfig | undefined {
  const where = `carriers.${id}`;
  if (!CARRIER_ID.test(id)) problems.add(where, 'the carrier id must be lowercase letters, digits and dashes (it names a Kafka topic)');
  if (!isObject(raw)) {
    problems.add(where, `expected a mapping of settings, got ${show(raw)}`);
    return undefined;
  }
  const f = new FieldReader(raw, where, problems);
  const carrier: CarrierConfig = {
    id,
    name: f.string('name', id),
    host: f.string('host', undefined, { nonEmpty: true }),
    port: f.int('port', 2775, 1, 65535),
    tls: f.bool('tls', false),
    tlsRejectUnauthorized: f.bool('tlsRejectUnauthorized', true),
    systemId: f.string('systemId', undefined, { maxLength: 15, nonEmpty: true }),
    password: f.string('password', '', { maxLength: 64 }),
    systemType: f.string('systemType', '', { maxLength: 12 }),
    bindMode: f.oneOf('bindMode', ['transceiver', 'transmitter+receiver'] as const, 'transceiver'),
    binds: f.int('binds', 1, 1, 64),
    window: f.int('window', 10, 1, 10_000),
    tps: f.number('tps', 0, 0, 1_000_000),
    encoding: readEncoding(f.object('encoding')),
    permanentErrors: readStatuses(f, 'permanentErrors'),
    failover: f.bool('failover', true),
    unknownOutcome: f.oneOf('unknownOutcome', ['wait-for-receipt', 'resend-once', 'fail'] as const, 'wait-for-receipt'),
    registeredDelivery: f.int('registeredDelivery', 1, 0, 0x1f),
    submitCommand: f.oneOf('submitCommand', ['submit_sm', 'data_sm'] as const, 'submit_sm'),
    serviceType: f.string('serviceType', '', { maxLength: 5 }),
    timeouts: readTimeouts(f.object('timeouts')),
    reconnect: readReconnect(f.object('reconnect')),
    receiptIdFormat: f.oneOf('receiptIdFormat', ['same', 'hex-to-decimal', 'decimal-to-hex'] as const, 'same'),
    receiptIdFormatSet: f.has('receiptIdFormat'),
    receiptStats: readReceiptStats(f),
    smscValiditySeconds: f.int('smscValiditySeconds', 0, 0, 7 * 86_400),
  };
  f.rejectUnknown();
  return carrier;
}

function readReceiptStats(f: FieldReader): Record<string, ReceiptStat> {
  const out: Record<string, ReceiptStat> = {};
  for (const [word, stat] of f.mapping('receiptStats')) {
    if (isReceiptStat(stat)) out[word] = stat;
    else f.problem(`receiptStats.${word}`, `expected one of ${RECEIPT_STATS.join(', ')}, got ${show(stat)}`);
  }
  return out;
}

function readEncoding(f: FieldReader | undefined): CarrierEncodingSettings {
  const def: CarrierEncodingSettings = { concatenation: 'udh8', gsm7DataCoding: 0, nationalLanguages: [], latin1: false, packed: false };
  if (!f) return def;
  const languages = f.list('nationalLanguages') ?? [];
  const nationalLanguages: NationalLanguage[] = [];
  for (const l of languages) {
    if (typeof l === 'string' && (NATIONAL as readonly string[]).includes(l)) nationalLanguages.push(l as NationalLanguage);
    else f.problem('nationalLanguages', `${show(l)} is not one of ${NATIONAL.join(', ')}`);
  }
  const out: CarrierEncodingSettings = {
    concatenation: f.oneOf('concatenation', ['udh8', 'udh16', 'sar', 'payload'] as const, def.concatenation),
    gsm7DataCoding: f.int('gsm7DataCoding', def.gsm7DataCoding, 0, 255),
    nationalLanguages,
    latin1: f.bool('latin1', def.latin1),
    packed: f.bool('packed', def.packed),
  };
  f.rejectUnknown();
  return out;
}

function readStatuses(f: FieldReader, key: string): number[] {
  const list = f.list(key);
  if (list === undefined) return [...DEFAULT_PERMANENT_ERRORS];
  const out: number[] = [];
  for (const item of list) {
    let status: number | undefined;
    if (typeof item === 'number' && Number.isInteger(item) && item > 0 && item <= 0xffffffff) status = item;
    else if (typeof item === 'string') {
      const s = item.trim();
      const named = commandStatusOfName(s);
      if (named !== undefined) status = named;
      else if (/^0x[0-9a-f]{1,8}$/i.test(s)) status = parseInt(s, 16);
    }
    if (status === undefined || status === 0) f.problem(key, `${show(item)} is not a command_status (a name like ESME_RINVDSTADR, or a number like 0x0B)`);
    else if (THROTTLING.has(status)) f.problem(key, `${show(item)} is a throttling status: it always means "slow down" and cannot be permanent`);
    else out.push(status);
  }
  return out;
}

function readTimeouts(f: FieldReader | undefined): CarrierTimeouts {
  const def: CarrierTimeouts = { connectMs: 10_000, bindMs: 10_000, responseMs: 10_000, enquireLinkIntervalMs: 30_000, enquireLinkTimeoutMs: 10_000, unbindMs: 2_000 };
  if (!f) return def;
  const out: CarrierTimeouts = {
    connectMs: f.int('connectMs', def.connectMs, 100, 300_000),
    bindMs: f.int('bindMs', def.bindMs, 100, 300_000),
    responseMs: f.int('responseMs', def.responseMs, 50, 600_000),
    enquireLinkIntervalMs: f.int('enquireLinkIntervalMs', def.enquireLinkIntervalMs, 100, 3_600_000),
    enquireLinkTimeoutMs: f.int('enquireLinkTimeoutMs', def.enquireLinkTimeoutMs, 50, 600_000),
    unbindMs: f.int('unbindMs', def.unbindMs, 50, 60_000),
  };
  f.rejectUnknown();
  return out;
}

function readReconnect(f: FieldReader | undefined): ReconnectPolicy {
  const def: ReconnectPolicy = { initialMs: 1_000, maxMs: 60_000, multiplier: 2, jitter: 0.2 };
  if (!f) return def;
  const out: ReconnectPolicy = {
    initialMs: f.int('initialMs', def.initialMs, 10, 600_000),
    maxMs: f.int('maxMs', def.maxMs, 10, 3_600_000),
    multiplier: f.number('multiplier', def.multiplier, 1, 10),
    jitter: f.number('jitter', def.jitter, 0, 1),
  };
  if (out.maxMs < out.initialMs) f.problem('maxMs', `must be at least initialMs (${out.initialMs}), got ${out.maxMs}`);
  f.rejectUnknown();
  return out;
}

/** Validates a parsed carriers document (`{ carriers: { <id>: {...} } }`). */
export function readCarriersConfig(doc: unknown, source = 'carriers config'): CarriersConfig {
  const problems = new Problems();
  const carriers = new Map<string, CarrierConfig>();
  if (!isObject(doc)) throw new CarriersConfigError(source, [`expected a mapping with a "carriers" key, got ${show(doc)}`]);
  for (const key of Object.keys(doc)) {
    if (key !== 'carriers' && key !== 'version') problems.add(key, 'unknown top-level key (expected "carriers")');
  }
  const raw = doc['carriers'];
  if (!isObject(raw)) {
    problems.add('carriers', `expected a mapping of carrier id → settings, got ${show(raw)}`);
  } else {
    for (const [id, settings] of Object.entries(raw)) {
      const c = readCarrier(id, settings, problems);
      if (c) carriers.set(id, c);
    }
    if (Object.keys(raw).length === 0) problems.add('carriers', 'no carrier defined');
  }
  if (problems.list.length) throw new CarriersConfigError(source, problems.list);
  return { carriers };
}

/** Parses and validates the YAML text of a carriers file; `source` (the path) prefixes errors. */
export function parseCarriersConfig(yamlText: string, source = 'carriers config'): CarriersConfig {
  let doc: unknown;
  try {
    doc = parseYaml(yamlText);
  } catch (err) {
    throw new CarriersConfigError(source, [`not valid YAML: ${(err as Error).message}`]);
  }
  return readCarriersConfig(doc, source);
}

/** The settings of one carrier, or an error naming the ones that exist. */
export function carrierById(config: CarriersConfig, id: string, source = 'carriers config'): CarrierConfig {
  const c = config.carriers.get(id);
  if (!c) throw new CarriersConfigError(source, [`no carrier "${id}" (defined: ${[...config.carriers.keys()].join(', ') || 'none'})`]);
  return c;
}
