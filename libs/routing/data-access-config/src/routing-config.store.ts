// Routing configuration versions in PostgreSQL (schema: migrations/0017_routing_config_versions.sql).
//
// Invariant: a version is stored if and only if it was published on sms.routing-config.v1, and
// versions are published in their order. Every change runs in one transaction holding an advisory
// lock per configuration name: read the newest version, insert the next, publish it (acks=all),
// commit. Kafka down → the publish fails, the transaction rolls back, nothing is stored
// (ROUTING.CONFIG_NOT_PUBLISHED). The lock is held across the publish, so two admin calls at once
// (two ingest replicas) publish 5 before 6, and the compacted topic's last record is the newest.
// The one gap: the publish is acknowledged and the commit then fails (the connection dies in that
// instant); routers run a version PostgreSQL lacks, and the next change reuses its number with
// another content, which routers take too (shouldSwitch compares the digest).
import { createHash } from 'node:crypto';
import {
  MAX_ROUTES_YAML_BYTES,
  RoutingConfigVersionError,
  compileRules,
  contentDigestInput,
  invalidRules,
  pinRateCard,
  sortedPins,
  type RateCard,
  type RateCardPins,
  type RoutingConfigAction,
  type RoutingConfigContent,
  type RoutingConfigVersionRecord,
  type RouteRules,
} from '@smsgw/routing/domain';
import type { Pool, PoolClient } from 'pg';
import { parse } from 'yaml';
import { importRateCard, type Queryable, type RateCardSummary } from './rate-card.store';

/** Publishes a version (acks=all); throws when the broker did not take it. */
export type PublishRoutingConfig = (record: RoutingConfigVersionRecord) => Promise<void>;

export interface ChangeAuthor {
  createdBy: string;
  comment: string;
}

export interface RoutingConfigChangeResult {
  /** The new version; with unchanged, the current one (undefined: there is none yet). */
  record: RoutingConfigVersionRecord | undefined;
  unchanged: boolean;
}

interface VersionRow {
  name: string;
  version: number;
  routes_yaml: string;
  rate_card_pins: Record<string, number>;
  content_sha256: string;
  action: RoutingConfigAction;
  source_version: number;
  created_by: string;
  comment: string;
  created_at: Date;
}

const COLUMNS = 'name, version, routes_yaml, rate_card_pins, content_sha256, action, source_version, created_by, comment, created_at';
const LOCK_SPACE = 'smsgw.routing-config';

const toRecord = (r: VersionRow): RoutingConfigVersionRecord => ({
  name: r.name,
  version: r.version,
  routesYaml: r.routes_yaml,
  rateCardPins: sortedPins(r.rate_card_pins),
  contentSha256: r.content_sha256,
  action: r.action,
  sourceVersion: r.source_version,
  createdBy: r.created_by,
  comment: r.comment,
  createdAtMs: r.created_at.getTime(),
});

export const contentSha256 = (content: RoutingConfigContent) => createHash('sha256').update(contentDigestInput(content)).digest('hex');

/** Reads and validates a route rules text; the error names the rule and the field (ROUTING.INVALID_RULES). */
export function compileRoutesYaml(text: string, name = 'routes'): RouteRules {
  if (Buffer.byteLength(text) > MAX_ROUTES_YAML_BYTES) {
    throw new RoutingConfigVersionError('ROUTING.ROUTES_TOO_LARGE', `${name}: ${Buffer.byteLength(text)} bytes; a route rules file may have at most ${MAX_ROUTES_YAML_BYTES} (it travels in one Kafka record)`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw invalidRules(name, `not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  return compileRules(doc, name);
}

/** The newest version of a configuration (the one in force), or undefined. */
export async function latestRoutingConfig(db: Queryable, name: string): Promise<RoutingConfigVersionRecord | undefined> {
  const { rows } = await db.query<VersionRow>(`SELECT ${COLUMNS} FROM routing_config_versions WHERE name = $1 ORDER BY version DESC LIMIT 1`, [name]);
  return rows[0] && toRecord(rows[0]);
}

/** One version; version 0: the newest. Throws ROUTING.CONFIG_VERSION_NOT_FOUND. */
export async function getRoutingConfig(db: Queryable, name: string, version = 0): Promise<RoutingConfigVersionRecord> {
  const found = version ? (await db.query<VersionRow>(`SELECT ${COLUMNS} FROM routing_config_versions WHERE name = $1 AND version = $2`, [name, version])).rows.map(toRecord)[0] : await latestRoutingConfig(db, name);
  if (!found) {
    throw new RoutingConfigVersionError(
      'ROUTING.CONFIG_VERSION_NOT_FOUND',
      version ? `routing configuration "${name}" has no version ${version}; smsgw routes history lists them` : `routing configuration "${name}" has no version yet; import a routes file (smsgw routes import) or start a router with ROUTES_FILE`,
    );
  }
  return found;
}

/** Versions, newest first. */
export async function listRoutingConfigs(db: Queryable, name: string, limit = 50): Promise<RoutingConfigVersionRecord[]> {
  const { rows } = await db.query<VersionRow>(`SELECT ${COLUMNS} FROM routing_config_versions WHERE name = $1 ORDER BY version DESC LIMIT $2`, [name, limit]);
  return rows.map(toRecord);
}

/** Every carrier's newest rate card version: the pins of a configuration's first version. */
async function newestRateCardPins(db: Queryable): Promise<RateCardPins> {
  const { rows } = await db.query<{ carrier_id: string; version: number }>(`SELECT carrier_id, max(version) AS version FROM rate_cards GROUP BY carrier_id`);
  return sortedPins(Object.fromEntries(rows.map((r) => [r.carrier_id, r.version])));
}

interface PlannedVersion {
  content: RoutingConfigContent;
  action: RoutingConfigAction;
  sourceVersion?: number;
}

/** What to do given the newest version: a new version, or nothing (undefined: unchanged). */
type Plan = (latest: RoutingConfigVersionRecord | undefined, db: Queryable) => Promise<PlannedVersion | undefined>;

/** The transaction of the invariant at the top of this file. */
async function change(pool: Pool, name: string, plan: Plan, author: ChangeAuthor, publish: PublishRoutingConfig, republishLatest = false): Promise<RoutingConfigChangeResult> {
  const client: PoolClient = await pool.connect();
  let done = false;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [LOCK_SPACE, name]);
    const latest = await latestRoutingConfig(client, name);
    const planned = await plan(latest, client);
    if (!planned) {
      if (republishLatest && latest) await publishOrExplain(publish, latest);
      await client.query('COMMIT');
      done = true;
      return { record: latest, unchanged: true };
    }
    const content = { routesYaml: planned.content.routesYaml, rateCardPins: sortedPins(planned.content.rateCardPins) };
    const { rows } = await client.query<VersionRow>(
      `INSERT INTO routing_config_versions (name, version, routes_yaml, rate_card_pins, content_sha256, action, source_version, created_by, comment)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING ${COLUMNS}`,
      [name, (latest?.version ?? 0) + 1, content.routesYaml, JSON.stringify(content.rateCardPins), contentSha256(content), planned.action, planned.sourceVersion ?? 0, author.createdBy.slice(0, 200), author.comment.slice(0, 2000)],
    );
    const record = toRecord(rows[0]);
    await publishOrExplain(publish, record);
    await client.query('COMMIT');
    done = true;
    return { record, unchanged: false };
  } finally {
    if (!done) await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

async function publishOrExplain(publish: PublishRoutingConfig, record: RoutingConfigVersionRecord): Promise<void> {
  try {
    await publish(record);
  } catch (err) {
    throw new RoutingConfigVersionError('ROUTING.CONFIG_NOT_PUBLISHED', `routing configuration version ${record.version} could not be published on Kafka (${(err as Error).message}); nothing was stored; retry when Kafka is back`);
  }
}

/**
 * A route rules file as the next version, with the rate card pins of the current one (the first
 * version pins every carrier's newest card). Validated before anything is stored; a text equal
 * to the current version's makes no version.
 */
export async function importRoutes(pool: Pool, name: string, routesYaml: string, author: ChangeAuthor, publish: PublishRoutingConfig): Promise<RoutingConfigChangeResult> {
  compileRoutesYaml(routesYaml);
  return change(
    pool,
    name,
    async (latest, db) => {
      const content = { routesYaml, rateCardPins: latest?.rateCardPins ?? (await newestRateCardPins(db)) };
      if (latest && contentSha256(content) === latest.contentSha256) return undefined;
      return { content, action: 'import-routes' };
    },
    author,
    publish,
  );
}

/** A new version whose content is version `version`'s (history stays append-only). */
export async function rollbackRoutingConfig(pool: Pool, name: string, version: number, author: ChangeAuthor, publish: PublishRoutingConfig): Promise<RoutingConfigChangeResult> {
  return change(
    pool,
    name,
    async (_latest, db) => {
      if (!Number.isInteger(version) || version < 1) throw new RoutingConfigVersionError('ROUTING.CONFIG_VERSION_NOT_FOUND', `version must be 1 or more; smsgw routes history lists them`);
      const source = await getRoutingConfig(db, name, version);
      return { content: source, action: 'rollback', sourceVersion: source.version };
    },
    { createdBy: author.createdBy, comment: author.comment || `rollback to version ${version}` },
    publish,
  );
}

/**
 * A rate card as its carrier's next version (committed on its own first: routers load its prices
 * by carrier and version once they see the configuration), then the next configuration version,
 * with that carrier pinned to it. No configuration yet: only the card is stored; the first
 * version will pin it.
 */
export async function importRateCardVersion(
  pool: Pool,
  name: string,
  card: Omit<RateCard, 'version'>,
  author: ChangeAuthor,
  publish: PublishRoutingConfig,
): Promise<{ card: RateCardSummary; config: RoutingConfigChangeResult }> {
  const stored = await importRateCard(pool, card);
  try {
    const config = await change(
      pool,
      name,
      async (latest) => latest && { content: { routesYaml: latest.routesYaml, rateCardPins: pinRateCard(latest.rateCardPins, stored.carrier, stored.version) }, action: 'import-rate-card' },
      { createdBy: author.createdBy, comment: author.comment || `rate card ${stored.carrier} v${stored.version}` },
      publish,
    );
    return { card: stored, config };
  } catch (err) {
    if (!(err instanceof RoutingConfigVersionError)) throw err;
    // The card is stored but no version pins it: routers do not use it; importing it again does no harm.
    throw new RoutingConfigVersionError(err.code, `rate card ${stored.carrier} v${stored.version} is stored but not in use: ${err.message.replace(/; nothing was stored.*$/, '')}; import it again when Kafka is back`);
  }
}

/**
 * What a router does when the topic has no version of its configuration: the newest stored
 * version is published again (a new topic, or one that lost its data); with none stored, the
 * route rules file becomes version 1, pinning every carrier's newest rate card. readRoutes throws
 * for a file that is missing (its message names the file).
 */
export async function bootstrapRoutingConfig(pool: Pool, name: string, readRoutes: () => string, createdBy: string, publish: PublishRoutingConfig): Promise<RoutingConfigChangeResult> {
  return change(
    pool,
    name,
    async (latest, db) => {
      if (latest) return undefined;
      const routesYaml = readRoutes(); // read only when needed: with a version stored the file may be gone
      compileRoutesYaml(routesYaml);
      return { content: { routesYaml, rateCardPins: await newestRateCardPins(db) }, action: 'bootstrap' };
    },
    { createdBy, comment: 'first version, from ROUTES_FILE' },
    publish,
    true,
  );
}
