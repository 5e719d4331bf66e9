export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface LocalTime {
  /** 0 = Sunday. */
  day: number;
  /** Minutes since local midnight. */
  minute: number;
}

const STEP_MS = 15 * 60_000;

/**
 * Local day and time in one IANA zone. Intl is slow (microseconds a call), so the zone's offset is
 * computed once per quarter hour — every zone's offset changes only on a quarter-hour boundary.
 */
export class ZoneClock {
  private readonly format: Intl.DateTimeFormat;
  private slot = Number.NaN;
  private offsetMs = 0;

  constructor(readonly zone: string) {
    // Throws a RangeError for an unknown zone: the rules loader reports it.
    this.format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
  }

  at(nowMs: number): LocalTime {
    const slot = Math.floor(nowMs / STEP_MS);
    if (slot !== this.slot) {
      const start = slot * STEP_MS;
      const p = Object.fromEntries(this.format.formatToParts(new Date(start)).map((x) => [x.type, x.value]));
      this.offsetMs = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute)) - start;
      this.slot = slot;
    }
    const local = new Date(nowMs + this.offsetMs);
    return { day: local.getUTCDay(), minute: local.getUTCHours() * 60 + local.getUTCMinutes() };
  }
}
