import { status, type Metadata } from '@grpc/grpc-js';
import { Controller, Inject } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { LOGGER } from '@smsgw/shared/feature-ops';
import type { Logger } from '@smsgw/shared/util-logging';
import {
  CallerAccount,
  CancelMessageRequest,
  CancelMessageResponse,
  Channel,
  GetCallerAccountRequest,
  GetMessageRequest,
  GetUsageRequest,
  Message,
  SendBatchRequest,
  SendBatchResponse,
  SendRequest,
  SendResponse,
  SmsServiceController,
  SmsServiceControllerMethods,
  StatusUpdate,
  Usage,
  WatchStatusRequest,
  type InboundSms,
  type WatchInboundRequest,
} from '@smsgw/shared/util-proto';
import { Observable, catchError, throwError } from 'rxjs';
import { CancelMessageService } from '../cancel-message/cancel-message.service';
import type { Principal } from '@smsgw/accounts/domain';
import { ApiKeyAuthenticator } from '../authenticate/api-key.authenticator';
import { ClientCertificateAuthenticator } from '../authenticate/client-certificate.authenticator';
import { IntakeTokenAuthenticator, type IntakePrincipal } from '../authenticate/intake-token.authenticator';
import { MessageReader } from '../get-message/message.reader';
import { UsageReader } from '../get-usage/usage.reader';
import { SendMessageService } from '../send-message/send-message.service';
import { StatusWatch } from '../watch-status/status-watch';
import { InboundWatch } from '../watch-inbound/inbound-watch';
import { toRpcError } from './rpc-errors';

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
    private readonly watching: StatusWatch,
    private readonly canceling: CancelMessageService,
    private readonly auth: ApiKeyAuthenticator,
    private readonly certificates: ClientCertificateAuthenticator,
    private readonly intake: IntakeTokenAuthenticator,
    private readonly usage: UsageReader,
    private readonly inboundWatch: InboundWatch,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async send(request: SendRequest, metadata?: Metadata, call?: unknown): Promise<SendResponse> {
    try {
      const { accountId, policy, channel } = await this.principal(metadata, call);
      return await this.sending.send(request, channel ?? Channel.GRPC, accountId, policy);
    } catch (err) {
      throw this.toRpcError(err);
    }
  }

  async sendBatch(request: SendBatchRequest, metadata?: Metadata, call?: unknown): Promise<SendBatchResponse> {
    try {
      const { accountId, policy, channel } = await this.principal(metadata, call);
      return { results: await this.sending.sendBatch(request.messages, channel ?? Channel.GRPC, accountId, policy) };
    } catch (err) {
      throw this.toRpcError(err);
    }
  }

  async getMessage(request: GetMessageRequest, metadata?: Metadata, call?: unknown): Promise<Message> {
    let message: Message | undefined;
    try {
      const { accountId } = await this.principal(metadata, call);
      [message] = await this.reader.find([request.id], accountId);
    } catch (err) {
      throw this.toRpcError(err);
    }
    if (!message) {
      throw new RpcException({ code: status.NOT_FOUND, message: `id: no message ${request.id} (ids come from Send; a message just accepted appears within a moment)` });
    }
    return message;
  }

  /** Streams each change until all are final (see StatusWatch); another account's ids never appear. */
  watchStatus(request: WatchStatusRequest, metadata?: Metadata, call?: unknown): Observable<StatusUpdate> {
    return this.watching.watch(request.ids, () => this.principal(metadata, call)).pipe(catchError((err) => throwError(() => this.toRpcError(err))));
  }

  /** Streams the account's inbound messages after request.afterId, then each new one, until the caller cancels (see InboundWatch). */
  watchInbound(request: WatchInboundRequest, metadata?: Metadata, call?: unknown): Observable<InboundSms> {
    return this.inboundWatch.watch(request.afterId, () => this.principal(metadata, call)).pipe(catchError((err) => throwError(() => this.toRpcError(err))));
  }

  async cancelMessage(request: CancelMessageRequest, metadata?: Metadata, call?: unknown): Promise<CancelMessageResponse> {
    let outcome: CancelMessageResponse | undefined;
    try {
      const { accountId } = await this.principal(metadata, call);
      outcome = await this.canceling.cancel(request.id, accountId);
    } catch (err) {
      throw this.toRpcError(err);
    }
    if (!outcome) throw new RpcException({ code: status.NOT_FOUND, message: `id: no message ${request.id}` });
    return outcome;
  }

  async getUsage(request: GetUsageRequest, metadata?: Metadata, call?: unknown): Promise<Usage> {
    try {
      const { accountId } = await this.principal(metadata, call);
      return await this.usage.usage(accountId, request.fromDay, request.toDay);
    } catch (err) {
      throw this.toRpcError(err);
    }
  }

  async getCallerAccount(_request: GetCallerAccountRequest, metadata?: Metadata, call?: unknown): Promise<CallerAccount> {
    try {
      const { accountId, accountName, keyId, policy } = await this.principal(metadata, call);
      return { accountId, accountName: accountName ?? '', keyId, policy };
    } catch (err) {
      throw this.toRpcError(err);
    }
  }

  /**
   * The caller: an intake channel's account (intake token + account metadata), else its API key,
   * else (no authorization metadata) its mapped client certificate, else AUTH.MISSING_KEY.
   */
  private async principal(metadata: Metadata | undefined, call: unknown): Promise<Principal & Partial<Pick<IntakePrincipal, 'channel'>>> {
    if (metadata && this.intake.applies(metadata)) return this.intake.authenticate(metadata);
    if (!metadata?.get('authorization').length) {
      const byCertificate = await this.certificates.authenticate(call);
      if (byCertificate) return byCertificate;
    }
    return this.auth.authenticate(metadata);
  }

  private toRpcError(err: unknown): RpcException {
    return toRpcError(err, this.logger, 'the gateway could not accept the message right now (Kafka or PostgreSQL unavailable); retry with the same idempotency_key');
  }
}
