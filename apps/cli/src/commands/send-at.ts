const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * The --send-at value as epoch milliseconds: an ISO 8601 time with a zone ("2026-12-01T09:00:00Z",
 * "…+01:00"), or a delay from now ("+90s", "+15m", "+2h", "+1d"). Throws with what was wrong.
 */
export function parseSendAt(value: string, now = Date.now()): number {
  const delay = /^\+(\d+)([smhd])$/.exec(value.trim());
  if (delay) return now + Number(delay[1]) * UNIT_MS[delay[2]];
  if (!/(Z|[+-]\d\d:?\d\d)$/i.test(value.trim())) throw new Error(`--send-at "${value}": give a time zone (2026-12-01T09:00:00Z or +01:00) or a delay like +15m`);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`--send-at "${value}" is not an ISO 8601 time (2026-12-01T09:00:00Z) or a delay (+90s, +15m, +2h, +1d)`);
  return ms;
}
