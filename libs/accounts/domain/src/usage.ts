import { AccountError } from './errors';

export const USAGE_MAX_DAYS = 366;
export const USAGE_DEFAULT_DAYS = 30;
const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** UTC days [fromDay, toDay] as the half-open time range [fromMs, untilMs) the store counts. */
export interface UsageRange {
  fromDay: string;
  toDay: string;
  fromMs: number;
  untilMs: number;
}

const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
function parseDay(day: string, field: string): number {
  const ms = DAY.test(day) ? Date.parse(`${day}T00:00:00Z`) : NaN;
  if (Number.isNaN(ms) || dayOf(ms) !== day) throw new AccountError('ACCOUNT.INVALID_USAGE_RANGE', `${field} "${day.slice(0, 20)}" is not a day: write YYYY-MM-DD (UTC), e.g. 2026-12-01`);
  return ms;
}

/** The days asked for: empty toDay is today (UTC), empty fromDay 29 days before it; at most USAGE_MAX_DAYS. */
export function usageRange(fromDay: string, toDay: string, nowMs = Date.now()): UsageRange {
  const toMs = toDay ? parseDay(toDay, 'to_day') : Date.parse(`${dayOf(nowMs)}T00:00:00Z`);
  const fromMs = fromDay ? parseDay(fromDay, 'from_day') : toMs - (USAGE_DEFAULT_DAYS - 1) * DAY_MS;
  const days = (toMs - fromMs) / DAY_MS + 1;
  if (days < 1) throw new AccountError('ACCOUNT.INVALID_USAGE_RANGE', `from_day ${dayOf(fromMs)} is after to_day ${dayOf(toMs)}`);
  if (days > USAGE_MAX_DAYS) throw new AccountError('ACCOUNT.INVALID_USAGE_RANGE', `${days} days asked for; at most ${USAGE_MAX_DAYS} at once`);
  return { fromDay: dayOf(fromMs), toDay: dayOf(toMs), fromMs, untilMs: toMs + DAY_MS };
}
