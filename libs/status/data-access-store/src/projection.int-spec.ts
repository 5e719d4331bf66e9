// The projection against the real PostgreSQL of DATABASE_URL (migrated here if needed). Every
// test uses its own message and SMSC ids, so runs and other suites never collide.
import { parseReceipt, type DeliveryReceipt, type ReceiptIdFormat } from '@smsgw/dlr/domain';
import { createPool, migrate } from '@smsgw/shared/data-access-db';
import { Encoding, MessageAccepted, MessageStatus as S, RouteCharge, SubmitOutcome, messageEvent, segmentEvent, type MessageReport, type SegmentReport, type StatusEvent, type SubmitEventHeader } from '@smsgw/shared/util-proto';
import type { Pool } from 'pg';
import {
  countUnmatchedReceipts,
  expireStaleMessages,
  getMessage,
  getMessages,
  inTransaction,
  projectAccepted,
  projectReceipts,
  projectSubmitEvents,
  type ProjectionResult,
  type Queryable,
} from './index';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/smsgw';
let pool: Pool;
const run = `${Date.now().toString(36)}${process.pid}`;
let n = 0;
const newId = () => `it-${run}-${++n}`;
const carrier = `it-${run}`;

beforeAll(async () => {
  pool = createPool(url, { max: 8 });
  await migrate(pool);
});
afterAll(async () => {
  await pool.query(`DELETE FROM receipt_correlation WHERE carrier_id LIKE $1`, [`it-${run}%`]);
  await pool.query(`DELETE FROM segments WHERE message_id LIKE $1`, [`it-${run}-%`]);
  await pool.query(`DELETE FROM messages WHERE id LIKE $1`, [`it-${run}-%`]);
  await pool.end();
});

const T0 = Date.now() - 60_000;
const accepted = (id: string, over: Partial<MessageAccepted> = {}) =>
  MessageAccepted.create({ id, to: '+447700900123', from: 'ACME', text: 'hi', clientReference: `ref-${id}`, acceptedAtMs: T0, metadata: { team: 'x' }, ...over });
const header = (id: string, count: number, over: Partial<SubmitEventHeader>): SubmitEventHeader => ({
  messageId: id,
  segmentCount: count,
  reportedAtMs: over.reportedAtMs ?? T0 + 1000,
  acceptedAtMs: over.acceptedAtMs ?? T0,
  encoding: Encoding.GSM7,
  to: '+447700900123',
  from: 'ACME',
  clientReference: `ref-${id}`,
});
/** A segment's submit event (sms.submitted.v2). */
const report = (id: string, index: number, count: number, { reportedAtMs, acceptedAtMs, ...over }: Partial<SegmentReport> & Pick<Partial<SubmitEventHeader>, 'reportedAtMs' | 'acceptedAtMs'> = {}) =>
  segmentEvent(header(id, count, { reportedAtMs, acceptedAtMs }), { index, carrierId: carrier, outcome: SubmitOutcome.SUBMITTED, smscMessageId: `${id}-s${index}`, ...over });
/** An event about the whole message (routed, failed before any carrier, canceled). */
const whole = (id: string, count: number, over: Partial<MessageReport>) => messageEvent(header(id, count, {}), { carrierId: carrier, ...over });
const receipt = (smscId: string, stat: string, over: { carrierId?: string; err?: string; format?: ReceiptIdFormat; messageState?: number; receivedAtMs?: number } = {}): DeliveryReceipt =>
  parseReceipt(
    {
      carrierId: over.carrierId ?? carrier,
      smscMessageId: smscId,
      receiptedMessageId: '',
      shortMessage: `id:${smscId} sub:001 dlvrd:001 submit date:2401311259 done date:2401311300 stat:${stat} err:${over.err ?? '000'} text:hello there`,
      messageState: over.messageState ?? 0,
      receivedAtMs: over.receivedAtMs ?? T0 + 5000,
    },
    over.format ?? 'same',
  );

async function tx<R extends ProjectionResult>(work: (db: Queryable) => Promise<R>): Promise<R> {
  return inTransaction(pool, work);
}
const statusOf = async (id: string) => (await getMessage(pool, id))?.status;
const summary = (events: StatusEvent[]) => events.map((e) => [e.messageId, S[e.previousStatus], S[e.status]]);

describe('status projection (PostgreSQL)', () => {
  it('accepted → submitted → delivered, with one event per change and the gRPC view', async () => {
    const id = newId();
    expect(summary((await tx((db) => projectAccepted(db, [accepted(id)]))).events)).toEqual([[id, 'UNSPECIFIED', 'ACCEPTED']]);
    expect(summary((await tx((db) => projectSubmitEvents(db, [report(id, 0, 1)]))).events)).toEqual([[id, 'ACCEPTED', 'SUBMITTED']]);
    const done = await tx((db) => projectReceipts(db, [receipt(`${id}-s0`, 'DELIVRD')]));
    expect(summary(done.events)).toEqual([[id, 'SUBMITTED', 'DELIVERED']]);
    expect(done.events[0]).toMatchObject({ carrierId: carrier, clientReference: `ref-${id}`, encoding: Encoding.GSM7, segmentCount: 1, segmentsDelivered: 1, acceptedAtMs: T0, occurredAtMs: T0 + 5000, reasonCode: '' });
    const m = await getMessage(pool, id);
    expect(m).toMatchObject({
      id,
      status: S.DELIVERED,
      to: '+447700900123',
      from: 'ACME',
      clientReference: `ref-${id}`,
      encoding: Encoding.GSM7,
      segments: 1,
      segmentsDelivered: 1,
      carrier,
      reasonCode: '',
      metadata: { team: 'x' },
      acceptedAt: { seconds: Math.floor(T0 / 1000), nanos: (T0 % 1000) * 1e6 },
      submittedAt: { seconds: Math.floor((T0 + 1000) / 1000), nanos: (T0 % 1000) * 1e6 },
      completedAt: { seconds: Math.floor((T0 + 5000) / 1000), nanos: (T0 % 1000) * 1e6 },
    });
    expect(m?.updatedAt).toBeDefined();
    expect(await getMessage(pool, `${id}-missing`)).toBeUndefined();
    expect((await getMessages(pool, [id, `${id}-missing`])).map((x) => x.id)).toEqual([id]);
  });

  it("keeps the sending account (client_id) and reads a message only for that account", async () => {
    const id = newId();
    await tx((db) => projectAccepted(db, [accepted(id, { clientId: 'account-a' })]));
    expect((await getMessage(pool, id, 'account-a'))?.id).toBe(id);
    expect(await getMessage(pool, id, 'account-b')).toBeUndefined();
    expect(await getMessage(pool, id, '')).toBeUndefined();
    expect((await getMessages(pool, [id], 'account-b'))).toEqual([]);
  });

  it('receipt before submit before accepted: the submit completes the match, the accepted event only fills in fields', async () => {
    const id = newId();
    const first = await tx((db) => projectReceipts(db, [receipt(`${id}-s0`, 'DELIVRD')]));
    expect(first).toMatchObject({ events: [], matched: 0, pending: 1 });
    const unmatched = await countUnmatchedReceipts(pool, Date.now() - 60_000, Date.now() + 1000);
    expect(unmatched.get(carrier)).toBeGreaterThanOrEqual(1);

    const submitted = await tx((db) => projectSubmitEvents(db, [report(id, 0, 1)]));
    expect(submitted.lateMatches).toBe(1);
    expect(summary(submitted.events)).toEqual([[id, 'ACCEPTED', 'DELIVERED']]);

    expect(await getMessage(pool, id, 'account-late')).toBeUndefined(); // the submit report does not know the account
    expect((await tx((db) => projectAccepted(db, [accepted(id, { metadata: { late: 'yes' }, clientId: 'account-late' })]))).events).toEqual([]);
    expect(await getMessage(pool, id, 'account-late')).toMatchObject({ status: S.DELIVERED, metadata: { late: 'yes' }, segmentsDelivered: 1 });
  });

  it('ignores duplicate receipts and redelivered events', async () => {
    const id = newId();
    await tx((db) => projectAccepted(db, [accepted(id)]));
    await tx((db) => projectSubmitEvents(db, [report(id, 0, 1), report(id, 0, 1)]));
    expect((await tx((db) => projectReceipts(db, [receipt(`${id}-s0`, 'DELIVRD'), receipt(`${id}-s0`, 'DELIVRD')]))).events).toHaveLength(1);
    expect((await tx((db) => projectReceipts(db, [receipt(`${id}-s0`, 'DELIVRD')]))).events).toEqual([]);
    expect((await tx((db) => projectReceipts(db, [receipt(`${id}-s0`, 'UNDELIV')]))).events).toEqual([]);
    expect((await tx((db) => projectSubmitEvents(db, [report(id, 0, 1)]))).events).toEqual([]);
    expect((await tx((db) => projectAccepted(db, [accepted(id)]))).events).toEqual([]);
    expect(await statusOf(id)).toBe(S.DELIVERED);
  });

  it('multi-part: SUBMITTED when every part is, UNDELIVERED once all are final with one undelivered', async () => {
    const id = newId();
    await tx((db) => projectAccepted(db, [accepted(id)]));
    expect(summary((await tx((db) => projectSubmitEvents(db, [report(id, 0, 3)]))).events)).toEqual([[id, 'ACCEPTED', 'ROUTED']]);
    expect(summary((await tx((db) => projectSubmitEvents(db, [report(id, 2, 3), report(id, 1, 3)]))).events)).toEqual([[id, 'ROUTED', 'SUBMITTED']]);
    expect((await tx((db) => projectReceipts(db, [receipt(`${id}-s0`, 'DELIVRD'), receipt(`${id}-s1`, 'UNDELIV', { err: '001' })]))).events).toEqual([]);
    expect(await getMessage(pool, id)).toMatchObject({ status: S.SUBMITTED, segments: 3, segmentsDelivered: 1 });
    const last = await tx((db) => projectReceipts(db, [receipt(`${id}-s2`, 'DELIVRD')]));
    expect(summary(last.events)).toEqual([[id, 'SUBMITTED', 'UNDELIVERED']]);
    expect(last.events[0]).toMatchObject({ reasonCode: 'DLR.UNDELIV', segmentsDelivered: 2, segmentCount: 3 });
    expect(await getMessage(pool, id)).toMatchObject({ status: S.UNDELIVERED, reasonCode: 'DLR.UNDELIV', reason: "the carrier's delivery receipt said UNDELIV, err 001 for part 2 of 3" });
  });

  it('NO_ROUTE fails the message with its reason, even before the accepted event', async () => {
    const id = newId();
    const r = await tx((db) =>
      projectSubmitEvents(db, [whole(id, 1, { carrierId: '', outcome: SubmitOutcome.FAILED, reasonCode: 'NO_ROUTE', reason: 'no route matches +4477' })]),
    );
    expect(summary(r.events)).toEqual([[id, 'ACCEPTED', 'FAILED']]);
    expect(r.events[0]).toMatchObject({ reasonCode: 'NO_ROUTE', reason: 'no route matches +4477' });
    expect((await tx((db) => projectAccepted(db, [accepted(id)]))).events).toEqual([]);
    expect(await getMessage(pool, id)).toMatchObject({ status: S.FAILED, reasonCode: 'NO_ROUTE', carrier: '', to: '+447700900123' });
  });

  it('a permanently failed segment fails the message; a later receipt of another part only counts as delivered', async () => {
    const id = newId();
    await tx((db) => projectAccepted(db, [accepted(id)]));
    const r = await tx((db) =>
      projectSubmitEvents(db, [report(id, 0, 2), report(id, 1, 2, { outcome: SubmitOutcome.FAILED, smscMessageId: '', commandStatus: 0x0b, reasonCode: 'SMPP.ESME_RINVDSTADR', reason: 'invalid destination' })]),
    );
    expect(summary(r.events)).toEqual([[id, 'ACCEPTED', 'FAILED']]);
    expect((await tx((db) => projectReceipts(db, [receipt(`${id}-s0`, 'DELIVRD')]))).events).toEqual([]);
    expect(await getMessage(pool, id)).toMatchObject({ status: S.FAILED, reasonCode: 'SMPP.ESME_RINVDSTADR', segmentsDelivered: 1 });
  });

  it('keeps the routing decision and its price; a later attempt replaces it, a replayed earlier one does not; no status change', async () => {
    const id = newId();
    await tx((db) => projectAccepted(db, [accepted(id)]));
    const routed = (attempt: number, carrierId: string, perSegment: number) =>
      whole(id, 2, { carrierId, outcome: SubmitOutcome.ROUTED, route: RouteCharge.create({ ruleId: 'uk', carrierId, pricePerSegmentMicros: perSegment, totalMicros: 2 * perSegment, currency: 'EUR', attempt }) });
    const first = await tx((db) => projectSubmitEvents(db, [routed(1, 'uk-a', 3000)]));
    expect(first).toMatchObject({ events: [], ignored: 0 });
    expect(await getMessage(pool, id)).toMatchObject({ status: S.ACCEPTED, carrier: 'uk-a', routeRuleId: 'uk', pricePerSegmentMicros: 3000, priceTotalMicros: 6000, priceCurrency: 'EUR' });
    await tx((db) => projectSubmitEvents(db, [routed(2, 'uk-b', 4000), routed(1, 'uk-a', 3000)]));
    await tx((db) => projectSubmitEvents(db, [routed(1, 'uk-a', 3000)]));
    expect(await getMessage(pool, id)).toMatchObject({ carrier: 'uk-b', pricePerSegmentMicros: 4000, priceTotalMicros: 8000 });
  });

  it('RETRYING changes nothing; UNKNOWN leaves the segment SUBMITTED', async () => {
    const id = newId();
    await tx((db) => projectAccepted(db, [accepted(id)]));
    const retry = await tx((db) => projectSubmitEvents(db, [report(id, 0, 1, { outcome: SubmitOutcome.RETRYING, smscMessageId: '' })]));
    expect(retry).toMatchObject({ events: [], ignored: 1 });
    const unknown = await tx((db) => projectSubmitEvents(db, [report(id, 0, 1, { outcome: SubmitOutcome.UNKNOWN, smscMessageId: '' })]));
    expect(unknown.unknownOutcomes).toBe(1);
    expect(summary(unknown.events)).toEqual([[id, 'ACCEPTED', 'SUBMITTED']]);
  });

  it('intermediate receipts change nothing and never replace a final stat', async () => {
    const a = newId();
    const b = newId();
    await tx((db) => projectSubmitEvents(db, [report(a, 0, 1), report(b, 0, 1)]));
    expect((await tx((db) => projectReceipts(db, [receipt(`${a}-s0`, 'ENROUTE'), receipt(`${b}-s0`, 'ACCEPTD')]))).events).toEqual([]);
    expect(summary((await tx((db) => projectReceipts(db, [receipt(`${a}-s0`, 'DELIVRD')]))).events)).toEqual([[a, 'SUBMITTED', 'DELIVERED']]);
    // b: final receipt first, then a late intermediate one, both before the submit report
    const c = newId();
    await tx((db) => projectReceipts(db, [receipt(`${c}-s0`, 'EXPIRED')]));
    await tx((db) => projectReceipts(db, [receipt(`${c}-s0`, 'ENROUTE')]));
    expect(summary((await tx((db) => projectSubmitEvents(db, [report(c, 0, 1)]))).events)).toEqual([[c, 'ACCEPTED', 'EXPIRED']]);
  });

  it('TLV message_state wins, and hex submit ids match decimal receipt ids for hex-to-decimal carriers', async () => {
    const id = newId();
    const hexCarrier = `${carrier}-hex`;
    const smscHex = (0x1f00 + n).toString(16).toUpperCase();
    await tx((db) => projectSubmitEvents(db, [report(id, 0, 1, { carrierId: hexCarrier, smscMessageId: `00${smscHex}` })], () => 'hex-to-decimal'));
    const r = receipt(String(parseInt(smscHex, 16)), 'DELIVRD', { carrierId: hexCarrier, format: 'hex-to-decimal', messageState: 5 });
    expect(summary((await tx((db) => projectReceipts(db, [r]))).events)).toEqual([[id, 'SUBMITTED', 'UNDELIVERED']]);
  });

  describe('an SMSC id reused for a newer message (the SMSC restarted or wrapped its counter)', () => {
    // The old message was submitted at T0+1 s; the new one gets the same id at T0+10 s and its
    // receipt is received at T0+20 s. Either order of projection ends the same.
    const NEW_SUBMIT = T0 + 10_000;
    const NEW_RECEIPT = T0 + 20_000;
    const submitOld = (old: string, smscId: string) => tx((db) => projectSubmitEvents(db, [report(old, 0, 1, { smscMessageId: smscId })]));
    const submitNew = (fresh: string, smscId: string) => tx((db) => projectSubmitEvents(db, [report(fresh, 0, 1, { smscMessageId: smscId, reportedAtMs: NEW_SUBMIT })]));
    const newReceipt = (smscId: string) => tx((db) => projectReceipts(db, [receipt(smscId, 'UNDELIV', { receivedAtMs: NEW_RECEIPT })]));

    it('old message final, new submit report first: the new message gets the new receipt, not the old one', async () => {
      const [old, fresh] = [newId(), newId()];
      const smscId = `reused-${old}`;
      await submitOld(old, smscId);
      await tx((db) => projectReceipts(db, [receipt(smscId, 'DELIVRD')]));
      expect(summary((await submitNew(fresh, smscId)).events)).toEqual([[fresh, 'ACCEPTED', 'SUBMITTED']]);
      expect(summary((await newReceipt(smscId)).events)).toEqual([[fresh, 'SUBMITTED', 'UNDELIVERED']]);
      expect(await statusOf(old)).toBe(S.DELIVERED);
    });

    it('old message final, new receipt projected before the new submit report: the report picks it up', async () => {
      const [old, fresh] = [newId(), newId()];
      const smscId = `reused-${old}`;
      await submitOld(old, smscId);
      await tx((db) => projectReceipts(db, [receipt(smscId, 'DELIVRD')]));
      expect((await newReceipt(smscId)).events).toEqual([]); // the old message stays DELIVERED
      const r = await submitNew(fresh, smscId);
      expect(r.lateMatches).toBe(1);
      expect(summary(r.events)).toEqual([[fresh, 'ACCEPTED', 'UNDELIVERED']]);
      expect(await statusOf(old)).toBe(S.DELIVERED);
      expect(await statusOf(fresh)).toBe(S.UNDELIVERED);
    });

    it('old message never got its receipt, in both orders: the new message gets the receipt', async () => {
      const [oldA, freshA, oldB, freshB] = [newId(), newId(), newId(), newId()];
      const [idA, idB] = [`reused-${oldA}`, `reused-${oldB}`];
      // new submit report first: the old message keeps waiting (it expires in time)
      await submitOld(oldA, idA);
      await submitNew(freshA, idA);
      expect(summary((await newReceipt(idA)).events)).toEqual([[freshA, 'SUBMITTED', 'UNDELIVERED']]);
      expect(await statusOf(oldA)).toBe(S.SUBMITTED);
      // receipt first: nothing tells it apart from the old message's own late receipt, so the old
      // message takes it too; the new message's report still picks it up
      await submitOld(oldB, idB);
      await newReceipt(idB);
      const r = await submitNew(freshB, idB);
      expect(summary(r.events)).toEqual([[freshB, 'ACCEPTED', 'UNDELIVERED']]);
    });

    it("multi-part: the reused part's receipt reaches the new message, which ends DELIVERED", async () => {
      const [old, fresh] = [newId(), newId()];
      const reused = `reused-${old}`;
      await submitOld(old, reused);
      await tx((db) => projectReceipts(db, [receipt(reused, 'UNDELIV')]));
      // parts 0 (a fresh id) and 1 (the reused id): both receipts before the submit reports
      await tx((db) => projectReceipts(db, [receipt(`${fresh}-s0`, 'DELIVRD', { receivedAtMs: NEW_RECEIPT }), receipt(reused, 'DELIVRD', { receivedAtMs: NEW_RECEIPT })]));
      const r = await tx((db) =>
        projectSubmitEvents(db, [report(fresh, 0, 2, { reportedAtMs: NEW_SUBMIT }), report(fresh, 1, 2, { smscMessageId: reused, reportedAtMs: NEW_SUBMIT })]),
      );
      expect(r.lateMatches).toBe(2);
      expect(summary(r.events)).toEqual([[fresh, 'ACCEPTED', 'DELIVERED']]);
      expect(await getMessage(pool, fresh)).toMatchObject({ status: S.DELIVERED, segmentsDelivered: 2 });
      expect(await statusOf(old)).toBe(S.UNDELIVERED);
    });

  });

  it('SCHEDULED when send_at is ahead, and ACCEPTED when the scheduler re-publishes it; latency counts from the release', async () => {
    const id = newId();
    const sendAtMs = T0 + 3_600_000;
    expect(summary((await tx((db) => projectAccepted(db, [accepted(id, { sendAtMs })]))).events)).toEqual([[id, 'UNSPECIFIED', 'SCHEDULED']]);
    const released = await tx((db) => projectAccepted(db, [accepted(id, { sendAtMs, releasedAtMs: sendAtMs + 40 })]));
    expect(summary(released.events)).toEqual([[id, 'SCHEDULED', 'ACCEPTED']]);
    expect(released.events[0]).toMatchObject({ acceptedAtMs: T0, releasedAtMs: sendAtMs + 40, occurredAtMs: sendAtMs + 40 });
    const failed = await tx((db) => projectSubmitEvents(db, [whole(id, 1, { outcome: SubmitOutcome.FAILED, reasonCode: 'NO_ROUTE' })]));
    expect(failed.events[0]).toMatchObject({ status: S.FAILED, acceptedAtMs: T0, releasedAtMs: sendAtMs + 40 });
  });

  it('every status event of a message carries its callback URL', async () => {
    const id = newId();
    const callbackUrl = 'https://example.com/sms-status';
    const first = await tx((db) => projectAccepted(db, [accepted(id, { callbackUrl })]));
    const second = await tx((db) => projectSubmitEvents(db, [report(id, 0, 1, { smscMessageId: `cb-${id}` })]));
    expect([...first.events, ...second.events].map((e) => [S[e.status], e.callbackUrl])).toEqual([
      ['ACCEPTED', callbackUrl],
      ['SUBMITTED', callbackUrl],
    ]);
  });

  it('a CANCELED report ends a scheduled message; nothing moves it on after that', async () => {
    const id = newId();
    await tx((db) => projectAccepted(db, [accepted(id, { sendAtMs: T0 + 3_600_000 })]));
    const canceled = await tx((db) => projectSubmitEvents(db, [whole(id, 0, { outcome: SubmitOutcome.CANCELED, reasonCode: 'CANCELED', reason: 'canceled by the client' })]));
    expect(summary(canceled.events)).toEqual([[id, 'SCHEDULED', 'CANCELED']]);
    expect(await statusOf(id)).toBe(S.CANCELED);
    expect(summary((await tx((db) => projectAccepted(db, [accepted(id, { sendAtMs: T0 + 3_600_000, releasedAtMs: T0 + 3_600_010 })]))).events)).toEqual([]);
    expect(await statusOf(id)).toBe(S.CANCELED);
  });

  it('two parts finished by concurrent transactions still make the message DELIVERED', async () => {
    for (let round = 0; round < 5; round++) {
      const id = newId();
      await tx((db) => projectSubmitEvents(db, [report(id, 0, 2), report(id, 1, 2)]));
      const slow = (smscId: string) =>
        tx(async (db) => {
          const r = await projectReceipts(db, [receipt(smscId, 'DELIVRD')]);
          await new Promise((resolve) => setTimeout(resolve, 30));
          return r;
        });
      const [a, b] = await Promise.all([slow(`${id}-s0`), slow(`${id}-s1`)]);
      expect([...a.events, ...b.events].map((e) => S[e.status])).toEqual(['DELIVERED']);
      expect(await getMessage(pool, id)).toMatchObject({ status: S.DELIVERED, segmentsDelivered: 2 });
    }
  });

  it('a submit batch and a receipt batch racing on the same rows end right', async () => {
    const ids = Array.from({ length: 50 }, newId);
    const receipts = ids.map((id) => receipt(`${id}-s0`, 'DELIVRD')).reverse();
    await Promise.all([tx((db) => projectSubmitEvents(db, ids.map((id) => report(id, 0, 1)))), tx((db) => projectReceipts(db, receipts))]);
    const rows = await getMessages(pool, ids);
    expect(rows.map((m) => S[m.status])).toEqual(ids.map(() => 'DELIVERED'));
  });

  it('expires stale messages: open parts become EXPIRED, a worse final part still names the message', async () => {
    const old = T0 - 3 * 86_400_000;
    const [open, worse, done, fresh, silent, scheduled, held] = [newId(), newId(), newId(), newId(), newId(), newId(), newId()];
    await tx((db) => projectAccepted(db, [accepted(open, { acceptedAtMs: old }), accepted(worse, { acceptedAtMs: old }), accepted(done, { acceptedAtMs: old }), accepted(fresh)]));
    // Held by SMS-pumping protection three days ago: waits for an operator (ingest refuses it when its hold ends), never expired here.
    await tx((db) => projectAccepted(db, [accepted(held, { acceptedAtMs: old, pumpingHeldUntilMs: T0 + 60_000, pumpingCountry: 'GB' })]));
    expect(await statusOf(held)).toBe(S.HELD);
    // Accepted three days ago for a send time just now: released, it is as fresh as a new message.
    await tx((db) => projectAccepted(db, [accepted(scheduled, { acceptedAtMs: old, sendAtMs: T0 })]));
    await tx((db) => projectAccepted(db, [accepted(scheduled, { acceptedAtMs: old, sendAtMs: T0, releasedAtMs: T0 + 5 })]));
    await tx((db) =>
      projectSubmitEvents(db, [report(worse, 0, 2, { acceptedAtMs: old }), report(worse, 1, 2, { acceptedAtMs: old }), report(done, 0, 1, { acceptedAtMs: old }), report(silent, 0, 1, { acceptedAtMs: old })]),
    );
    await tx((db) => projectReceipts(db, [receipt(`${worse}-s0`, 'UNDELIV'), receipt(`${done}-s0`, 'DELIVRD')]));

    let events: StatusEvent[] = [];
    for (;;) {
      const r = await tx((db) => expireStaleMessages(db, { nowMs: T0, defaultSeconds: 86_400, graceSeconds: 60, limit: 500 }));
      events = events.concat(r.events.filter((e) => [open, worse, done, fresh, silent, scheduled, held].includes(e.messageId)));
      if (r.events.length < 500) break;
    }
    expect(Object.fromEntries(events.map((e) => [e.messageId, S[e.status]]))).toEqual({ [open]: 'EXPIRED', [worse]: 'UNDELIVERED', [silent]: 'EXPIRED' });
    expect(await getMessage(pool, silent)).toMatchObject({ status: S.EXPIRED, reasonCode: 'EXPIRY.NO_FINAL_RECEIPT' });
    expect(await getMessage(pool, open)).toMatchObject({ status: S.EXPIRED, reasonCode: 'EXPIRY.NOT_SUBMITTED' });
    expect(await statusOf(done)).toBe(S.DELIVERED);
    expect(await statusOf(fresh)).toBe(S.ACCEPTED);
    expect(await statusOf(scheduled)).toBe(S.ACCEPTED);
    expect(await statusOf(held)).toBe(S.HELD);
    // Released by the operator: on its way like any accepted message.
    await tx((db) => projectAccepted(db, [accepted(held, { acceptedAtMs: old, pumpingHeldUntilMs: T0 + 60_000, pumpingCountry: 'GB', releasedAtMs: T0 })]));
    expect(await statusOf(held)).toBe(S.ACCEPTED);
  });
});

describe('expiry at each message validity', () => {
  it("expires a message at its own validity, else its carrier's, else the default — plus the grace", async () => {
    const tenMinutesAgo = T0 - 600_000;
    const [short, long, byCarrier, carrierLong, plain] = [newId(), newId(), newId(), newId(), newId()];
    await tx((db) =>
      projectAccepted(db, [
        accepted(short, { acceptedAtMs: tenMinutesAgo, validitySeconds: 300 }), // 5 min + 1 min grace: past
        accepted(long, { acceptedAtMs: T0 - 3 * 86_400_000, validitySeconds: 7 * 86_400 }), // 7 days: not yet, though past the default
        accepted(byCarrier, { acceptedAtMs: tenMinutesAgo }),
        accepted(carrierLong, { acceptedAtMs: tenMinutesAgo }),
        accepted(plain, { acceptedAtMs: tenMinutesAgo }),
      ]),
    );
    const fast = `fast-${T0}`;
    await tx((db) => projectSubmitEvents(db, [report(short, 0, 1), report(long, 0, 1), report(byCarrier, 0, 1, { carrierId: fast }), report(carrierLong, 0, 1, { carrierId: `slow-${T0}` }), report(plain, 0, 1)]));
    const expired = new Set<string>();
    for (;;) {
      const r = await tx((db) => expireStaleMessages(db, { nowMs: T0, defaultSeconds: 86_400, carrierSeconds: new Map([[fast, 120], [`slow-${T0}`, 3600]]), graceSeconds: 60, limit: 500 }));
      for (const e of r.events) expired.add(e.messageId);
      if (r.events.length < 500) break;
    }
    expect([short, long, byCarrier, carrierLong, plain].filter((id) => expired.has(id))).toEqual([short, byCarrier]);
    expect(await getMessage(pool, short)).toMatchObject({ status: S.EXPIRED, reasonCode: 'EXPIRY.NO_FINAL_RECEIPT' });
    expect(await statusOf(long)).toBe(S.SUBMITTED);
    expect(await statusOf(plain)).toBe(S.SUBMITTED);
  });
});

describe('status projection throughput (PostgreSQL only)', () => {
  it('projects 10,000 events: three topic streams in batches of 1,000, concurrently', async () => {
    const ids = Array.from({ length: 2000 }, newId);
    const streams = [
      ids.map((id) => accepted(id)),
      ids.flatMap((id) => [report(id, 0, 2), report(id, 1, 2)]),
      ids.flatMap((id) => [receipt(`${id}-s0`, 'DELIVRD'), receipt(`${id}-s1`, 'DELIVRD')]),
    ] as const;
    const batches = <T>(list: readonly T[]) => Array.from({ length: Math.ceil(list.length / 1000) }, (_, i) => list.slice(i * 1000, i * 1000 + 1000));
    const started = performance.now();
    await Promise.all([
      (async () => {
        for (const b of batches(streams[0])) await tx((db) => projectAccepted(db, b));
      })(),
      (async () => {
        for (const b of batches(streams[1])) await tx((db) => projectSubmitEvents(db, b));
      })(),
      (async () => {
        for (const b of batches(streams[2])) await tx((db) => projectReceipts(db, b));
      })(),
    ]);
    const seconds = (performance.now() - started) / 1000;
    const events = streams.reduce((sum, s) => sum + s.length, 0);
    process.stdout.write(`status projection: ${events} events (${ids.length} two-part messages) in ${seconds.toFixed(2)} s = ${Math.round(events / seconds)} events/s (PostgreSQL only)\n`);
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM messages WHERE id = ANY($1::text[]) AND status = $2`, [ids, S.DELIVERED]);
    expect(Number(rows[0].n)).toBe(ids.length);
  }, 120_000);
});
