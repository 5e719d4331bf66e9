/** The fields of MessageAccepted that decide whether it is held for its send time. */
export interface ScheduleFields {
  sendAtMs: number;
  acceptedAtMs: number;
  releasedAtMs: number;
  /** Set when SMS-pumping protection held the message for an operator. */
  pumpingHeldUntilMs?: number;
}

/**
 * A scheduled message's first accepted event: ingest's scheduler keeps it until its send time and
 * then publishes it again with releasedAtMs set. Only that released copy is encoded and sent.
 * Decided by ingest at acceptance (send_at after accepted_at), never by a consumer's clock, so
 * every consumer agrees however far behind it is.
 */
export function heldForSchedule(m: ScheduleFields): boolean {
  return (m.sendAtMs > m.acceptedAtMs || heldByPumping(m)) && m.releasedAtMs === 0;
}

/**
 * The first accepted event of a message SMS-pumping protection held (policy "hold"): kept like a
 * scheduled one (heldForSchedule is true too), as HELD, until an operator releases it (published
 * again with releasedAtMs set) or it is refused.
 */
export function heldByPumping(m: Pick<ScheduleFields, 'releasedAtMs' | 'pumpingHeldUntilMs'>): boolean {
  return (m.pumpingHeldUntilMs ?? 0) > 0 && m.releasedAtMs === 0;
}

/** When a message started through the pipeline: its release for a scheduled one, else its acceptance. */
export function pipelineStartMs(m: Pick<ScheduleFields, 'acceptedAtMs' | 'releasedAtMs'>): number {
  return m.releasedAtMs || m.acceptedAtMs;
}
