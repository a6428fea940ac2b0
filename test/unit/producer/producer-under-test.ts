/** The producer handler the unit and fuzz tests drive: a fake Kafka of three partitions and a fixed clock. */
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { LazyProducer } from '../../../lambdas/clients/kafka';
import { createProducerHandler } from '../../../lambdas/producer/index';
import { trackingPartitioner } from '../../../lambdas/producer/kafka-writer';
import { pipeline } from '../../../pipeline';
import { lambdaContext } from '../../events/apigw/load';
import { fakeKafka, type FakeKafka } from './fake-kafka';

/** The clock of the producer under test, epoch ms. */
export const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);

/** The built-in pipeline's producer handler over a fresh fake Kafka, with the idempotency table (mocked by the test) or without. */
export function producerUnderTest({ idempotency = false } = {}): {
  readonly kafka: FakeKafka;
  readonly handle: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;
} {
  const kafka = fakeKafka(trackingPartitioner, 3);
  const handler = createProducerHandler({
    spec: pipeline,
    producers: new LazyProducer(() => kafka.producer),
    idempotency: idempotency ? { tableName: 'idempotency', endpoint: 'http://127.0.0.1:8000' } : undefined,
    now: () => NOW,
    logger: new Logger({ logLevel: 'SILENT' }),
  });
  return { kafka, handle: (event) => handler(event, lambdaContext()) };
}
