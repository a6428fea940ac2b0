/**
 * What `npm start` prints once the local stack runs: where the API, the dashboard and Kafka are,
 * the topics and consumers, and commands to try, the course's own clients included.
 */
import { pipeline } from '../pipeline';
import { ENV } from '../core/config';
import { resolveConsumer, resolveTopic } from '../core/spec';
import { COURSE_KAFKA_PORT, type LocalServices } from './emulation/services';
import type { LocalStack } from './stack';

/** What the banner says about Kafka: its bootstrap address, and how the course's own clients reach it. */
export function kafkaLines(brokers: string, startedHere: boolean): string[] {
  const port = Number(brokers.split(',')[0]?.split(':').pop());
  const address = port === COURSE_KAFKA_PORT ? 'localhost:9092' : brokers;
  const where =
    port === COURSE_KAFKA_PORT
      ? `  Kafka bootstrap ${brokers}: the course's localhost:9092 works as typed`
      : startedHere
        ? `  Kafka bootstrap ${brokers} (port ${COURSE_KAFKA_PORT} was taken by another program: use ${brokers} where the course says localhost:9092)`
        : `  Kafka bootstrap ${brokers} (from ${ENV.kafkaBrokers})`;
  return [
    where,
    "  the course's kafka-python producer, unchanged but for the topic:",
    `    producer = KafkaProducer(bootstrap_servers='${address}', value_serializer=lambda v: json.dumps(v).encode('utf-8'))`,
    `    producer.send('health', [7, {"idade": 30, "altura": 170, "peso": 95}]); producer.flush()`,
    "  Kafka's own tools (kafka-topics, kafka-console-producer, kafka-console-consumer, kafka-consumer-groups):",
    `    npx fluxo kafka kafka-console-producer.sh --bootstrap-server ${address} --topic mensagens`,
  ];
}

/** The banner, once everything runs. */
export function banner(stack: LocalStack, services: LocalServices, seconds: number): string {
  const topics = pipeline.topics
    .map(resolveTopic)
    .map((t) => `    ${t.name.padEnd(12)} ${t.partitions} partition(s)${t.format === 'text' ? '  (lines of text)' : ''}`);
  const consumers = pipeline.consumers
    .map(resolveConsumer)
    .map((c) => `    ${c.name.padEnd(20)} <- ${c.topics.join(', ')}  (group ${c.mappings.map((m) => m.groupId).join(', ')})`);
  return [
    '',
    `fluxo is running (${seconds.toFixed(1)} s): ${stack.url}`,
    `  dashboard ${stack.url}/   OpenAPI ${stack.url}/openapi.json`,
    ...kafkaLines(services.kafkaBrokers, services.started.kafka),
    `  DynamoDB ${services.dynamodbEndpoint}`,
    '  topics:',
    ...topics,
    '  consumers:',
    ...consumers,
    '',
    '  try:',
    `    curl -s -X POST ${stack.url}/topics/health/records -H 'Content-Type: application/json' \\`,
    `      -d '{"records":[{"value":[7,{"idade":30,"altura":170,"peso":95}]},{"value":[8,{"idade":41,"altura":150,"peso":90}]}]}'`,
    `    curl -s ${stack.url}/results/peso-acima-80`,
    `    npx fluxo tail health --from-beginning`,
    '',
    '  Ctrl-C stops everything.',
    '',
  ].join('\n');
}
