// The inbound router against the real PostgreSQL and broker: a fetch of sms.inbound.v1 is routed
// with one query and one statement, opt-outs land in the suppression list once, and the routed
// messages and automatic replies are published (sms.inbound.routed.v1, sms.accepted.v1).
import 'reflect-metadata';
import { createAccount } from '@smsgw/accounts/data-access-store';
import { TOPICS, createKafka, setTopicPrefix, type ConsumedFetch, type OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import { loadConfig } from '@smsgw/shared/util-config';
import { createLogger } from '@smsgw/shared/util-logging';
import { createMetricsRegistry } from '@smsgw/shared/util-metrics';
import { InboundAction, InboundMatch, InboundMessage, type MessageAccepted } from '@smsgw/shared/util-proto';
import { addNumber, setInboundSettings } from '@smsgw/twoway/data-access-store';
import { DEFAULT_INBOUND_SETTINGS } from '@smsgw/twoway/domain';
import { Pool } from 'pg';
import { DLR_ENV } from '../env';
import { AppProducer, HealthRegistry } from '@smsgw/shared/feature-ops';
import { DLR_KAFKA } from '../dlr-kafka';
import { InboundRouter } from './inbound-router.service';

jest.setTimeout(60_000);

const run = `${Date.now().toString(36)}${process.pid}`;
setTopicPrefix(`it-inbound-${run}.`);
const tail = String(Date.now()).slice(-5);
const config = loadConfig(DLR_ENV, { ...process.env, LOG_LEVEL: 'warn', INBOUND_HELP_REPLY: 'ACME help: reply STOP to stop' });
const logger = createLogger({ app: 'inbound-it', level: 'silent' });
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: `inbound-it-${run}`, logger });
const pool = new Pool({ connectionString: config.DATABASE_URL });
const registry = createMetricsRegistry('dlr-processor');
const producer = new AppProducer(kafka, config, logger, DLR_KAFKA, new HealthRegistry());
const published: OutgoingEvent[] = [];
let router: InboundRouter;
let a: string;
let b: string;
let offset = 0;

const SHARED = `4477001${tail}`; // nobody's: replies find their account by conversation
const OWNED = `4477002${tail}`;
const H1 = `4474001${tail}`;
const H2 = `4474002${tail}`;

const fetchOf = (...values: (InboundMessage | Buffer)[]): ConsumedFetch => ({
  batches: [{ topic: TOPICS.inbound.name, partition: 0, messages: values.map((v) => ({ key: null, value: Buffer.isBuffer(v) ? v : Buffer.from(InboundMessage.encode(v).finish()), offset: String(offset++), timestamp: String(Date.now()), attributes: 0, headers: {} })) }],
  heartbeat: async () => undefined,
  signal: new AbortController().signal,
});
const mo = (id: string, from: string, to: string, text: string) => InboundMessage.create({ id: `01J${run}${id}`.slice(0, 26).padEnd(26, '0'), carrierId: 'demo', from, to, text, receivedAtMs: Date.now() });
const message = (id: string, clientId: string, to: string, sender: string, agoSeconds: number) =>
  pool.query(`INSERT INTO messages (id, status, status_rank, to_number, sender, accepted_at, client_id) VALUES ($1, 1, 1, $2, $3, now() - make_interval(secs => $4), $5)`, [id, to, sender, agoSeconds, clientId]);

beforeAll(async () => {
  a = (await createAccount(pool, `it-${run}-a`)).account.id;
  b = (await createAccount(pool, `it-${run}-b`)).account.id;
  await addNumber(pool, b, OWNED, '');
  await setInboundSettings(pool, b, { ...DEFAULT_INBOUND_SETTINGS, optoutScope: 'sender', stopReply: 'B: unsubscribed' });
  await producer.onModuleInit();
  const sendMany = producer.sendMany.bind(producer);
  producer.sendMany = async (events) => {
    published.push(...events);
    return sendMany(events);
  };
  router = new InboundRouter(pool, config, logger, registry, producer);
});

afterAll(async () => {
  await producer.onApplicationShutdown();
  for (const table of ['inbound_numbers', 'account_inbound_settings', 'suppressions', 'suppression_audit', 'inbound_messages', 'api_keys']) await pool.query(`DELETE FROM ${table} WHERE account_id = ANY($1)`, [[a, b]]);
  await pool.query(`DELETE FROM messages WHERE client_id = ANY($1)`, [[a, b]]);
  await pool.query(`DELETE FROM accounts WHERE id = ANY($1)`, [[a, b]]);
  await pool.end();
});

const routed = () => published.filter((e) => e.topic === TOPICS.inboundRouted).map((e) => e.value as InboundMessage);
const replies = () => published.filter((e) => e.topic === TOPICS.accepted).map((e) => e.value as MessageAccepted);

describe('InboundRouter', () => {
  it('routes a reply to an unheld number by conversation, a STOP to the holder per sender, HELP with a reply, and the rest to nobody', async () => {
    await message(`${run}-a1`, a, `+${H1}`, SHARED, 600);
    await message(`${run}-b1`, b, `+${H1}`, SHARED, 60);
    const reply = mo('R1', H1, SHARED, 'Yes, 3pm works');
    const stop = mo('S1', H2, OWNED, 'Stop.');
    const help = mo('H1', H2, OWNED, 'help');
    const stray = mo('X1', H2, `4477003${tail}`, 'hello?');
    const queries = jest.spyOn(pool, 'query');
    await router.handle(fetchOf(reply, stop, help, stray, Buffer.from([0xff, 0xff])));
    expect(queries).toHaveBeenCalledTimes(2); // one lookup, one write, for the whole fetch
    queries.mockRestore();

    const byId = new Map(routed().map((m) => [m.id, m]));
    expect(byId.get(reply.id)).toMatchObject({ accountId: b, match: InboundMatch.CONVERSATION, relatedMessageId: `${run}-b1`, action: InboundAction.UNSPECIFIED, fromE164: `+${H1}` });
    expect(byId.get(stop.id)).toMatchObject({ accountId: b, match: InboundMatch.NUMBER, action: InboundAction.OPT_OUT, keyword: 'STOP' });
    expect(byId.get(help.id)).toMatchObject({ accountId: b, action: InboundAction.HELP, keyword: 'HELP' });
    expect(byId.get(stray.id)).toMatchObject({ accountId: '', match: InboundMatch.UNSPECIFIED });

    expect(replies().map((r) => [r.to, r.from, r.text, r.clientId])).toEqual([
      [`+${H2}`, OWNED, 'B: unsubscribed', b],
      [`+${H2}`, OWNED, 'ACME help: reply STOP to stop', b],
    ]);
    expect(byId.get(stop.id)?.autoReplyMessageId).toBe(replies()[0].id);

    const { rows } = await pool.query(`SELECT msisdn, sender, source FROM suppressions WHERE account_id = $1`, [b]);
    expect(rows).toEqual([{ msisdn: `+${H2}`, sender: OWNED, source: 'keyword' }]);
    const stored = await pool.query(`SELECT id FROM inbound_messages WHERE account_id = ANY($1) ORDER BY seq`, [[a, b]]);
    expect(stored.rows.map((r) => r.id)).toEqual([reply.id, stop.id, help.id]);

    // The same fetch again (a replay): the same reply ids, no second audit row, no second count.
    const before = replies().map((r) => r.id);
    published.length = 0;
    await router.handle(fetchOf(reply, stop, help, stray));
    expect(replies().map((r) => r.id)).toEqual(before);
    const audit = await pool.query(`SELECT count(*)::int AS n FROM suppression_audit WHERE account_id = $1`, [b]);
    expect(audit.rows[0].n).toBe(1);
    const metrics = await registry.metrics();
    expect(metrics).toMatch(/smsgw_optouts_total\{[^}]*action="opt_out"[^}]*\} 1\n/);
    expect(metrics).toMatch(/smsgw_inbound_messages_total\{[^}]*outcome="undecodable"[^}]*\} 1\n/);
    expect(metrics).toMatch(/smsgw_inbound_messages_total\{[^}]*outcome="unrouted"[^}]*\} 2\n/);
  });
});
