import { Injectable } from '@nestjs/common';
import { MessageStatus, type CancelMessageResponse } from '@smsgw/shared/util-proto';
import { MessageReader } from '../get-message/message.reader';
import { SchedulerService } from '../schedule-message/scheduler.service';

/** The cancel use case behind gRPC CancelMessage and HTTP POST /v1/messages/{id}:cancel. */
@Injectable()
export class CancelMessageService {
  constructor(
    private readonly reader: MessageReader,
    private readonly scheduler: SchedulerService,
  ) {}

  /** The outcome, or undefined when the account has no such message. */
  async cancel(id: string, accountId: string): Promise<CancelMessageResponse | undefined> {
    const [message] = await this.reader.find([id], accountId);
    if (!message) return undefined;
    // Only a scheduled (or pumping-held) message not yet released can be canceled; anything else is on its way.
    if (message.status !== MessageStatus.SCHEDULED && message.status !== MessageStatus.HELD) return { canceled: message.status === MessageStatus.CANCELED, status: message.status };
    const canceled = await this.scheduler.cancel(id);
    return { canceled, status: canceled ? MessageStatus.CANCELED : message.status };
  }
}
