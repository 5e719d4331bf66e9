// Routing configuration versions: what a version holds, which rate cards it lets routers use, and
// when a router switches. Storage and publication are in libs/routing/data-access-config.
import { activeRateCards, type RateCardHeader } from './rate-card';

/** Per carrier, the newest rate card version a configuration lets routers use. */
export type RateCardPins = Readonly<Record<string, number>>;

/** What a version holds: the route rules file's text and the rate card pins. */
export interface RoutingConfigContent {
  routesYaml: string;
  rateCardPins: RateCardPins;
}

export type RoutingConfigAction = 'import-routes' | 'import-rate-card' | 'rollback' | 'bootstrap';

/** A stored version: numbered 1, 2, 3… per configuration name, never changed after it is written. */
export interface RoutingConfigVersionRecord extends RoutingConfigContent {
  name: string;
  version: number;
  contentSha256: string;
  action: RoutingConfigAction;
  /** The version a rollback copied; 0 otherwise. */
  sourceVersion: number;
  createdBy: string;
  comment: string;
  createdAtMs: number;
}

/** The largest route rules text a version takes: it travels whole in one Kafka record (1 MB by default). */
export const MAX_ROUTES_YAML_BYTES = 512 * 1024;

/** A version that does not exist, or one that could not reach the routers; the message says what to do. */
export class RoutingConfigVersionError extends Error {
  constructor(
    readonly code: 'ROUTING.CONFIG_VERSION_NOT_FOUND' | 'ROUTING.CONFIG_NOT_PUBLISHED' | 'ROUTING.ROUTES_TOO_LARGE',
    message: string,
  ) {
    super(message);
    this.name = 'RoutingConfigVersionError';
  }
}

/** The same pins whatever order the carriers were added in (the digest and comparisons rely on it). */
export function sortedPins(pins: RateCardPins): RateCardPins {
  return Object.fromEntries(Object.entries(pins).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The text a version's digest is taken of: the rules and the sorted pins. */
export function contentDigestInput(content: RoutingConfigContent): string {
  return JSON.stringify({ routes: content.routesYaml, rateCards: sortedPins(content.rateCardPins) });
}

/** The pins after a rate card import: that carrier moves to its new version, the others stay. */
export function pinRateCard(pins: RateCardPins, carrier: string, version: number): RateCardPins {
  return sortedPins({ ...pins, [carrier]: version });
}

/**
 * The rate cards a configuration lets routers use now: per pinned carrier, the newest version up
 * to its pin whose effective date has come. A carrier without a pin has no card (its prices came
 * after the version, or were never imported through it).
 */
export function pinnedRateCards<T extends RateCardHeader>(headers: readonly T[], pins: RateCardPins, nowMs: number): T[] {
  return activeRateCards(
    headers.filter((h) => h.version <= (pins[h.carrier] ?? 0)),
    nowMs,
  );
}

/** Which version a router holds, enough to compare with the next record. */
export interface HeldVersion {
  version: number;
  contentSha256: string;
}

/**
 * Whether a router moves to a published version: only forward, so a late or repeated record never
 * takes a replica back (a rollback is a higher version). The same number with another content is
 * taken too: a version was published and its transaction then failed, and the next import reused
 * the number (the store's comment explains).
 */
export function shouldSwitch(held: HeldVersion | undefined, next: HeldVersion): boolean {
  if (!held) return true;
  if (next.version !== held.version) return next.version > held.version;
  return next.contentSha256 !== held.contentSha256;
}
