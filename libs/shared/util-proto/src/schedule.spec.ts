import { heldForSchedule } from './schedule';

describe('heldForSchedule', () => {
  it('holds the first event of a message whose send time is after its acceptance', () => {
    expect(heldForSchedule({ acceptedAtMs: 1_000, sendAtMs: 61_000, releasedAtMs: 0 })).toBe(true);
  });

  it('lets the released copy, and every unscheduled message, through', () => {
    expect(heldForSchedule({ acceptedAtMs: 1_000, sendAtMs: 61_000, releasedAtMs: 61_020 })).toBe(false);
    expect(heldForSchedule({ acceptedAtMs: 1_000, sendAtMs: 0, releasedAtMs: 0 })).toBe(false);
    expect(heldForSchedule({ acceptedAtMs: 1_000, sendAtMs: 900, releasedAtMs: 0 })).toBe(false); // send_at in the past: now
  });
});
