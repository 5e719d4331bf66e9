import { status } from '@grpc/grpc-js';
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
import { ValidationError } from '@smsgw/messages/domain';
import { Observable } from 'rxjs';
import type { IngestEnv } from '../env';
import { MessageReader } from '../get-message/message.reader';
import { SchedulerService } from '../schedule-message/scheduler.service';
import { SendMessageService } from '../send-message/send-message.service';

const FINAL = new Set([MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.EXPIRED, MessageStatus.REJECTED, MessageStatus.FAILED, MessageStatus.CANCELED]);
const WATCH_POLL_MS = 250;

/** sms.v1.SmsService over gRPC. */
@Controller()
@SmsServiceControllerMethods()
export class SmsGrpcController implements SmsServiceController {
  constructor(
    private readonly sending: SendMessageService,
    private readonly reader: MessageReader,
    private readonly scheduler: SchedulerService,
    @Inject(CONFIG) private readonly config: IngestEnv,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async send(request: SendRequest): Promise<SendResponse> {
    try {
      return await this.sending.send(request, Channel.GRPC);
    } catch (err) {
      throw this.toRpcError(err);
    }
  }

  async sendBatch(request: SendBatchRequest): Promise<SendBatchResponse> {
    const n = request.messages.length;
    if (n === 0 || n > this.config.INGEST_MAX_BATCH) {
      throw new RpcException({ code: status.INVALID_ARGUMENT, message: `messages: a batch holds 1 to ${this.config.INGEST_MAX_BATCH} messages, got ${n}` });
    }
    try {
      return { results: await this.sending.sendBatch(request.messages, Channel.GRPC) };
    } catch (err) {
      throw this.toRpcError(err);
    }
  }

  async getMessage(request: GetMessageRequest): Promise<Message> {
    const [message] = await this.reader.find([request.id]);
    if (!message) {
      throw new RpcException({ code: status.NOT_FOUND, message: `id: no message ${request.id} (ids come from Send; a message just accepted appears within a moment)` });
    }
    return message;
  }

  /** Polls the status store (bounded: at most 1,000 ids) and streams each change until all are final. */
  watchStatus(request: WatchStatusRequest): Observable<StatusUpdate> {
    const ids = [...new Set(request.ids)];
    if (ids.length === 0 || ids.length > 1000) {
      throw new RpcException({ code: status.INVALID_ARGUMENT, message: `ids: watch 1 to 1000 messages, got ${ids.length}` });
    }
    return new Observable<StatusUpdate>((subscriber) => {
      const seen = new Map<string, MessageStatus>();
      let timer: NodeJS.Timeout | undefined;
      const poll = async () => {
        try {
          const pending = ids.filter((id) => !FINAL.has(seen.get(id) ?? MessageStatus.UNSPECIFIED));
          for (const m of await this.reader.find(pending)) {
            if (seen.get(m.id) === m.status) continue;
            seen.set(m.id, m.status);
            subscriber.next({ id: m.id, status: m.status, reasonCode: m.reasonCode, reason: m.reason, clientReference: m.clientReference, updatedAt: m.updatedAt });
          }
          if (ids.every((id) => FINAL.has(seen.get(id) ?? MessageStatus.UNSPECIFIED))) subscriber.complete();
          else timer = setTimeout(poll, WATCH_POLL_MS);
        } catch (err) {
          subscriber.error(this.toRpcError(err));
        }
      };
      void poll();
      return () => clearTimeout(timer);
    });
  }

  async cancelMessage(request: CancelMessageRequest): Promise<CancelMessageResponse> {
    const [message] = await this.reader.find([request.id]);
    if (!message) throw new RpcException({ code: status.NOT_FOUND, message: `id: no message ${request.id}` });
    // Only a scheduled message not yet released can be canceled; anything else is on its way.
    if (message.status !== MessageStatus.SCHEDULED) return { canceled: message.status === MessageStatus.CANCELED, status: message.status };
    try {
      const canceled = await this.scheduler.cancel(request.id);
      return { canceled, status: canceled ? MessageStatus.CANCELED : message.status };
    } catch (err) {
      throw this.toRpcError(err);
    }
  }

  private toRpcError(err: unknown): RpcException {
    if (err instanceof RpcException) return err;
    if (err instanceof ValidationError) return new RpcException({ code: status.INVALID_ARGUMENT, message: `${err.message} [${err.code}]` }); // messages start with the field name
    this.logger.error({ err }, 'request failed');
    return new RpcException({ code: status.UNAVAILABLE, message: 'the gateway could not accept the message right now (Kafka or PostgreSQL unavailable); retry with the same idempotency_key' });
  }
}
