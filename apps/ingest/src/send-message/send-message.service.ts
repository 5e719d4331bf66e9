import { Inject, Injectable } from '@nestjs/common';
import { AuthError, BillingError, PolicyError, PumpingSuspectedError, RateLimitedError, assertPolicy, type AccountPolicy } from '@smsgw/accounts/domain';
import { count } from '@smsgw/gsm/util-encoding';
import { TOPICS } from '@smsgw/shared/data-access-kafka';
import { CONFIG, LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { Channel, MessageAccepted, MessageStatus, SendRequest, SendResponse, SendResult, timestampFromMillis, type SendError, encodingName, encodingOfName } from '@smsgw/shared/util-proto';
import { ValidationError, validateSend } from '@smsgw/messages/domain';
import { messageId } from './message-id';
import type { IngestEnv } from '../env';
import { AppProducer } from '@smsgw/shared/feature-ops';
import { IdempotencyInProgressError, IdempotencyStore, UNCONFIRMED, heldKeyOf, type FirstReply, type HeldKey } from './idempotency.store';
import { IngestMetrics } from './ingest.metrics';
import { SendRateLimit } from './rate-limit';
import { CallbackHostCheck } from './callback-host.check';
import { SuppressionCheck } from './suppression-check';
import { StickySenders } from './sticky-senders';
import { OptedOutError } from '@smsgw/twoway/domain';
import type { ReservationRequest } from '@smsgw/accounts/data-access-store';
import { SpendReservation } from './spend-reservation';

const CHANNEL_LABEL: Record<number, string> = { [Channel.GRPC]: 'grpc', [Channel.KAFKA]: 'kafka', [Channel.HTTP]: 'http', [Channel.SMPP]: 'smpp' };

export interface PreparedMessage {
  accepted: MessageAccepted;
  response: SendResponse;
  /** ISO 3166 alpha-2 of the destination, for the account's velocity counters. */
  country: string;
  /** A prepaid account's reservation for it (undone if the message is not published after all). */
  reservation?: ReservationRequest;
}

/** A refusal with a stable code, as every channel reports it. */
export type Refusal = ValidationError | PolicyError | RateLimitedError | PumpingSuspectedError | AuthError | OptedOutError | BillingError | IdempotencyInProgressError;
export const isRefusal = (err: unknown): err is Refusal =>
  err instanceof ValidationError ||
  err instanceof PolicyError ||
  err instanceof RateLimitedError ||
  err instanceof PumpingSuspectedError ||
  err instanceof AuthError ||
  err instanceof OptedOutError ||
  err instanceof BillingError ||
  err instanceof IdempotencyInProgressError;

/**
 * An unconfirmed claim older than this was made by a process that died before publishing (a live
 * one has published, or failed and released the key, by then: the producer's retries end sooner).
 */
export const UNCONFIRMED_TAKEOVER_MS = 60_000;
export const sendErrorOf = (err: Refusal): SendError => ({ code: err.code, field: 'field' in err ? err.field : '', message: err.message });

/** One message to admit: its account (none: '' and no policy, for callers that check none) and where it came from. */
export interface Submission {
  request: SendRequest;
  clientId: string;
  policy?: AccountPolicy;
  /** A Kafka record's topic/partition/offset; '' for gRPC. */
  source?: string;
}

/**
 * What became of a submission: `publish` (new, or a Kafka record consumed again with its first
 * id), `duplicate` (an idempotency key seen before: the first reply), or `refused`.
 */
export type Admission = { publish: PreparedMessage; duplicate?: undefined; refused?: undefined } | { duplicate: SendResponse; publish?: undefined; refused?: undefined } | { refused: Refusal; publish?: undefined; duplicate?: undefined };

/** The send-message use case: validate, give the message an id, publish it to sms.accepted.v1. */
@Injectable()
export class SendMessageService {
  constructor(
    @Inject(CONFIG) private readonly config: IngestEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly producer: AppProducer,
    private readonly idempotency: IdempotencyStore,
    private readonly metrics: IngestMetrics,
    private readonly rateLimit: SendRateLimit,
    private readonly callbackHosts: CallbackHostCheck,
    private readonly suppression: SuppressionCheck,
    private readonly stickySenders: StickySenders,
    private readonly spend: SpendReservation,
  ) {}

  /** Validates, applies the account's policy (if given) and builds the accepted event; throws ValidationError or PolicyError. */
  prepare(request: SendRequest, channel: Channel, clientId = '', policy?: AccountPolicy): PreparedMessage {
    const acceptedAtMs = Date.now();
    const valid = validateSend(request, { defaultRegion: this.config.INGEST_DEFAULT_REGION, maxTextLength: this.config.INGEST_MAX_TEXT_LENGTH }, acceptedAtMs);
    if (policy) assertPolicy({ from: valid.from, country: valid.country, numberType: valid.numberType, callbackUrl: request.callbackUrl }, policy);
    const scheduled = request.sendAtMs > acceptedAtMs;
    const accepted = MessageAccepted.create({
      ...request,
      id: messageId(acceptedAtMs),
      to: valid.to,
      from: valid.from,
      acceptedAtMs,
      channel,
      clientId,
    });
    const estimate = count(request.text, { smart: request.smartEncoding });
    const response = SendResponse.create({
      id: accepted.id,
      status: scheduled ? MessageStatus.SCHEDULED : MessageStatus.ACCEPTED,
      encoding: encodingOfName(estimate.encoding),
      segments: estimate.segments,
      acceptedAt: timestampFromMillis(acceptedAtMs),
    });
    return { accepted, response, country: valid.country };
  }

  /**
   * Every channel's checks for a batch of submissions, in an order that keeps each one a single
   * round trip for the whole batch: the sender of messages naming none from the account's pool
   * (sticky per handset; only for accounts with numbers); validation and policy (no I/O); callback hostnames (cached
   * lookups, only where there are some); the suppressions and, beside them, the idempotency keys
   * looked up (one statement each), so a replay is answered from its stored reply and costs no rate; the
   * rate limits (one Redis call per account); the keys claimed (one statement; a key claimed by
   * a racing request in between makes a duplicate too); then prepaid accounts' worst-case
   * prices reserved (one statement; after every other check, so a refused message costs nothing,
   * and undone for a message a racing key then made a duplicate). Nothing is published here.
   */
  async admit(submissions: Submission[], channel: Channel): Promise<Admission[]> {
    await this.stickySenders.fill(submissions);
    const out: Admission[] = submissions.map((s) => {
      try {
        return { publish: this.prepare(s.request, channel, s.clientId, s.policy) };
      } catch (err) {
        if (!isRefusal(err)) throw err;
        return { refused: err };
      }
    });
    await this.checkCallbackHosts(submissions, out);
    const keyed = (i: number) => (out[i].publish && submissions[i].request.idempotencyKey ? heldKeyOf(submissions[i].clientId, submissions[i].request.idempotencyKey) : undefined);
    const lookups = submissions.flatMap((s, i) => (keyed(i) ? [{ clientId: s.clientId, key: s.request.idempotencyKey }] : []));
    // Independent reads, side by side: an opted-out handset's key found too is simply not used.
    const [, seen] = await Promise.all([this.checkSuppressions(submissions, out), this.idempotency.find(lookups)]);
    const replayed = new Set<number>(); // cost no rate
    const inBatch = new Set<string>();
    // Stale unconfirmed claims this batch means to take over (its first entry per key): taken in
    // one conditional UPDATE beside the claims, so only one replica (or one call) publishes.
    const takers = new Map<number, string>();
    submissions.forEach((s, i) => {
      const k = keyed(i);
      const repeat = k !== undefined && inBatch.has(k);
      if (repeat) replayed.add(i); // a repeat within the batch: a duplicate once claimed
      if (k) inBatch.add(k);
      const holder = k ? seen.get(k) : undefined;
      const p = out[i].publish;
      if (!holder || !p) return;
      replayed.add(i);
      if (holder.source === UNCONFIRMED && holder.ageMs < UNCONFIRMED_TAKEOVER_MS) {
        // The first request may still be publishing: its id is not a promise yet.
        out[i] = { refused: new IdempotencyInProgressError(Math.min(5_000, UNCONFIRMED_TAKEOVER_MS - holder.ageMs)) };
      } else if (holder.source === UNCONFIRMED && repeat) {
        out[i] = { duplicate: this.duplicate(holder, p.response, channel) };
      } else if ((holder.source !== '' && holder.source === s.source) || holder.source === UNCONFIRMED) {
        if (holder.source === UNCONFIRMED && k) takers.set(i, k);
        // This very Kafka record again (a failed produce, a crash before the commit), or a claim
        // whose process died before publishing: published now, with its first id and time.
        p.accepted.id = holder.messageId;
        p.response.id = holder.messageId;
        if (holder.reply) {
          p.accepted.acceptedAtMs = holder.reply.acceptedAtMs;
          p.response.acceptedAt = timestampFromMillis(holder.reply.acceptedAtMs);
        }
      } else {
        out[i] = { duplicate: this.duplicate(holder, p.response, channel) };
      }
    });
    await this.admitVelocity(submissions, out, replayed);
    await this.reserveSpend(submissions, out);
    // Claimed only for what is still to be published: a key of a refused message stays free for its retry.
    const claims = submissions.flatMap((s, i) => {
      const p = out[i].publish;
      return p && keyed(i) && !takers.has(i) ? [{ clientId: s.clientId, key: s.request.idempotencyKey, messageId: p.accepted.id, reply: firstReply(p), source: s.source || UNCONFIRMED }] : [];
    });
    const taking = [...takers].flatMap(([i]) => {
      const p = out[i].publish;
      return p ? [{ i, clientId: submissions[i].clientId, key: submissions[i].request.idempotencyKey, messageId: p.accepted.id }] : [];
    });
    const [held, taken] = await Promise.all([this.idempotency.claimAll(claims), this.idempotency.takeOver(taking, UNCONFIRMED_TAKEOVER_MS)]);
    const undo: ReservationRequest[] = [];
    submissions.forEach((s, i) => {
      const p = out[i].publish;
      const k = keyed(i);
      const holder = k && !takers.has(i) ? held.get(k) : undefined;
      if (p && holder && holder.messageId !== p.accepted.id) {
        if (p.reservation) undo.push(p.reservation);
        out[i] = { duplicate: this.duplicate(holder, p.response, channel) };
      }
    });
    for (const t of taking) {
      const p = out[t.i].publish;
      if (!p || taken.has(heldKeyOf(t.clientId, t.key))) continue;
      // Another replica (or a concurrent call) took the claim over first and is publishing it.
      if (p.reservation) undo.push(p.reservation);
      out[t.i] = { refused: new IdempotencyInProgressError(5_000) };
    }
    await this.spend.cancel(undo);
    for (const a of out) if (a.refused) this.countRejected(a.refused, channel);
    return out;
  }

  /** Prepaid accounts' messages: their worst-case price reserved, all in one statement; what does not fit is refused. */
  private async reserveSpend(submissions: Submission[], out: Admission[]): Promise<void> {
    const at = submissions.flatMap((s, i) => (s.policy?.prepaid && out[i].publish ? [i] : []));
    if (at.length === 0) return;
    const verdicts = await this.spend.reserve(
      at.map((i) => {
        const p = out[i].publish as PreparedMessage;
        return { accepted: p.accepted, encoding: encodingName(p.response.encoding), segments: p.response.segments };
      }),
    );
    at.forEach((i, k) => {
      const v = verdicts[k];
      if (v.refused) out[i] = { refused: v.refused };
      else (out[i].publish as PreparedMessage).reservation = v.reserved;
    });
  }

  /** Handsets that opted out of the account (or sender): one suppression read for the batch, before the rate limit counts them. */
  private async checkSuppressions(submissions: Submission[], out: Admission[]): Promise<void> {
    const at = submissions.flatMap((s, i) => (s.clientId && out[i].publish ? [i] : []));
    if (at.length === 0) return;
    const refused = await this.suppression.refused(at.map((i) => ({ accountId: submissions[i].clientId, to: out[i].publish?.accepted.to ?? '', from: out[i].publish?.accepted.from ?? '' })));
    at.forEach((i, k) => {
      if (refused[k]) out[i] = { refused: new OptedOutError() };
    });
  }

  /** Callback hostnames (each distinct one once, concurrently; cached) resolving to private addresses are refused, unless the account allows them. */
  private async checkCallbackHosts(submissions: Submission[], out: Admission[]): Promise<void> {
    const at = new Map<string, number[]>();
    submissions.forEach((s, i) => {
      if (!s.policy || s.policy.callbackPrivate || !out[i].publish) return;
      const host = CallbackHostCheck.hostnameOf(s.request.callbackUrl);
      if (host) at.set(host, [...(at.get(host) ?? []), i]);
    });
    if (at.size === 0) return;
    await Promise.all(
      [...at].map(async ([host, indices]) => {
        const refusal = await this.callbackHosts.check(host);
        if (refusal) for (const i of indices) out[i] = { refused: refusal };
      }),
    );
  }

  /**
   * The rate limits (one Redis call per account of the batch, concurrently; over the rate, all of
   * that account's new messages are refused) and, at the same time, the SMS-pumping check (one
   * Redis call for every account and country of the batch). A rate refusal wins; what the
   * pumping counters counted for it is taken back. Above the pumping limit, a message is refused,
   * or (policy "hold") accepted as HELD: published with its hold, for the scheduler to keep.
   */
  private async admitVelocity(submissions: Submission[], out: Admission[], replayed: Set<number>): Promise<void> {
    const at = submissions.flatMap((s, i) => (s.policy && out[i].publish && !replayed.has(i) ? [i] : []));
    if (at.length === 0) return;
    const byAccount = new Map<string, { policy: AccountPolicy; at: number[] }>();
    for (const i of at) {
      const s = submissions[i];
      const group = byAccount.get(s.clientId) ?? { policy: s.policy as AccountPolicy, at: [] };
      group.at.push(i);
      byAccount.set(s.clientId, group);
    }
    const candidates = at.map((i) => ({ accountId: submissions[i].clientId, country: out[i].publish?.country ?? '', limit: submissions[i].policy as AccountPolicy }));
    const [rates, pumping] = await Promise.all([
      Promise.all(
        [...byAccount].map(([clientId, { policy, at: group }]) =>
          this.rateLimit.admit(policy, clientId, group.length).then(
            () => undefined,
            (err: unknown) => {
              if (!(err instanceof RateLimitedError)) throw err;
              for (const i of group) out[i] = { refused: err };
              return group;
            },
          ),
        ),
      ),
      this.rateLimit.checkPumping(candidates),
    ]);
    const rateRefused = new Set(rates.flatMap((g) => g ?? []));
    const uncount = at.flatMap((i, k) => (rateRefused.has(i) && !pumping[k] ? [candidates[k]] : []));
    if (uncount.length) this.rateLimit.uncountPumping(uncount);
    const holdUntilMs = Date.now() + this.config.INGEST_PUMPING_HOLD_SECONDS * 1000;
    at.forEach((i, k) => {
      const verdict = pumping[k];
      if (!verdict || rateRefused.has(i)) return;
      const p = out[i].publish;
      if (verdict instanceof PumpingSuspectedError) out[i] = { refused: verdict };
      else if (p) {
        // Accepted all the same (the log has it, the client its id): the scheduler keeps it for an operator.
        p.accepted.pumpingHeldUntilMs = holdUntilMs;
        p.accepted.pumpingCountry = verdict.country;
        p.response.status = MessageStatus.HELD;
      }
    });
  }

  /** One message: answered once the broker has it (acks=all); a refusal is thrown. */
  async send(request: SendRequest, channel: Channel, clientId = '', policy?: AccountPolicy): Promise<SendResponse> {
    const started = process.hrtime.bigint();
    const [admission] = await this.admit([{ request, clientId, policy }], channel);
    if (admission.refused) throw admission.refused;
    if (admission.duplicate) return admission.duplicate;
    const { accepted, response } = admission.publish;
    try {
      await this.producer.send({ topic: TOPICS.accepted, key: accepted.id, value: accepted });
    } catch (err) {
      await this.release(clientId, [admission.publish]);
      this.logger.error({ err, messageId: accepted.id }, 'could not publish to sms.accepted.v1; the client was told UNAVAILABLE');
      throw err;
    }
    await this.confirm(clientId, [admission.publish]);
    this.metrics.accepted.inc({ channel: CHANNEL_LABEL[channel] });
    this.metrics.acceptSeconds.observe({ method: 'send' }, Number(process.hrtime.bigint() - started) / 1e9);
    return response;
  }

  /** Many messages of one account: each checked on its own, the new ones published in one produce request. */
  async sendBatch(requests: SendRequest[], channel: Channel, clientId = '', policy?: AccountPolicy): Promise<SendResult[]> {
    const started = process.hrtime.bigint();
    const n = requests.length;
    if (n === 0 || n > this.config.INGEST_MAX_BATCH) throw new ValidationError('VALIDATION.BATCH_SIZE', 'messages', `messages: a batch holds 1 to ${this.config.INGEST_MAX_BATCH} messages, got ${n}; split it`);
    const admissions = await this.admit(
      requests.map((request) => ({ request, clientId, policy })),
      channel,
    );
    const toPublish = admissions.flatMap((a) => (a.publish ? [a.publish] : []));
    try {
      await this.producer.sendMany(toPublish.map(({ accepted }) => ({ topic: TOPICS.accepted, key: accepted.id, value: accepted })));
    } catch (err) {
      await this.release(clientId, toPublish);
      throw err;
    }
    await this.confirm(clientId, toPublish);
    this.metrics.accepted.inc({ channel: CHANNEL_LABEL[channel] }, toPublish.length);
    this.metrics.acceptSeconds.observe({ method: 'send_batch' }, Number(process.hrtime.bigint() - started) / 1e9);
    return admissions.map((a) => (a.refused ? { accepted: undefined, error: sendErrorOf(a.refused) } : { accepted: a.publish?.response ?? a.duplicate, error: undefined }));
  }

  /** Marks the keys of published messages confirmed; a failure only leaves them to be taken over by a late retry (logged). */
  private async confirm(clientId: string, prepared: PreparedMessage[]): Promise<void> {
    const keys = prepared.flatMap(({ accepted: a }) => (a.idempotencyKey ? [a.idempotencyKey] : []));
    await this.idempotency.confirm(clientId, keys).catch((err) => this.logger.warn({ err, keys: keys.length }, 'published, but the idempotency keys could not be confirmed'));
  }

  /** Frees the keys and reservations of messages that could not be published, so a retry can try again. */
  private async release(clientId: string, prepared: PreparedMessage[]): Promise<void> {
    for (const { accepted: a } of prepared) {
      if (a.idempotencyKey) await this.idempotency.release(clientId, a.idempotencyKey, a.id).catch(() => undefined);
    }
    await this.spend.cancel(prepared.flatMap((p) => (p.reservation ? [p.reservation] : [])));
  }

  /** The first reply to the key (its message, status and accepted time), marked duplicate. */
  duplicate(held: HeldKey, response: SendResponse, channel: Channel): SendResponse {
    this.countDuplicates(channel, 1);
    const first = held.reply;
    return first
      ? { ...response, id: held.messageId, status: first.status, encoding: first.encoding, segments: first.segments, acceptedAt: timestampFromMillis(first.acceptedAtMs), duplicate: true }
      : { ...response, id: held.messageId, duplicate: true }; // a key stored before replies were kept
  }

  countDuplicates(channel: Channel, n: number): void {
    this.metrics.duplicates.inc({ channel: CHANNEL_LABEL[channel] }, n);
  }

  countAccepted(channel: Channel, n: number): void {
    this.metrics.accepted.inc({ channel: CHANNEL_LABEL[channel] }, n);
  }

  countRejected(err: unknown, channel: Channel): void {
    const reason = isRefusal(err) ? err.code : 'INTERNAL';
    this.metrics.rejected.inc({ channel: CHANNEL_LABEL[channel], reason });
    if (err instanceof PolicyError || err instanceof OptedOutError) this.metrics.policyRefused.inc({ code: err.code });
  }
}

/** What the first request with an idempotency key is told. */
export function firstReply({ accepted, response }: PreparedMessage): FirstReply {
  return { status: response.status, encoding: response.encoding, segments: response.segments, acceptedAtMs: accepted.acceptedAtMs };
}
