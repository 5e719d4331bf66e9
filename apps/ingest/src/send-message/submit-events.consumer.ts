import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { consumerLiveness, TOPICS, decodeBatch, startFetchConsumer, type ConsumedFetch, type FetchedBatch, type OutgoingEvent } from '@smsgw/shared/data-access-kafka';
import { HealthRegistry, LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import { AuthError, assertNamedAccount, type Principal } from '@smsgw/accounts/domain';
import { Channel, SubmitRejected, type SendRequest } from '@smsgw/shared/util-proto';
import { ValidationError } from '@smsgw/messages/domain';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { ApiKeyAuthenticator } from '../authenticate/api-key.authenticator';
import { AppProducer, KAFKA } from '@smsgw/shared/feature-ops';
import { SendMessageService, sendErrorOf, type Refusal, type Submission } from './send-message.service';

/** The record header naming the account whose API key is in the header "authorization: Bearer …". */
export const ACCOUNT_HEADER = 'smsgw-account';

/**
 * The Kafka way in: SendRequest events on sms.submit.v1, each naming its account (header
 * smsgw-account) and carrying one of its API keys (header authorization: Bearer …), checked like
 * a gRPC call's (same authenticator, policy and rate limits). Accepted messages go to
 * sms.accepted.v1 and everything else to sms.submit.rejected.v1 with the original bytes and a
 * stable code, in one produce request, before the batch commits — a bad event never blocks its
 * partition.
 */
@Injectable()
export class SubmitEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer: Consumer | undefined;
  private liveness: (() => true | string) | undefined;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly producer: AppProducer,
    private readonly sending: SendMessageService,
    private readonly auth: ApiKeyAuthenticator,
    health: HealthRegistry,
  ) {
    health.add('submit-consumer', () => this.liveness?.() ?? 'sms.submit.v1 consumer not started');
  }

  // After every onModuleInit (NestJS runs those of one module concurrently): the producer has
  // created the topics and connected before the first batch.
  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await startFetchConsumer(this.kafka, { groupId: 'smsgw-ingest', topics: [TOPICS.submit], logger: this.logger, handle: (f) => this.handle(f) });
    this.liveness = consumerLiveness(this.consumer);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.disconnect();
  }

  /**
   * Every partition of a fetch: each record's API key checked (the key cache: no query for a key
   * read within the second), then the send use case's checks for all of it at once (one
   * idempotency lookup, one rate call per account, one claim statement) and one produce request.
   * An event whose key another record claimed first (a producer's retry) is not published again;
   * a record consumed again (after a failed produce or a crash) republishes its own message.
   */
  async handle(fetch: ConsumedFetch): Promise<void> {
    const out: OutgoingEvent[] = [];
    const records: { batch: FetchedBatch; message: KafkaMessage; request: SendRequest }[] = [];
    for (const batch of fetch.batches) {
      const { events, undecodable } = decodeBatch(TOPICS.submit, batch.messages);
      for (const { message, error } of undecodable) out.push(this.rejected(batch, message, new ValidationError('SUBMIT.UNDECODABLE', '', `value is not a protobuf sms.v1.SendRequest: ${error.message}`)));
      const byOffset = new Map(batch.messages.map((m) => [m.offset, m]));
      for (const event of events) records.push({ batch, message: byOffset.get(event.offset) as KafkaMessage, request: event.value });
    }
    const principals = await Promise.all(records.map(({ message }) => this.principalOf(message)));
    const submissions: Submission[] = [];
    const at: number[] = [];
    records.forEach((r, i) => {
      const principal = principals[i];
      if (principal instanceof AuthError) {
        this.sending.countRejected(principal, Channel.KAFKA);
        out.push(this.rejected(r.batch, r.message, principal));
        return;
      }
      at.push(i);
      submissions.push({ request: r.request, clientId: principal.accountId, policy: principal.policy, source: `${r.batch.topic}/${r.batch.partition}/${r.message.offset}` });
    });
    const admissions = await this.sending.admit(submissions, Channel.KAFKA);
    let duplicates = 0;
    admissions.forEach((a, j) => {
      const r = records[at[j]];
      if (a.publish) out.push({ topic: TOPICS.accepted, key: a.publish.accepted.id, value: a.publish.accepted });
      else if (a.refused) out.push(this.rejected(r.batch, r.message, a.refused));
      else duplicates++;
    });
    await this.producer.sendMany(out);
    const accepted = out.filter((e) => e.topic === TOPICS.accepted).length;
    if (accepted) this.sending.countAccepted(Channel.KAFKA, accepted);
    if (duplicates) this.logger.info({ duplicates }, 'sms.submit.v1 events with an idempotency key seen before: not sent again');
    if (out.length > accepted) this.logger.warn({ rejected: out.length - accepted }, 'sms.submit.v1 events rejected to sms.submit.rejected.v1');
  }

  /** The record's account, or why it is refused; PostgreSQL errors are thrown (the fetch is retried). */
  private async principalOf(message: KafkaMessage): Promise<Principal | AuthError> {
    try {
      return assertNamedAccount(await this.auth.authenticateHeader(header(message, 'authorization')), header(message, ACCOUNT_HEADER));
    } catch (err) {
      if (err instanceof AuthError) return err;
      throw err;
    }
  }

  /** The record, as it came, on sms.submit.rejected.v1 with the code and reason. */
  private rejected(batch: FetchedBatch, message: KafkaMessage, err: Refusal): OutgoingEvent {
    if (err instanceof ValidationError && err.code === 'SUBMIT.UNDECODABLE') this.sending.countRejected(err, Channel.KAFKA);
    const { code, field, message: reason } = sendErrorOf(err);
    return {
      topic: TOPICS.submitRejected,
      key: message.key?.toString() ?? '',
      value: SubmitRejected.create({
        originalValue: message.value ?? Buffer.alloc(0),
        originalKey: message.key ?? Buffer.alloc(0),
        sourcePartition: batch.partition,
        sourceOffset: message.offset,
        code,
        field,
        reason,
        rejectedAtMs: Date.now(),
      }),
    };
  }
}

/** A record header as text (the first value if repeated). */
function header(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}
