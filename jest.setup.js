// Integration tests get their own Kafka topics and consumer groups (KAFKA_TOPIC_PREFIX), so what
// they publish never reaches a dev stack's topics and nothing left from earlier runs reaches them.
// Child processes the tests start inherit the variable. End-to-end suites set their own.
const path = require('node:path');
process.env.KAFKA_TOPIC_PREFIX ??= `it-${Date.now().toString(36)}-${process.pid}.`;
require(path.join(__dirname, 'libs/shared/data-access-kafka/src/topic-prefix.ts')).setTopicPrefix(process.env.KAFKA_TOPIC_PREFIX);
