import { InvalidArgumentError } from 'commander';

/** A commander option parser for an ISO 8601 date: its epoch ms. */
export const whenOption = (value: string) => {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new InvalidArgumentError('an ISO 8601 date, e.g. 2026-12-01T00:00:00Z');
  return ms;
};
