import { Kafka } from 'kafkajs';
import type { ProducerConfig } from 'kafkajs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { trackingPartitioner } from '../../../lambdas/producer/kafka-writer';
import { apigwEvent, lambdaContext } from '../../events/apigw/load';
import { fakeKafka } from './fake-kafka';
import type { FakeKafka } from './fake-kafka';

jest.mock('kafkajs', () => ({ ...jest.requireActual<object>('kafkajs'), Kafka: jest.fn() }));
const MockedKafka = jest.mocked(Kafka);

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

async function freshHandler(): Promise<Handler> {
  let handler: Handler | undefined;
  await jest.isolateModulesAsync(async () => {
    handler = (await import('../../../lambdas/producer/index')).handler;
  });
  if (handler === undefined) throw new Error('handler not loaded');
  return handler;
}

const saved = { ...process.env };

afterEach(() => {
  process.env = { ...saved };
  MockedKafka.mockReset();
});

describe('the Lambda entry point', () => {
  it('builds one plaintext producer from KAFKA_BROKERS and reuses it across invocations', async () => {
    // Prepare
    process.env.KAFKA_BROKERS = '127.0.0.1:9092';
    process.env.KAFKA_AUTH = 'none';
    delete process.env.IDEMPOTENCY_TABLE;
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    // The fake partitions with the partitioner the handler's own module copy passes to kafkajs.
    const fakes: FakeKafka[] = [];
    const producer = jest.fn((options: ProducerConfig) => {
      fakes.push(fakeKafka(options.createPartitioner ?? trackingPartitioner, 3));
      return fakes[fakes.length - 1].producer;
    });
    MockedKafka.mockImplementation(() => ({ producer }) as unknown as Kafka);
    const handler = await freshHandler();

    // Act
    const first = await handler(apigwEvent('post-records'), lambdaContext());
    const second = await handler(apigwEvent('post-records'), lambdaContext());

    // Assess
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(MockedKafka).toHaveBeenCalledTimes(1);
    expect(MockedKafka).toHaveBeenCalledWith(expect.objectContaining({ brokers: ['127.0.0.1:9092'], clientId: 'fluxo' }));
    expect(MockedKafka.mock.calls[0][0]).not.toHaveProperty('sasl');
    expect(producer).toHaveBeenCalledWith(expect.objectContaining({ idempotent: true, maxInFlightRequests: 1 }));
    expect(fakes).toHaveLength(1);
    expect(fakes[0].connect).toHaveBeenCalledTimes(1);
    expect(fakes[0].written).toHaveLength(4);
  });

  it('answers 500 without leaking configuration when KAFKA_BROKERS is missing', async () => {
    // Prepare
    delete process.env.KAFKA_BROKERS;
    process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
    const handler = await freshHandler();

    // Act
    const answer = await handler(apigwEvent('post-records'), lambdaContext());

    // Assess
    expect(answer.statusCode).toBe(500);
    expect(JSON.parse(answer.body)).toMatchObject({ error_code: 50001 });
    expect(MockedKafka).not.toHaveBeenCalled();
  });

  it('serves GET /topics without touching Kafka', async () => {
    // Prepare
    delete process.env.KAFKA_BROKERS;
    const handler = await freshHandler();

    // Act
    const answer = await handler(apigwEvent('get-topics'), lambdaContext());

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(MockedKafka).not.toHaveBeenCalled();
  });
});
