import { heldByPumping, heldForSchedule } from './schedule';

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

describe('heldByPumping', () => {
  it('holds a message SMS-pumping protection held until its release, scheduled or not', () => {
    const held = { acceptedAtMs: 1_000, sendAtMs: 0, releasedAtMs: 0, pumpingHeldUntilMs: 3_601_000 };
    expect([heldByPumping(held), heldForSchedule(held)]).toEqual([true, true]);
    const released = { ...held, releasedAtMs: 5_000 };
    expect([heldByPumping(released), heldForSchedule(released)]).toEqual([false, false]);
    expect(heldByPumping({ releasedAtMs: 0, pumpingHeldUntilMs: 0 })).toBe(false);
  });
});
