import { INGEST_TIME_HEADER } from '../../../lambdas/shared/kafka-record';
import { FilterPatternError } from '../../../lambdas/shared/filter';
import { findConsumer } from '../../../lambdas/shared/spec';
import { pipeline } from '../../../pipeline';
import { classifyRecord, ingestTimeOf, planConsumer } from '../../../lambdas/consumer/classify';
import { consumerOf, kafkaRecord } from './helpers';

describe('ingestTimeOf', () => {
  it('reads the ingest-time header as epoch ms', () => {
    // Prepare
    const record = kafkaRecord({ offset: 0, timestamp: 1_000, ingestTime: 5_000 });

    // Act
    const ingestTime = ingestTimeOf(record);

    // Assess
    expect(ingestTime).toBe(5_000);
  });

  it.each([['missing', {}], ['not a number', { [INGEST_TIME_HEADER]: 'soon' }]])('falls back to the record timestamp when the header is %s', (_label, headers) => {
    // Prepare
    const record = { ...kafkaRecord({ offset: 0, timestamp: 1_000 }), headers };

    // Act
    const ingestTime = ingestTimeOf(record);

    // Assess
    expect(ingestTime).toBe(1_000);
  });
});

describe('classifyRecord', () => {
  it('puts a course health tuple above 80 kg in the constant group of its minute', () => {
    // Prepare
    const plan = planConsumer(findConsumer(pipeline, 'peso-acima-80')!);
    const record = kafkaRecord({ topic: 'health', offset: 3, timestamp: 90_500, value: { id: 1, idade: 30, altura: 170, peso: 95.5, imc: 33.04 } });

    // Act
    const outcome = classifyRecord(record, plan);

    // Assess
    expect(outcome).toMatchObject({
      kind: 'aggregate',
      eventTime: 90_500,
      window: { start: 60_000, end: 120_000 },
      late: false,
      touches: [
        {
          ref: { consumer: 'peso-acima-80', groupKey: 'all', window: { start: 60_000, end: 120_000 }, expiresAt: 120 + 30 * 86_400 },
          contribution: { t: 90_500, tp: 'health-0', off: 3, late: false, values: { peso: 95.5, imc: 33.04 } },
        },
      ],
    });
  });

  it('filters out a health tuple at or below 80 kg', () => {
    // Prepare
    const plan = planConsumer(findConsumer(pipeline, 'peso-acima-80')!);

    // Act
    const outcome = classifyRecord(kafkaRecord({ topic: 'health', offset: 0, value: { peso: 80 } }), plan);

    // Assess
    expect(outcome).toEqual({ kind: 'filtered' });
  });

  it('gives a tweet one contribution per distinct hashtag', () => {
    // Prepare
    const plan = planConsumer(findConsumer(pipeline, 'hashtags-5m')!);

    // Act
    const outcome = classifyRecord(kafkaRecord({ topic: 'tweets', offset: 0, value: { hashtags: ['kafka', 'aws', 'kafka'] } }), plan);

    // Assess
    expect(outcome.kind === 'aggregate' && outcome.touches.map((t) => t.ref.groupKey)).toEqual(['kafka', 'aws']);
  });

  it('dead-letters a value that is JSON text but not an object', () => {
    // Prepare
    const plan = planConsumer(consumerOf({}));

    // Act
    const outcome = classifyRecord(kafkaRecord({ offset: 0, rawValue: '"just a string"' }), plan);

    // Assess
    expect(outcome).toEqual({ kind: 'dead', reason: 'not JSON', detail: 'value is JSON but not an object (string)' });
  });

  it('refuses a consumer whose filter AWS would reject', () => {
    // Prepare
    const consumer = consumerOf({ filters: [{ value: { peso: [{ wildcard: '8*' }] } }] });

    // Act
    const act = () => planConsumer(consumer);

    // Assess
    expect(act).toThrow(FilterPatternError);
  });
});
