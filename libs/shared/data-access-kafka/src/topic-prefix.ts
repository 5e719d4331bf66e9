// Kept apart from topics.ts (no imports), so a test setup can set the prefix cheaply.
let topicPrefix = '';

/**
 * Prefix for every topic and consumer group name of this process (KAFKA_TOPIC_PREFIX), so that
 * environments sharing a cluster (staging beside production, a test run beside a dev stack) stay
 * apart. Set once in main.ts, before any Kafka client starts.
 */
export function setTopicPrefix(prefix: string): void {
  if (!/^[A-Za-z0-9._-]*$/.test(prefix)) throw new Error(`topic prefix "${prefix}" may hold only letters, digits, ".", "_" and "-"`);
  topicPrefix = prefix;
}

/** A topic or consumer group name with this process's prefix. */
export function prefixed(name: string): string {
  return topicPrefix + name;
}
