import type { SubmitReport } from './generated/sms/v1/events';

/**
 * `segment_index` of a SubmitReport about the whole message rather than one segment: routed,
 * not routable, canceled, failed before any carrier, handed on for another carrier.
 */
export const WHOLE_MESSAGE = -1;

export function isWholeMessage(report: Pick<SubmitReport, 'segmentIndex'>): boolean {
  return report.segmentIndex < 0;
}
