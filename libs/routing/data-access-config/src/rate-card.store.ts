// Rate cards in PostgreSQL (schema: libs/shared/data-access-db/migrations/0013_rate_cards.sql).
// The admin API imports and reads them; routers (and ingest, for Explain) keep the active versions
// in memory through RateCardWatcher, which polls the small headers table and loads a version's
// entries once, when it becomes active. Plain functions over anything that runs a query.
import { RateBook, activeRateCards, pinnedRateCards, validateRateCard, type RateCard, type RateCardHeader, type RateCardPins, type RateEntry } from '@smsgw/routing/domain';
import type { QueryResult, QueryResultRow } from 'pg';

export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

export interface RateCardSummary extends RateCardHeader {
  importedAtMs: number;
  entryCount: number;
  /** The newest version in effect now. */
  active: boolean;
}

interface HeaderRow {
  carrier_id: string;
  version: number;
  currency: string;
  effective_at: Date;
  imported_at: Date;
  entry_count: number;
}

const HEADER_COLUMNS = 'carrier_id, version, currency, effective_at, imported_at, entry_count';
const UNIQUE_VIOLATION = '23505';
const toHeader = (r: HeaderRow) => ({ carrier: r.carrier_id, version: r.version, currency: r.currency, effectiveAtMs: r.effective_at.getTime(), importedAtMs: r.imported_at.getTime(), entryCount: r.entry_count });

function withActive(rows: HeaderRow[], nowMs: number): RateCardSummary[] {
  const headers = rows.map(toHeader);
  const active = new Set(activeRateCards(headers, nowMs).map((h) => `${h.carrier}/${h.version}`));
  return headers.map((h) => ({ ...h, active: active.has(`${h.carrier}/${h.version}`) }));
}

/**
 * Stores a card as its carrier's next version, header and prices in one statement (both or
 * neither). Two imports for one carrier at once: the second gets a key conflict and tries again.
 */
export async function importRateCard(db: Queryable, card: Omit<RateCard, 'version'>, nowMs = Date.now()): Promise<RateCardSummary> {
  validateRateCard({ ...card, version: 1 });
  const e = card.entries;
  for (let attempt = 0; ; attempt++) {
    try {
      const { rows } = await db.query<HeaderRow>(
        `WITH card AS (
           INSERT INTO rate_cards (carrier_id, version, currency, effective_at, entry_count)
           SELECT $1, COALESCE(max(version), 0) + 1, $2, to_timestamp($3 / 1000.0), $4 FROM rate_cards WHERE carrier_id = $1
           RETURNING ${HEADER_COLUMNS}
         ), entries AS (
           INSERT INTO rate_card_entries (carrier_id, version, prefix, country, network, price_micros)
           SELECT card.carrier_id, card.version, u.prefix, u.country, u.network, u.price
             FROM card, unnest($5::text[], $6::text[], $7::text[], $8::bigint[]) AS u(prefix, country, network, price)
         )
         SELECT ${HEADER_COLUMNS} FROM card`,
        [card.carrier, card.currency, card.effectiveAtMs, e.length, e.map((x) => x.prefix), e.map((x) => x.country), e.map((x) => x.network), e.map((x) => x.priceMicros)],
      );
      const all = await db.query<HeaderRow>(`SELECT ${HEADER_COLUMNS} FROM rate_cards WHERE carrier_id = $1`, [card.carrier]);
      return withActive(all.rows, nowMs).find((s) => s.version === rows[0].version) as RateCardSummary;
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION || attempt >= 3) throw err;
    }
  }
}

/** Every version (of one carrier, or all), newest first per carrier. */
export async function listRateCards(db: Queryable, carrier = '', nowMs = Date.now()): Promise<RateCardSummary[]> {
  const { rows } = await db.query<HeaderRow>(`SELECT ${HEADER_COLUMNS} FROM rate_cards WHERE $1 = '' OR carrier_id = $1 ORDER BY carrier_id, version DESC`, [carrier]);
  return withActive(rows, nowMs);
}

async function entriesOf(db: Queryable, cards: readonly RateCardHeader[]): Promise<Map<string, RateEntry[]>> {
  const out = new Map<string, RateEntry[]>(cards.map((c) => [`${c.carrier}/${c.version}`, []]));
  if (cards.length === 0) return out;
  const { rows } = await db.query<{ carrier_id: string; version: number; prefix: string; country: string; network: string; price_micros: string }>(
    `SELECT e.carrier_id, e.version, e.prefix, e.country, e.network, e.price_micros
       FROM rate_card_entries e JOIN unnest($1::text[], $2::int[]) AS u(carrier_id, version) USING (carrier_id, version)`,
    [cards.map((c) => c.carrier), cards.map((c) => c.version)],
  );
  for (const r of rows) out.get(`${r.carrier_id}/${r.version}`)?.push({ prefix: r.prefix, country: r.country, network: r.network, priceMicros: Number(r.price_micros) });
  return out;
}

/** One version with its prices; version 0: the active one. Undefined when there is none. */
export async function getRateCard(db: Queryable, carrier: string, version = 0, nowMs = Date.now()): Promise<{ card: RateCardSummary; entries: RateEntry[] } | undefined> {
  const all = await listRateCards(db, carrier, nowMs);
  const card = all.find((c) => (version ? c.version === version : c.active));
  if (!card) return undefined;
  const entries = (await entriesOf(db, [card])).get(`${card.carrier}/${card.version}`) ?? [];
  entries.sort((a, b) => (a.prefix + a.network + a.country < b.prefix + b.network + b.country ? -1 : 1));
  return { card, entries };
}

async function activeHeaders(db: Queryable, nowMs: number): Promise<RateCardHeader[]> {
  const { rows } = await db.query<HeaderRow>(`SELECT ${HEADER_COLUMNS} FROM rate_cards`);
  return activeRateCards(rows.map(toHeader), nowMs);
}

async function withEntries(db: Queryable, headers: RateCardHeader[]): Promise<RateCard[]> {
  const entries = await entriesOf(db, headers);
  return headers.map((h) => ({ carrier: h.carrier, version: h.version, currency: h.currency, effectiveAtMs: h.effectiveAtMs, entries: entries.get(`${h.carrier}/${h.version}`) ?? [] }));
}

/** The active version of every carrier, with its prices. */
export async function loadActiveRateCards(db: Queryable, nowMs = Date.now()): Promise<RateCard[]> {
  return withEntries(db, await activeHeaders(db, nowMs));
}

/** The headers a routing configuration's pins let routers use now (one small query). */
export async function pinnedRateCardHeaders(db: Queryable, pins: RateCardPins, nowMs = Date.now()): Promise<RateCardHeader[]> {
  const carriers = Object.keys(pins);
  if (carriers.length === 0) return [];
  const { rows } = await db.query<HeaderRow>(`SELECT ${HEADER_COLUMNS} FROM rate_cards WHERE carrier_id = ANY($1::text[])`, [carriers]);
  return pinnedRateCards(rows.map(toHeader), pins, nowMs);
}

/** Those cards with their prices. */
export function loadRateCards(db: Queryable, headers: RateCardHeader[]): Promise<RateCard[]> {
  return withEntries(db, headers);
}

/** Which card versions a book holds, to see whether a reload is due. */
export const rateCardsFingerprint = (headers: readonly RateCardHeader[]) => headers.map((h) => `${h.carrier}/${h.version}`).join(',');

export interface RateCardWatcherOptions {
  /** How often the headers are read (ms). */
  intervalMs: number;
  /** A new set of active versions was loaded. */
  onChange: (book: RateBook) => void;
  onError: (err: Error) => void;
  now?: () => number;
}

/**
 * Keeps the active rate cards in memory: every interval one query of the headers (a few rows per
 * carrier); only when the set of active versions changes — an import, or an effective date that
 * came — are that version's entries read. Call start() once; it resolves after the first load.
 */
export class RateCardWatcher {
  private timer: NodeJS.Timeout | undefined;
  private loaded = '';
  private book = new RateBook();

  constructor(
    private readonly db: Queryable,
    private readonly options: RateCardWatcherOptions,
  ) {}

  get current(): RateBook {
    return this.book;
  }

  async start(): Promise<RateBook> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch((err: Error) => this.options.onError(err)), this.options.intervalMs);
    this.timer.unref();
    return this.book;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Reads the headers; reloads when the active versions changed. True when it reloaded. */
  async refresh(): Promise<boolean> {
    const active = await activeHeaders(this.db, (this.options.now ?? Date.now)());
    const fingerprint = active.map((h) => `${h.carrier}/${h.version}`).join(',');
    if (fingerprint === this.loaded) return false;
    this.book = new RateBook(await withEntries(this.db, active));
    this.loaded = fingerprint;
    this.options.onChange(this.book);
    return true;
  }
}
