import { logLevel, type LogEntry } from 'kafkajs';

export type LogLevelName = 'error' | 'warn' | 'info' | 'debug';

const LEVELS: Record<number, LogLevelName> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * Broker answers kafkajs retries by itself (a leader moving or being elected, a new topic not yet
 * everywhere, a coordinator loading, a group rebalancing). kafkajs logs each such response at
 * ERROR; a request that still fails after its retries reaches the caller, which logs it. So they
 * are debug: at start (ensureTopics waits for new leaders) and during rebalances they are routine.
 */
const RETRIED_BY_KAFKAJS = [
  'This server is not the leader for that topic-partition',
  'There is no leader for this topic-partition as we are in the middle of a leadership election',
  'This server does not host this topic-partition',
  "The coordinator is loading and hence can't process requests",
  'This is not the correct coordinator',
  'The coordinator is not available',
  'The group is rebalancing, so a rejoin is needed',
];

/** The pino level for a kafkajs log entry. */
export function kafkaLogLevel({ level, log }: Pick<LogEntry, 'level' | 'log'>): LogLevelName {
  const error = (log as { error?: unknown }).error;
  if (level === logLevel.ERROR && typeof error === 'string' && log.message.startsWith('Response ') && RETRIED_BY_KAFKAJS.includes(error)) return 'debug';
  return LEVELS[level] ?? 'info';
}
