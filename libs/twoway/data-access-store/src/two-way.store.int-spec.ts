// Against the real PostgreSQL of DATABASE_URL (migrated by npm test / infra:up).
import { createAccount, setPolicy } from '@smsgw/accounts/data-access-store';
import { DEFAULT_POLICY } from '@smsgw/accounts/domain';
import { DEFAULT_INBOUND_SETTINGS } from '@smsgw/twoway/domain';
import { Client, Pool } from 'pg';
import { AUTO_REPLY_METADATA, findInboundCandidates, inboundCursor, listInbound, readInbound, recordInbound, type InboundRecord } from './inbound.store';
import { addNumber, listNumbers, removeNumber, setInboundSettings } from './numbers.store';
import { addOptOut, findSuppressed, listOptOuts, removeOptOut, suppressionKey } from './suppressions.store';

const pool = new Pool({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/smsgw' });
const run = `it-${process.pid}-${Date.now().toString(36)}`;
const tag = Date.now().toString().slice(-7); // distinct numbers per run
const codeOf = (p: Promise<unknown>) => p.then(() => 'no error', (err: { code: string }) => err.code);
let a: string;
let b: string;

beforeAll(async () => {
  a = (await createAccount(pool, `${run}-a`)).account.id;
  b = (await createAccount(pool, `${run}-b`)).account.id;
});

afterAll(async () => {
  const ids = [a, b];
  for (const table of ['inbound_numbers', 'account_inbound_settings', 'suppressions', 'suppression_audit', 'inbound_messages', 'account_policies', 'api_keys']) {
    await pool.query(`DELETE FROM ${table} WHERE account_id = ANY($1)`, [ids]);
  }
  await pool.query(`DELETE FROM messages WHERE client_id = ANY($1)`, [ids]);
  await pool.query(`DELETE FROM accounts WHERE id = ANY($1)`, [ids]);
  await pool.end();
});

const message = (id: string, clientId: string, to: string, sender: string, agoSeconds: number, metadata = {}) =>
  pool.query(`INSERT INTO messages (id, status, status_rank, to_number, sender, accepted_at, client_id, metadata) VALUES ($1, 1, 1, $2, $3, now() - make_interval(secs => $4), $5, $6)`, [id, to, sender, agoSeconds, clientId, JSON.stringify(metadata)]);

describe('inbound numbers and settings', () => {
  it('gives numbers and keywords to one account each', async () => {
    expect(await addNumber(pool, `${run}-a`, `+44 7700 ${tag}`, '')).toMatchObject({ number: `447700${tag}`, keyword: '', accountId: a });
    expect(await addNumber(pool, a, `447700${tag}`, '')).toMatchObject({ accountId: a }); // again: no-op
    expect(await codeOf(addNumber(pool, b, `447700${tag}`, ''))).toBe('INBOUND.NUMBER_TAKEN');
    expect(await addNumber(pool, b, `6${tag}`, 'pizza')).toMatchObject({ number: `6${tag}`, keyword: 'PIZZA', accountId: b });
    expect((await listNumbers(pool, b)).map((n) => `${n.number}/${n.keyword}`)).toEqual([`6${tag}/PIZZA`]);
    expect(await codeOf(removeNumber(pool, `6${tag}`, 'burger'))).toBe('INBOUND.NOT_FOUND');
    expect(await codeOf(addNumber(pool, a, '12', ''))).toBe('INBOUND.INVALID_NUMBER');
  });

  it('checks the webhook URL like a callback URL of the account', async () => {
    expect(await codeOf(setInboundSettings(pool, a, { ...DEFAULT_INBOUND_SETTINGS, webhookUrl: 'http://127.0.0.1:9/x' }))).toBe('POLICY.CALLBACK_URL_NOT_ALLOWED');
    expect(await codeOf(setInboundSettings(pool, a, { ...DEFAULT_INBOUND_SETTINGS, webhookUrl: 'https://[::ffff:10.0.0.1]/x' }))).toBe('POLICY.CALLBACK_URL_NOT_ALLOWED');
    await setPolicy(pool, a, { ...DEFAULT_POLICY, callbackHttp: true, callbackPrivate: true });
    expect(await setInboundSettings(pool, a, { ...DEFAULT_INBOUND_SETTINGS, webhookUrl: 'http://127.0.0.1:9/x', optoutScope: 'sender' })).toMatchObject({ webhookUrl: 'http://127.0.0.1:9/x', optoutScope: 'sender' });
  });
});

describe('routing lookups', () => {
  it('finds holders, each account\'s last message to the handset from the number (not auto-replies), and settings, in one query', async () => {
    const handset = `+447911${tag}`;
    await message(`${run}-m1`, a, handset, `447700${tag}`, 60);
    await message(`${run}-m2`, a, handset, `+447700${tag}`, 30);
    await message(`${run}-m3`, a, handset, `447700${tag}`, 5, { [AUTO_REPLY_METADATA]: 'opt_out' });
    await message(`${run}-m4`, b, handset, `447700${tag}`, 10);
    await message(`${run}-m5`, b, handset, `447700${tag}`, 100_000); // outside the window
    const { candidates, settings } = await findInboundCandidates(pool, [{ number: `447700${tag}`, handset }, { number: `6${tag}`, handset: '' }, { number: 'NOBODY', handset }], 3600);
    expect(candidates[0].holders).toEqual([{ accountId: a, keyword: '' }]);
    expect(candidates[0].conversations.sort((x, y) => x.accountId.localeCompare(y.accountId))).toEqual(
      [{ accountId: a, messageId: `${run}-m2`, sentAtMs: expect.any(Number) }, { accountId: b, messageId: `${run}-m4`, sentAtMs: expect.any(Number) }].sort((x, y) => x.accountId.localeCompare(y.accountId)),
    );
    expect(candidates[1]).toEqual({ holders: [{ accountId: b, keyword: 'PIZZA' }], conversations: [] });
    expect(candidates[2]).toEqual({ holders: [], conversations: [] });
    expect(settings.get(a)).toMatchObject({ optoutScope: 'sender' });
    expect(settings.get(b)).toEqual(DEFAULT_INBOUND_SETTINGS);
  });
});

describe('suppressions', () => {
  const record = (id: string): InboundRecord => ({ id, accountId: a, carrierId: 'demo', from: `+447911${tag}`, to: `447700${tag}`, text: 'STOP', action: 1, keyword: 'STOP', relatedMessageId: '', autoReplyMessageId: '', receivedAtMs: Date.now() });

  it('applies keyword opt-outs and opt-ins once, the last of a call winning, with the audit trail', async () => {
    const msisdn = `+447911${tag}`;
    const stop = { accountId: a, msisdn, sender: '', action: 'opt_out' as const, keyword: 'STOP' };
    expect(await recordInbound(pool, [record(`${run}-i1`)], [{ ...stop, inboundId: `${run}-i1` }])).toEqual(new Set([`${run}-i1`]));
    expect((await findSuppressed(pool, [{ accountId: a, msisdn }, { accountId: a, msisdn: '+447911000000' }])).get(suppressionKey(a, msisdn))).toEqual(['']);
    expect((await findSuppressed(pool, [{ accountId: b, msisdn }])).size).toBe(0);
    // A replay of the STOP after a START changes nothing.
    expect((await recordInbound(pool, [], [{ ...stop, inboundId: `${run}-i2`, action: 'opt_in', keyword: 'START' }])).size).toBe(1);
    expect((await recordInbound(pool, [record(`${run}-i1`)], [{ ...stop, inboundId: `${run}-i1` }])).size).toBe(0);
    expect((await findSuppressed(pool, [{ accountId: a, msisdn }])).size).toBe(0);
    // STOP then START in one call: START wins.
    await recordInbound(pool, [], [{ ...stop, inboundId: `${run}-i3` }, { ...stop, inboundId: `${run}-i4`, action: 'opt_in', keyword: 'START' }]);
    expect((await findSuppressed(pool, [{ accountId: a, msisdn }])).size).toBe(0);
    const { rows } = await pool.query(`SELECT action, source FROM suppression_audit WHERE account_id = $1 AND msisdn = $2 ORDER BY id`, [a, msisdn]);
    expect(rows.map((r) => r.action)).toEqual(['opt_out', 'opt_in', 'opt_out', 'opt_in']);
  });

  it('lets an operator add, list and remove, audited', async () => {
    const msisdn = `+447911${tag.slice(1)}9`;
    expect(await addOptOut(pool, a, msisdn, `+447700${tag}`)).toMatchObject({ accountId: a, number: msisdn, sender: `447700${tag}`, source: 'admin' });
    expect(await addOptOut(pool, a, msisdn, `447700${tag}`)).toMatchObject({ source: 'admin' });
    expect((await listOptOuts(pool, a)).map((o) => o.number)).toContain(msisdn);
    expect((await findSuppressed(pool, [{ accountId: a, msisdn }])).get(suppressionKey(a, msisdn))).toEqual([`447700${tag}`]);
    expect(await removeOptOut(pool, a, msisdn, `447700${tag}`)).toMatchObject({ number: msisdn });
    expect(await codeOf(removeOptOut(pool, a, msisdn, `447700${tag}`))).toBe('INBOUND.NOT_FOUND');
    const { rows } = await pool.query(`SELECT action FROM suppression_audit WHERE account_id = $1 AND msisdn = $2 AND source = 'admin' ORDER BY id`, [a, msisdn]);
    expect(rows.map((r) => r.action)).toEqual(['opt_out', 'opt_out', 'opt_in']);
  });

  it('reads an account\'s stored inbound messages after a cursor', async () => {
    const start = await inboundCursor(pool, a, '');
    await recordInbound(pool, [record(`${run}-r1`), { ...record(`${run}-r2`), accountId: b }, record(`${run}-r3`)], []);
    const { records, cursor } = await readInbound(pool, a, start);
    expect(records.map((r) => r.id)).toEqual([`${run}-r1`, `${run}-r3`]);
    expect((await readInbound(pool, a, cursor)).records).toEqual([]);
    expect((await readInbound(pool, a, await inboundCursor(pool, a, `${run}-r1`))).records.map((r) => r.id)).toEqual([`${run}-r3`]);
  });

  it('orders by seq as a number when the seqs cross a power of ten (99 before 100)', async () => {
    // A session-private copy of the table (pg_temp comes first on the search path) whose own
    // sequence is at 98: the shared table's sequence is not moved.
    const client = new Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/smsgw' });
    await client.connect();
    try {
      await client.query('CREATE TEMP TABLE inbound_messages (LIKE public.inbound_messages INCLUDING ALL)');
      await client.query('CREATE TEMP SEQUENCE inbound_seq START 98');
      await client.query("ALTER TABLE pg_temp.inbound_messages ALTER seq SET DEFAULT nextval('pg_temp.inbound_seq')");
      await recordInbound(client, [record(`${run}-s98`), record(`${run}-s99`), record(`${run}-s100`)], []);
      expect((await readInbound(client, a, '0')).records.map((r) => r.id)).toEqual([`${run}-s98`, `${run}-s99`, `${run}-s100`]);
      const page = await listInbound(client, a, { beforeSeq: '', sinceMs: 0, from: '', to: '', limit: 2 });
      expect(page.records.map((r) => r.id)).toEqual([`${run}-s100`, `${run}-s99`]);
      expect((await listInbound(client, a, { beforeSeq: page.nextCursor, sinceMs: 0, from: '', to: '', limit: 2 })).records.map((r) => r.id)).toEqual([`${run}-s98`]);
    } finally {
      await client.end();
    }
  });
});
