// sms.submitted.v2's SubmitEvent: one segment's submission or a decision about the whole message.
// Every producer builds its events here, and events read from the retired sms.submitted.v1 become
// SubmitEvents here too, so consumers know one shape.
import { MessageReport, SegmentReport, SubmitEvent, type MessageAccepted, type SubmitReport } from './generated/sms/v1/events';

/** The fields every SubmitEvent carries, whatever its subject. */
export type SubmitEventHeader = Omit<SubmitEvent, 'subject'>;

/** What an event repeats of the accepted message it is about (empty when the message is not known). */
export function acceptedFieldsOf(m: MessageAccepted | undefined): Pick<SubmitEventHeader, 'acceptedAtMs' | 'to' | 'from' | 'clientReference'> {
  return { acceptedAtMs: m?.acceptedAtMs ?? 0, to: m?.to ?? '', from: m?.from ?? '', clientReference: m?.clientReference ?? '' };
}

export function segmentEvent(header: Partial<SubmitEventHeader>, segment: Partial<SegmentReport>): SubmitEvent {
  return { ...SubmitEvent.create(header), subject: { $case: 'segment', value: SegmentReport.create(segment) } };
}

export function messageEvent(header: Partial<SubmitEventHeader>, message: Partial<MessageReport>): SubmitEvent {
  return { ...SubmitEvent.create(header), subject: { $case: 'message', value: MessageReport.create(message) } };
}

/** The carrier an event names ('' when none was chosen). */
export function carrierOfEvent(e: SubmitEvent): string {
  return e.subject?.value.carrierId ?? '';
}

/** A sms.submitted.v1 report as the event sms.submitted.v2 carries: segment_index -1 was the whole message. */
export function submitEventFromV1(r: SubmitReport): SubmitEvent {
  const header: SubmitEventHeader = {
    messageId: r.messageId,
    segmentCount: r.segmentCount,
    reportedAtMs: r.reportedAtMs,
    acceptedAtMs: r.acceptedAtMs,
    encoding: r.encoding,
    to: r.to,
    from: r.from,
    clientReference: r.clientReference,
  };
  const { carrierId, outcome, commandStatus, reasonCode, reason } = r;
  return r.segmentIndex < 0
    ? messageEvent(header, { outcome, carrierId, commandStatus, reasonCode, reason, route: r.route })
    : segmentEvent(header, { index: r.segmentIndex, carrierId, outcome, smscMessageId: r.smscMessageId, commandStatus, reasonCode, reason });
}
