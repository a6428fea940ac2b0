/**
 * The topic-admin custom resource (CDK Provider framework `onEvent`), for the broker modes where
 * CloudFormation cannot create topics (MSK Serverless, the ec2 broker). Idempotent:
 *
 * - Create / Update: create the topic when missing, add partitions when it has fewer (never
 *   fewer: a clear error), set `retention.ms`. A renamed topic is a replacement: the new name is
 *   the new PhysicalResourceId and CloudFormation then deletes the old one.
 * - Delete: delete the topic; a topic that does not exist is fine.
 *
 * ResourceProperties: `{ Name, Partitions, RetentionHours, ReplicationFactor? }` (CloudFormation
 * passes numbers as strings). PhysicalResourceId = the topic name.
 */
import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';
import type { Kafka } from 'kafkajs';
import { createKafka, deleteTopicIfExists, ensureTopic, kafkaOptionsFromEnv } from '../clients/kafka';
import type { TopicResourceProperties as StackTopicProperties, TopicSettings } from '../../core/deployment';
import { namedError } from '../../core/errors';

/** The custom resource's properties as the stack sets them, numbers possibly as strings, and the provider's ServiceToken. */
export type TopicResourceProperties = { readonly [K in keyof StackTopicProperties]: StackTopicProperties[K] | string } & {
  readonly ServiceToken: string;
};

/** The custom resource's properties are wrong. */
export class TopicPropertiesError extends namedError('TopicPropertiesError') {}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

function wholeNumber(value: string | number | undefined, name: string, min: number, max: number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (value === undefined || value === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new TopicPropertiesError(`${name} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)})`);
  }
  return n;
}

/** Reads and checks the resource properties. */
export function topicSettings(properties: TopicResourceProperties): TopicSettings {
  if (typeof properties.Name !== 'string' || !TOPIC_NAME.test(properties.Name)) {
    throw new TopicPropertiesError(`Name must be 1 to 249 of [a-zA-Z0-9._-] (got ${JSON.stringify(properties.Name)})`);
  }
  return {
    name: properties.Name,
    partitions: wholeNumber(properties.Partitions, 'Partitions', 1, 1000),
    retentionHours: wholeNumber(properties.RetentionHours, 'RetentionHours', 1, 87_600),
    ...(properties.ReplicationFactor === undefined
      ? {}
      : { replicationFactor: wholeNumber(properties.ReplicationFactor, 'ReplicationFactor', 1, 3) }),
  };
}

/** Applies one lifecycle event with a kafkajs client; exported for tests. */
export async function onTopicEvent(
  event: CdkCustomResourceEvent<TopicResourceProperties>,
  kafka: Kafka,
): Promise<CdkCustomResourceResponse> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (event.RequestType === 'Delete') {
      // A failed Create leaves a physical id that is not a topic name: nothing to delete.
      if (TOPIC_NAME.test(event.PhysicalResourceId)) await deleteTopicIfExists(admin, event.PhysicalResourceId);
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    const settings = topicSettings(event.ResourceProperties);
    const outcome = await ensureTopic(admin, settings);
    return { PhysicalResourceId: settings.name, Data: { Name: settings.name, Outcome: outcome } };
  } finally {
    await admin.disconnect();
  }
}

/** The Lambda entry point: Kafka from `KAFKA_BROKERS` / `KAFKA_AUTH`. */
export async function handler(event: CdkCustomResourceEvent<TopicResourceProperties>): Promise<CdkCustomResourceResponse> {
  return onTopicEvent(event, createKafka({ ...kafkaOptionsFromEnv(), clientId: 'fluxo-topics', requestTimeoutMs: 30_000 }));
}
