import { Inject, Injectable } from '@nestjs/common';
import { PolicyError, RateLimitedError, assertPolicy, type AccountPolicy } from '@smsgw/accounts/domain';
import { count } from '@smsgw/gsm/util-encoding';
import { TOPICS } from '@smsgw/shared/data-access-kafka';
import { CONFIG, LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { Channel, Encoding, MessageAccepted, MessageStatus, SendRequest, SendResponse, SendResult, timestampFromMillis } from '@smsgw/shared/util-proto';
import { ValidationError, validateSend } from '@smsgw/messages/domain';
import { messageId } from './message-id';
import type { IngestEnv } from '../env';
import { IngestProducer } from '../kafka/kafka.provider';
import { IdempotencyStore, type FirstReply, type HeldKey } from './idempotency.store';
import { IngestMetrics } from './ingest.metrics';
import { SendRateLimit } from './rate-limit';

const ENCODINGS = { gsm7: Encoding.GSM7, ucs2: Encoding.UCS2, latin1: Encoding.LATIN1 } as const;
const CHANNEL_LABEL: Record<number, string> = { [Channel.GRPC]: 'grpc', [Channel.KAFKA]: 'kafka' };

export interface PreparedMessage {
  accepted: MessageAccepted;
  response: SendResponse;
}

/** The send-message use case: validate, give the message an id, publish it to sms.accepted.v1. */
@Injectable()
export class SendMessageService {
  constructor(
    @Inject(CONFIG) private readonly config: IngestEnv,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly producer: IngestProducer,
    private readonly idempotency: IdempotencyStore,
    private readonly metrics: IngestMetrics,
    private readonly rateLimit: SendRateLimit,
  ) {}

  /**
   * Validates, applies the account's policy (none for sms.submit.v1, which names no account yet)
   * and builds the accepted event; throws ValidationError or PolicyError.
   */
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
      encoding: ENCODINGS[estimate.encoding],
      segments: estimate.segments,
      acceptedAt: timestampFromMillis(acceptedAtMs),
    });
    return { accepted, response };
  }

  /** One message: answered once the broker has it (acks=all). */
  async send(request: SendRequest, channel: Channel, clientId = '', policy?: AccountPolicy): Promise<SendResponse> {
    const started = process.hrtime.bigint();
    let prepared: PreparedMessage;
    try {
      prepared = this.prepare(request, channel, clientId, policy);
      if (policy) await this.rateLimit.admit(policy, clientId, 1);
    } catch (err) {
      this.countRejected(err, channel);
      throw err;
    }
    const { accepted, response } = prepared;
    if (request.idempotencyKey) {
      const held = await this.idempotency.claim(clientId, { key: request.idempotencyKey, messageId: accepted.id, reply: firstReply(prepared) });
      if (held) return this.duplicate(held, response, channel);
    }
    try {
      await this.producer.send({ topic: TOPICS.accepted, key: accepted.id, value: accepted });
    } catch (err) {
      if (request.idempotencyKey) await this.idempotency.release(clientId, request.idempotencyKey, accepted.id).catch(() => undefined);
      this.logger.error({ err, messageId: accepted.id }, 'could not publish to sms.accepted.v1; the client was told UNAVAILABLE');
      throw err;
    }
    this.metrics.accepted.inc({ channel: CHANNEL_LABEL[channel] });
    this.metrics.acceptSeconds.observe({ method: 'send' }, Number(process.hrtime.bigint() - started) / 1e9);
    return response;
  }

  /** Many messages: each validated on its own, idempotency keys claimed together, the valid ones published in one produce request. */
  async sendBatch(requests: SendRequest[], channel: Channel, clientId = '', policy?: AccountPolicy): Promise<SendResult[]> {
    const started = process.hrtime.bigint();
    const prepared: (PreparedMessage | undefined)[] = [];
    const results: SendResult[] = [];
    for (const request of requests) {
      try {
        const p = this.prepare(request, channel, clientId, policy);
        prepared.push(p);
        results.push({ accepted: p.response, error: undefined });
      } catch (err) {
        if (!(err instanceof ValidationError || err instanceof PolicyError)) throw err;
        this.countRejected(err, channel);
        prepared.push(undefined);
        results.push({ accepted: undefined, error: { code: err.code, field: err.field, message: err.message } });
      }
    }
    const valid = prepared.filter((p) => p !== undefined).length;
    if (policy && valid > 0) {
      // One Redis call for the whole batch; over the limit, every valid message is refused with the time to retry.
      try {
        await this.rateLimit.admit(policy, clientId, valid);
      } catch (err) {
        if (!(err instanceof RateLimitedError)) throw err;
        prepared.forEach((p, i) => {
          if (!p) return;
          this.countRejected(err, channel);
          results[i] = { accepted: undefined, error: { code: err.code, field: '', message: err.message } };
        });
        return results;
      }
    }
    const claims = prepared.flatMap((p) => (p?.accepted.idempotencyKey ? [{ key: p.accepted.idempotencyKey, messageId: p.accepted.id, reply: firstReply(p) }] : []));
    const held = await this.idempotency.claimMany(clientId, claims);
    const toPublish: PreparedMessage[] = [];
    prepared.forEach((p, i) => {
      if (!p) return;
      const existing = p.accepted.idempotencyKey ? held.get(p.accepted.idempotencyKey) : undefined;
      if (existing && existing.messageId !== p.accepted.id) results[i] = { accepted: this.duplicate(existing, p.response, channel), error: undefined };
      else toPublish.push(p);
    });
    try {
      await this.producer.sendMany(toPublish.map(({ accepted }) => ({ topic: TOPICS.accepted, key: accepted.id, value: accepted })));
    } catch (err) {
      for (const { accepted } of toPublish) {
        if (accepted.idempotencyKey) await this.idempotency.release(clientId, accepted.idempotencyKey, accepted.id).catch(() => undefined);
      }
      throw err;
    }
    this.metrics.accepted.inc({ channel: CHANNEL_LABEL[channel] }, toPublish.length);
    this.metrics.acceptSeconds.observe({ method: 'send_batch' }, Number(process.hrtime.bigint() - started) / 1e9);
    return results;
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
    const reason = err instanceof ValidationError || err instanceof PolicyError || err instanceof RateLimitedError ? err.code : 'INTERNAL';
    this.metrics.rejected.inc({ channel: CHANNEL_LABEL[channel], reason });
    if (err instanceof PolicyError) this.metrics.policyRefused.inc({ code: err.code });
  }
}

/** What the first request with an idempotency key is told. */
export function firstReply({ accepted, response }: PreparedMessage): FirstReply {
  return { status: response.status, encoding: response.encoding, segments: response.segments, acceptedAtMs: accepted.acceptedAtMs };
}
