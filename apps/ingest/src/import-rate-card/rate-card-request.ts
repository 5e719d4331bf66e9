import type { RateCardSummary as StoredSummary } from '@smsgw/routing/data-access-config';
import { invalidRateCard, parseRateCardCsv, parseRateCardDocument, validateRateCard, type RateCard, type RateEntry } from '@smsgw/routing/domain';
import { RateCardDetails, RateCardSummary, type ImportRateCardRequest } from '@smsgw/shared/util-proto';
import { parse } from 'yaml';

/** The card an ImportRateCard request describes (not stored yet): CSV or YAML, with currency and effective date. */
export function rateCardFromRequest(request: ImportRateCardRequest, nowMs = Date.now()): Omit<RateCard, 'version'> {
  const name = `rate card for ${request.carrier || '(no carrier)'}`;
  const format = (request.format || 'csv').toLowerCase();
  let parsed: { currency?: string; effectiveAtMs?: number; entries: RateEntry[] };
  if (format === 'csv') parsed = { entries: parseRateCardCsv(request.content, name) };
  else if (format === 'yaml' || format === 'yml' || format === 'json') {
    let doc: unknown;
    try {
      doc = parse(request.content);
    } catch (err) {
      throw invalidRateCard(name, `not YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    parsed = parseRateCardDocument(doc, name);
  } else throw invalidRateCard(name, `format "${format.slice(0, 10)}" must be csv or yaml`);
  const currency = (request.currency || parsed.currency || '').toUpperCase();
  if (!currency) throw invalidRateCard(name, 'currency is missing: give --currency (a CSV has none), e.g. EUR');
  const card = { carrier: request.carrier, version: 1, currency, effectiveAtMs: request.effectiveAtMs || parsed.effectiveAtMs || nowMs, entries: parsed.entries };
  validateRateCard(card);
  return { carrier: card.carrier, currency: card.currency, effectiveAtMs: card.effectiveAtMs, entries: card.entries };
}

export const summaryMessage = (s: StoredSummary): RateCardSummary =>
  RateCardSummary.create({ carrier: s.carrier, version: s.version, currency: s.currency, effectiveAtMs: s.effectiveAtMs, importedAtMs: s.importedAtMs, entries: s.entryCount, active: s.active });

export const detailsMessage = (card: StoredSummary, entries: RateEntry[]): RateCardDetails =>
  RateCardDetails.create({ card: summaryMessage(card), entries: entries.map((e) => ({ prefix: e.prefix, country: e.country, network: e.network, priceMicros: e.priceMicros })) });
