// SQL of the SMPP server (schema: migrations/0014_smpp_server.sql). One statement per batch:
// submissions per SendBatch, receipts per fetch of sms.status.v1, claims per bind and tick.
import type { Queryable } from '@smsgw/accounts/data-access-store';
import type { SubmitPart } from '../submit/submit-mapping';
import type { PendingDelivery } from './deliver-sm';

/** A message accepted for an ESME that asked for a receipt: its id, and the addresses of its (first) part. */
export interface Submission extends Pick<SubmitPart, 'accountId' | 'systemId' | 'registeredDelivery' | 'sourceAddr' | 'sourceTon' | 'sourceNpi' | 'destinationAddr'> {
  messageId: string;
}

/** Remembers the messages whose ESME asked for a receipt. */
export async function recordSubmissions(db: Queryable, rows: readonly Submission[]): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO smpp_submissions (message_id, account_id, system_id, registered_delivery, source_addr, source_ton, source_npi, destination_addr)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::text[], $6::smallint[], $7::smallint[], $8::text[])
     ON CONFLICT (message_id) DO NOTHING`,
    [rows.map((r) => r.messageId), rows.map((r) => r.accountId), rows.map((r) => r.systemId), rows.map((r) => r.registeredDelivery), rows.map((r) => r.sourceAddr), rows.map((r) => r.sourceTon), rows.map((r) => r.sourceNpi), rows.map((r) => r.destinationAddr)],
  );
}

export interface FinalStatus {
  messageId: string;
  status: number;
  reasonCode: string;
  doneAtMs: number;
  /** Whether the submission's registered_delivery asks for this outcome (decided in TS: wantsReceipt). */
  failure: boolean;
}

/**
 * Turns final statuses of SMPP submissions into pending receipts, in one statement: the
 * submission row goes (a message has one final status), a receipt row comes when its
 * registered_delivery asks for the outcome (bits 0–1: 1 always, 2 failures only). The addresses
 * swap: the receipt comes from the handset. Returns how many were queued, and for which accounts.
 */
export async function receiptsForFinalStatuses(db: Queryable, finals: readonly FinalStatus[]): Promise<Queued> {
  if (finals.length === 0) return { count: 0, accounts: [] };
  const { rows } = await db.query<{ account_id: string }>(
    `WITH f AS (SELECT * FROM unnest($1::text[], $2::smallint[], $3::text[], $4::bigint[], $5::boolean[]) AS f(message_id, status, reason_code, done_ms, failure)),
          done AS (DELETE FROM smpp_submissions s USING f WHERE s.message_id = f.message_id
                   RETURNING s.*, f.status, f.reason_code, f.done_ms, f.failure)
     INSERT INTO smpp_deliveries (account_id, kind, message_id, source_addr, source_ton, source_npi, destination_addr, status, error_code, submitted_at, done_at)
     SELECT account_id, 'receipt', message_id, destination_addr, 1, 1, source_addr, status, reason_code, submitted_at, to_timestamp(done_ms / 1000.0)
       FROM done WHERE (registered_delivery & 3) = 1 OR ((registered_delivery & 3) = 2 AND failure)
     ON CONFLICT (kind, message_id) DO NOTHING
     RETURNING account_id`,
    [finals.map((f) => f.messageId), finals.map((f) => f.status), finals.map((f) => f.reasonCode), finals.map((f) => f.doneAtMs), finals.map((f) => f.failure)],
  );
  return queued(rows);
}

export interface Queued {
  count: number;
  accounts: string[];
}
const queued = (rows: { account_id: string }[]): Queued => ({ count: rows.length, accounts: [...new Set(rows.map((r) => r.account_id))] });

export interface InboundDelivery {
  accountId: string;
  messageId: string;
  from: string;
  to: string;
  text: string;
  receivedAtMs: number;
}

/** Queues MO messages of accounts with an SMPP credential for their receivers (a repeated event adds nothing). */
export async function queueInbound(db: Queryable, rows: readonly InboundDelivery[]): Promise<Queued> {
  if (rows.length === 0) return { count: 0, accounts: [] };
  const result = await db.query<{ account_id: string }>(
    `INSERT INTO smpp_deliveries (account_id, kind, message_id, source_addr, destination_addr, text, submitted_at, done_at)
     SELECT a, 'mo', m, f, t, x, to_timestamp(r / 1000.0), to_timestamp(r / 1000.0)
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[]) AS u(a, m, f, t, x, r)
      WHERE EXISTS (SELECT 1 FROM smpp_credentials c WHERE c.account_id = u.a AND c.revoked_at IS NULL)
     ON CONFLICT (kind, message_id) DO NOTHING
     RETURNING account_id`,
    [rows.map((r) => r.accountId), rows.map((r) => r.messageId), rows.map((r) => r.from), rows.map((r) => r.to), rows.map((r) => r.text), rows.map((r) => r.receivedAtMs)],
  );
  return queued(result.rows);
}

interface DeliveryRow {
  id: string;
  kind: 'receipt' | 'mo';
  account_id: string;
  message_id: string;
  source_addr: string;
  source_ton: number;
  source_npi: number;
  destination_addr: string;
  status: number;
  error_code: string;
  text: string;
  submitted_at: Date;
  done_at: Date;
}

/**
 * Claims up to `limit` of the account's pending deliveries for `leaseMs` (oldest first; rows
 * another replica holds are skipped). A claim not acknowledged in time is taken again.
 */
export async function claimDeliveries(db: Queryable, accountId: string, limit: number, leaseMs: number): Promise<PendingDelivery[]> {
  const { rows } = await db.query<DeliveryRow>(
    `UPDATE smpp_deliveries d SET claimed_until = now() + make_interval(secs => $3 / 1000.0), attempts = d.attempts + 1
      WHERE d.id IN (SELECT id FROM smpp_deliveries WHERE account_id = $1 AND (claimed_until IS NULL OR claimed_until < now())
                      ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
      RETURNING d.id::text, d.kind, d.account_id, d.message_id, d.source_addr, d.source_ton, d.source_npi, d.destination_addr, d.status, d.error_code, d.text, d.submitted_at, d.done_at`,
    [accountId, limit, leaseMs],
  );
  return rows
    .sort((a, b) => Number(a.id) - Number(b.id))
    .map((r) => ({ id: r.id, kind: r.kind, accountId: r.account_id, messageId: r.message_id, sourceAddr: r.source_addr, sourceTon: r.source_ton, sourceNpi: r.source_npi, destinationAddr: r.destination_addr, status: r.status, errorCode: r.error_code, text: r.text, submittedAtMs: r.submitted_at.getTime(), doneAtMs: r.done_at.getTime() }));
}

/** Deletes what the ESMEs acknowledged (deliver_sm_resp 0). */
export async function acknowledgeDeliveries(db: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await db.query(`DELETE FROM smpp_deliveries WHERE id = ANY($1::bigint[])`, [ids]);
}

/** Gives claims back at once (the bind closed, or the ESME answered an error): the next bind takes them. */
export async function releaseDeliveries(db: Queryable, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await db.query(`UPDATE smpp_deliveries SET claimed_until = NULL WHERE id = ANY($1::bigint[])`, [ids]);
}
