/** One SMS of a mail as the report shows it. */
export interface ReportedMessage {
  id: string;
  /** E.164: the report goes to the mail's sender, who wrote the number. */
  to: string;
  /** The status name (DELIVERED, UNDELIVERED…); a non-final one when the wait ran out. */
  status: string;
  final: boolean;
  reasonCode: string;
  reason: string;
}

/**
 * The delivery report mailed back to a mail's envelope sender: a subject that says how many SMS
 * were delivered, and one line per SMS (number, status, reason, message id).
 */
export function deliveryReport(mail: { subject: string }, messages: readonly ReportedMessage[], waitedSeconds: number): { subject: string; text: string } {
  const delivered = messages.filter((m) => m.status === 'DELIVERED').length;
  const subject = `SMS delivery report: ${delivered} of ${messages.length} delivered${mail.subject ? ` (${mail.subject.slice(0, 120)})` : ''}`;
  const lines = messages.map((m) => {
    const why = m.reasonCode ? ` (${m.reasonCode}${m.reason ? `: ${m.reason}` : ''})` : '';
    const state = m.final ? `${m.status}${why}` : `still ${m.status} after ${waitedSeconds} s, no final status yet`;
    return `${m.to}  ${state}  [${m.id}]`;
  });
  return { subject, text: [`Your mail became ${messages.length} SMS:`, '', ...lines, '', 'This report was sent because your account asks for delivery reports by email.', ''].join('\n') };
}
