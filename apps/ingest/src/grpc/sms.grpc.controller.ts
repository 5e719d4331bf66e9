import { status, type Metadata } from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { CONFIG, LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import {
  CancelMessageRequest,
  CancelMessageResponse,
  Channel,
  GetMessageRequest,
  Message,
  MessageStatus,
  SendBatchRequest,
  SendBatchResponse,
  SendRequest,
  SendResponse,
  SmsServiceController,
  SmsServiceControllerMethods,
  StatusUpdate,
  WatchStatusRequest,
} from '@smsgw/shared/util-proto';
import { Observable } from 'rxjs';
import { ApiKeyAuthenticator } from '../authenticate/api-key.authenticator';
import type { IngestEnv } from '../env';
import { MessageReader } from '../get-message/message.reader';
import { SchedulerService } from '../schedule-message/scheduler.service';
import { SendMessageService } from '../send-message/send-message.service';
import { toRpcError } from './rpc-errors';

const FINAL = new Set([MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.EXPIRED, MessageStatus.REJECTED, MessageStatus.FAILED, MessageStatus.CANCELED]);
const WATCH_POLL_MS = 250;

/**
 * sms.v1.SmsService over gRPC. Every method first authenticates the caller's API key; messages
 * are sent as, and read only by, its account (another account's message answers NOT_FOUND).
 */
@Controller()
@SmsServiceControllerMethods()
export class SmsGrpcController implements SmsServiceController {
  constructor(
    private readonly sending: SendMessageService,
    private readonly reader: MessageReader,
    private readonly scheduler: SchedulerService,
    private readonly auth: ApiKeyAuthenticator,
    @Inject(CONFIG) private readonly config: IngestEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async send(request: SendRequest, metadata?: Metadata): Promise<SendResponse> {
    try {
      const { accountId, policy } = await this.auth.authenticate(metadata);
      return await this.sending.send(request, Channel.GRPC, accountId, policy);
    } catch (err) {
      throw this.toRpcError(err);
    }
  }

  async sendBatch(request: SendBatchRequest, metadata?: Metadata): Promise<SendBatchResponse> {
    try {
      const { accountId, policy } = await this.auth.authenticate(metadata);
      const n = request.messages.length;
      if (n === 0 || n > this.config.INGEST_MAX_BATCH) {
        throw new RpcException({ code: status.INVALID_ARGUMENT, message: `messages: a batch holds 1 to ${this.config.INGEST_MAX_BATCH} messages, got ${n}; split it [VALIDATION.BATCH_SIZE]` });
      }
      return { results: await this.sending.sendBatch(request.messages, Channel.GRPC, accountId, policy) };
    } catch (err) {
      throw this.toRpcError(err);
    }
  }

  async getMessage(request: GetMessageRequest, metadata?: Metadata): Promise<Message> {
    let message: Message | undefined;
    try {
      const { accountId } = await this.auth.authenticate(metadata);
      [message] = await this.reader.find([request.id], accountId);
    } catch (err) {
      throw this.toRpcError(err);
    }
    if (!message) {
      throw new RpcException({ code: status.NOT_FOUND, message: `id: no message ${request.id} (ids come from Send; a message just accepted appears within a moment)` });
    }
    return message;
  }

  /**
   * Polls the status store (bounded: at most 1,000 ids) and streams each change until all are
   * final. Ids of other accounts never appear, like ids that do not exist.
   */
  watchStatus(request: WatchStatusRequest, metadata?: Metadata): Observable<StatusUpdate> {
    const ids = [...new Set(request.ids)];
    return new Observable<StatusUpdate>((subscriber) => {
      const seen = new Map<string, MessageStatus>();
      let timer: NodeJS.Timeout | undefined;
      let closed = false;
      const poll = async () => {
        try {
          // Every poll: a key revoked mid-stream ends the stream within KEY_CACHE_MS and a poll.
          const { accountId } = await this.auth.authenticate(metadata);
          if (ids.length === 0 || ids.length > 1000) {
            throw new RpcException({ code: status.INVALID_ARGUMENT, message: `ids: watch 1 to 1000 messages, got ${ids.length}` });
          }
          const pending = ids.filter((id) => !FINAL.has(seen.get(id) ?? MessageStatus.UNSPECIFIED));
          for (const m of await this.reader.find(pending, accountId)) {
            if (seen.get(m.id) === m.status) continue;
            seen.set(m.id, m.status);
            subscriber.next({ id: m.id, status: m.status, reasonCode: m.reasonCode, reason: m.reason, clientReference: m.clientReference, updatedAt: m.updatedAt });
          }
          if (ids.every((id) => FINAL.has(seen.get(id) ?? MessageStatus.UNSPECIFIED))) subscriber.complete();
          else if (!closed) timer = setTimeout(poll, WATCH_POLL_MS);
        } catch (err) {
          subscriber.error(this.toRpcError(err));
        }
      };
      void poll();
      return () => {
        closed = true;
        clearTimeout(timer);
      };
    });
  }

  async cancelMessage(request: CancelMessageRequest, metadata?: Metadata): Promise<CancelMessageResponse> {
    try {
      const { accountId } = await this.auth.authenticate(metadata);
      const [message] = await this.reader.find([request.id], accountId);
      if (!message) throw new RpcException({ code: status.NOT_FOUND, message: `id: no message ${request.id}` });
      // Only a scheduled message not yet released can be canceled; anything else is on its way.
      if (message.status !== MessageStatus.SCHEDULED) return { canceled: message.status === MessageStatus.CANCELED, status: message.status };
      const canceled = await this.scheduler.cancel(request.id);
      return { canceled, status: canceled ? MessageStatus.CANCELED : message.status };
    } catch (err) {
      throw this.toRpcError(err);
    }
  }

  private toRpcError(err: unknown): RpcException {
    return toRpcError(err, this.logger, 'the gateway could not accept the message right now (Kafka or PostgreSQL unavailable); retry with the same idempotency_key');
  }
}
