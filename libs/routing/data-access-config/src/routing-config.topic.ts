// sms.routing-config.v1: the versions as Kafka records (key: the configuration name) and the
// publisher the admin API and a bootstrapping router use.
import { sortedPins, type RoutingConfigAction, type RoutingConfigVersionRecord } from '@smsgw/routing/domain';
import { TOPICS, ensureTopics, routingConfigTopicSpec, type EventProducer, type TopicLayout } from '@smsgw/shared/data-access-kafka';
import { RoutingConfigVersion } from '@smsgw/shared/util-proto';
import type { Kafka } from 'kafkajs';
import type { PublishRoutingConfig } from './routing-config.store';

export const toRoutingConfigMessage = (r: RoutingConfigVersionRecord): RoutingConfigVersion =>
  RoutingConfigVersion.create({
    name: r.name,
    version: r.version,
    routesYaml: r.routesYaml,
    rateCards: Object.entries(r.rateCardPins).map(([carrier, version]) => ({ carrier, version })),
    contentSha256: r.contentSha256,
    action: r.action,
    sourceVersion: r.sourceVersion,
    createdBy: r.createdBy,
    comment: r.comment,
    createdAtMs: r.createdAtMs,
  });

export const fromRoutingConfigMessage = (m: RoutingConfigVersion): RoutingConfigVersionRecord => ({
  name: m.name,
  version: m.version,
  routesYaml: m.routesYaml,
  rateCardPins: sortedPins(Object.fromEntries(m.rateCards.map((p) => [p.carrier, p.version]))),
  contentSha256: m.contentSha256,
  action: m.action as RoutingConfigAction,
  sourceVersion: m.sourceVersion,
  createdBy: m.createdBy,
  comment: m.comment,
  createdAtMs: m.createdAtMs,
});

const PUBLISH_TIMEOUT_MS = 10_000;

/**
 * Publishes versions with a producer the caller owns (acks=all); the topic is made on first use
 * (compacted, one partition). Gives up after 10 s, so an admin call with Kafka down answers
 * ROUTING.CONFIG_NOT_PUBLISHED instead of hanging while it holds the configuration's lock.
 */
export function routingConfigPublisher(kafka: Kafka, producer: EventProducer, layout: TopicLayout, timeoutMs = PUBLISH_TIMEOUT_MS): PublishRoutingConfig {
  let ready: Promise<unknown> | undefined;
  return async (record) => {
    ready ??= ensureTopics(kafka, [routingConfigTopicSpec(layout)]).catch((err) => {
      ready = undefined;
      throw err;
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no acknowledgement within ${timeoutMs / 1000} s`)), timeoutMs)));
    try {
      await Promise.race([ready.then(() => producer.send({ topic: TOPICS.routingConfig, key: record.name, value: toRoutingConfigMessage(record) })), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}
