/**
 * The rule fluxo's generated FilterCriteria keep: for every record form the course produces and
 * every consumer, the event source mapping delivers every record the consumer would count, and
 * every record it would dead-letter for its form (plain text, a tuple, a JSON scalar). The
 * mapping's decision is the local matcher's, which follows EventBridge's engine (filter.ts); the
 * pass-throughs themselves rest only on documented behaviour (filter-pushdown.ts).
 */
import fc from 'fast-check';
import { classifyRecord, planConsumer } from '../../../lambdas/consumer/classify';
import { addDerivedFields } from '../../../core/canonical';
import { compileFilters, filterableRecord } from '../../../core/filter';
import { filteredFields, mappingFilters, NOT_AN_OBJECT_PATTERN, passThroughFields } from '../../../core/filter-pushdown';
import type { KafkaRecord } from '../../../core/kafka-record';
import { prepareRecord } from '../../../core/ingest';
import {
  resolveConsumer,
  resolveTopic,
  validateSpec,
  type ConsumerSpec,
  type ResolvedConsumer,
  type ResolvedTopic,
} from '../../../core/spec';
import { pipeline } from '../../../pipeline';
import { kafkaRecord } from '../consumer/helpers';

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);

// The built-in consumers, and more that filter every kind of topic and field: a derived list, text, $or, ranges.
const extraConsumers: ConsumerSpec[] = [
  {
    name: 'both',
    topics: ['health'],
    filters: [{ value: { $or: [{ peso: [{ numeric: ['>', 80] }] }, { imc: [{ numeric: ['>', 35] }] }] } }],
    groupBy: { kind: 'constant', key: 'all' },
    window: { sizeSeconds: 60 },
  },
  {
    name: 'young-light',
    topics: ['health'],
    filters: [{ value: { idade: [{ numeric: ['<', 30] }], imc: [{ numeric: ['<=', 18.5] }] } }, { value: { id: [7, 8] } }],
    groupBy: { kind: 'field', field: 'idade' },
    window: { sizeSeconds: 60 },
  },
  {
    name: 'kafka-tweets',
    topics: ['tweets'],
    filters: [{ value: { hashtags: ['kafka'] } }, { value: { user: [{ prefix: 'ana' }] } }],
    groupBy: { kind: 'each', field: 'hashtags' },
    window: { sizeSeconds: 300 },
  },
  {
    name: 'cheap-ticks',
    topics: ['petr4', 'vale3'],
    filters: [{ value: { price: [{ numeric: ['<', 30] }], volume: [{ exists: true }] } }],
    groupBy: { kind: 'topic' },
    window: { sizeSeconds: 60 },
  },
  {
    name: 'mensagens-1',
    topics: ['mensagens'],
    filters: [{ value: [{ prefix: 'Mensagem 1' }] }, { value: [{ 'anything-but': ['ignore'] }] }],
    groupBy: { kind: 'constant', key: 'all' },
    window: { sizeSeconds: 60 },
  },
];
const spec = validateSpec({ topics: pipeline.topics, consumers: [...pipeline.consumers, ...extraConsumers] });
const topics = spec.topics.map(resolveTopic);
const topic = (name: string): ResolvedTopic => topics.find((t) => t.name === name)!;

/** The mapping's decision and the consumer's, for one record. */
function decisions(consumer: ResolvedConsumer, record: KafkaRecord): { delivered: boolean; outcome: ReturnType<typeof classifyRecord> } {
  const mapping = compileFilters(mappingFilters(consumer, topic(record.topic)));
  return { delivered: mapping(filterableRecord(record)), outcome: classifyRecord(record, planConsumer(consumer, topics)) };
}

/**
 * An array holding only objects: AWS's filter (as EventBridge's engine) sees through it as if it
 * were its objects, so it is filtered like an object; the consumer dead-letters it when delivered.
 */
function onlyObjects(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((e) => typeof e === 'object' && e !== null && !Array.isArray(e));
  } catch {
    return false;
  }
}

/** Python's json.dumps spacing: `[7, {"idade": 30, ...}]`. */
function pythonJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/,"/g, ', "')
    .replace(/":/g, '": ')
    .replace(/,(?=[\d[{-])/g, ', ');
}

// Weights and heights around the course's thresholds (peso 80, IMC 35), now and then out of range.
const peso = fc.oneof(
  fc.double({ min: 30, max: 130, noNaN: true }),
  fc.integer({ min: 75, max: 85 }),
  fc.constantFrom(80, 0, 701, 80.0000001),
);
const altura = fc.oneof(fc.integer({ min: 100, max: 200 }), fc.double({ min: 140, max: 170, noNaN: true }), fc.constantFrom(150, 29));
const idade = fc.oneof(fc.integer({ min: 10, max: 50 }), fc.constantFrom(30.5, -1));
const healthFields = fc.record({ idade, altura, peso }, { requiredKeys: [] });
const id = fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constantFrom(-1, 'x'));

/** A health value in one of the forms writers produce, as its bytes and whether it came over HTTP. */
const healthRecord = fc.oneof(
  // fluxo's producer: canonical objects (from tuples or objects), when the request was valid.
  fc.tuple(id, healthFields).map(([i, f]) => {
    const outcome = prepareRecord(topic('health'), { value: [i, f] }, { form: 'single', index: 0, now: NOW });
    return outcome.ok ? { text: outcome.record.serializedValue, http: true } : { text: pythonJson([i, f]), http: false };
  }),
  // kafka-python and the console producer: the course's tuples, objects without IMC, with IMC right or wrong.
  fc.tuple(id, healthFields).map(([i, f]) => ({ text: pythonJson([i, f]), http: false })),
  fc.tuple(id, healthFields).map(([i, f]) => ({ text: JSON.stringify([i, f]), http: false })),
  fc.tuple(id, healthFields).map(([i, f]) => ({ text: JSON.stringify({ id: i, ...f }), http: false })),
  fc.tuple(id, healthFields).map(([i, f]) => ({ text: JSON.stringify(addDerivedFields(topic('health'), { id: i, ...f })), http: false })),
  fc
    .tuple(id, healthFields, fc.double({ min: 0, max: 80, noNaN: true }))
    .map(([i, f, imc]) => ({ text: JSON.stringify({ id: i, ...f, imc }), http: false })),
  // Bad ones: plain text, scalars, tuples of the wrong shape.
  fc
    .oneof(fc.constantFrom('Mensagem 1', 'peso=95', '', '{not json', '[7, {"peso": 95}'), fc.string())
    .map((text) => ({ text, http: false })),
  fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string()).map((v) => ({ text: JSON.stringify(v), http: false })),
  fc.tuple(id, healthFields).map(([i, f]) => ({ text: JSON.stringify([i, f].slice(0, 1)), http: false })),
  fc.tuple(id, healthFields).map(([i, f]) => ({ text: JSON.stringify([i, f, 3]), http: false })),
  fc.tuple(healthFields).map(([f]) => ({ text: JSON.stringify([f]), http: false })),
  fc.tuple(id, peso).map(([i, p]) => ({ text: JSON.stringify([i, p]), http: false })),
);

const tweetRecord = fc.oneof(
  fc
    .record({ user: fc.constantFrom('ana', 'bia', 'anaclara'), text: fc.constantFrom('#Kafka now', 'no tags', '#kafka #AWS', '#aws') })
    .map((v) => ({ text: JSON.stringify(v), http: false })),
  fc
    .record({ user: fc.constantFrom('ana', 'bia'), text: fc.constantFrom('#Kafka now', '#aws') })
    .map((v) => ({ text: JSON.stringify(addDerivedFields(topic('tweets'), v)), http: true })),
  fc
    .record({ user: fc.constantFrom('ana', 'bia'), text: fc.constantFrom('#Kafka now', '#aws') })
    .map((v) => ({ text: JSON.stringify({ ...v, hashtags: ['kafka'] }), http: false })),
  fc.string().map((text) => ({ text, http: false })),
);

const tickRecord = fc.oneof(
  fc
    .record({ price: fc.double({ min: 0, max: 60, noNaN: true }), volume: fc.integer({ min: 0, max: 1000 }) }, { requiredKeys: ['price'] })
    .map((v) => ({ text: JSON.stringify(v), http: false })),
  fc
    .tuple(fc.integer(), fc.record({ price: fc.double({ min: 0, max: 60, noNaN: true }) }))
    .map((v) => ({ text: JSON.stringify(v), http: false })),
  fc.string().map((text) => ({ text, http: false })),
);

const lineRecord = fc
  .oneof(fc.constantFrom('Mensagem 1', 'Mensagem 12', 'ignore', '', '42', '"Mensagem 1"', '{"a":1}', 'Olá, mundo'), fc.string())
  .map((text) => ({ text, http: false }));

const FORMS: Readonly<Record<string, fc.Arbitrary<{ text: string; http: boolean }>>> = {
  health: healthRecord,
  tweets: tweetRecord,
  petr4: tickRecord,
  vale3: tickRecord,
  mensagens: lineRecord,
};

describe('the generated FilterCriteria', () => {
  const cases = spec.consumers
    .map(resolveConsumer)
    .flatMap((consumer) => consumer.topics.map((t) => [consumer.name, t, consumer] as const));

  it.each(cases)(
    'of %s on %s deliver every record the consumer counts, and every one it dead-letters for its form',
    (_name, topicName, consumer) => {
      fc.assert(
        fc.property(FORMS[topicName]!, fc.integer({ min: 0, max: 9 }), ({ text, http }, offset) => {
          // Prepare
          const record = kafkaRecord({ topic: topicName, offset, timestamp: NOW, rawValue: text, direct: !http });

          // Act
          const { delivered, outcome } = decisions(consumer, record);

          // Assess
          if (outcome.kind === 'aggregate') expect({ text, delivered }).toEqual({ text, delivered: true });
          if (outcome.kind === 'dead' && outcome.form !== 'object' && outcome.form !== 'tombstone' && !onlyObjects(text))
            expect({ text, delivered }).toEqual({ text, delivered: true });
        }),
        { numRuns: 400, seed: 20261129 },
      );
    },
  );

  it('still let AWS filter canonical records early: a canonical record the consumer filters out is not delivered', () => {
    // Prepare
    const pesoConsumer = resolveConsumer(spec.consumers.find((c) => c.name === 'peso-acima-80')!);
    const light = prepareRecord(
      topic('health'),
      { value: [1, { idade: 30, altura: 170, peso: 60 }] },
      { form: 'single', index: 0, now: NOW },
    );
    if (!light.ok) throw new Error('a valid tuple was refused');

    // Act
    const { delivered, outcome } = decisions(
      pesoConsumer,
      kafkaRecord({ topic: 'health', offset: 0, rawValue: light.record.serializedValue }),
    );

    // Assess
    expect(outcome).toEqual({ kind: 'filtered' });
    expect(delivered).toBe(false);
  });

  it.each([
    ['an object from a Kafka client without IMC', '{"id":1,"idade":40,"altura":150,"peso":90}', 'imc-acima-35'],
    ["the course's tuple", '[8, {"idade": 41, "altura": 150, "peso": 90}]', 'imc-acima-35'],
    ["the course's tuple", '[8, {"idade": 41, "altura": 150, "peso": 90}]', 'peso-acima-80'],
    ['plain text', 'Mensagem 1', 'peso-acima-80'],
    ['a tuple without peso', '[7, {"idade": 30, "altura": 170}]', 'peso-acima-80'],
    ['an object without peso', '{"id":7,"idade":30,"altura":170}', 'peso-acima-80'],
  ])('deliver %s to %s', (_label, text, name) => {
    // Prepare
    const consumer = resolveConsumer(spec.consumers.find((c) => c.name === name)!);

    // Act
    const { delivered } = decisions(consumer, kafkaRecord({ topic: 'health', offset: 0, rawValue: text, direct: true }));

    // Assess
    expect(delivered).toBe(true);
  });
});

describe('mappingFilters', () => {
  const consumer = (name: string): ResolvedConsumer => resolveConsumer(spec.consumers.find((c) => c.name === name)!);

  it('adds the not-an-object pattern and one for each derived or required field the filters read', () => {
    // Act & Assess
    expect(mappingFilters(consumer('imc-acima-35'), topic('health'))).toEqual([
      { value: { imc: [{ numeric: ['>', 35] }] } },
      NOT_AN_OBJECT_PATTERN,
      { value: { imc: [{ exists: false }] } },
    ]);
    expect(mappingFilters(consumer('both'), topic('health'))).toEqual([
      ...consumer('both').filters,
      NOT_AN_OBJECT_PATTERN,
      { value: { $or: [{ imc: [{ exists: false }] }, { peso: [{ exists: false }] }] } },
    ]);
  });

  it('reads the fields of every filter, $or alternatives included', () => {
    // Act & Assess
    expect(filteredFields(consumer('both'))).toEqual(['imc', 'peso']);
    expect(filteredFields(consumer('young-light'))).toEqual(['id', 'idade', 'imc']);
    expect(passThroughFields(consumer('young-light'), topic('health'))).toEqual(['id', 'idade', 'imc']);
    expect(passThroughFields(consumer('kafka-tweets'), topic('tweets'))).toEqual(['hashtags', 'user']);
  });

  it('adds nothing to a consumer without filters, nor to the filters of a text topic', () => {
    // Act & Assess
    expect(mappingFilters(consumer('ohlc-1m'), topic('petr4'))).toEqual([]);
    expect(mappingFilters(consumer('mensagens-1'), topic('mensagens'))).toEqual(consumer('mensagens-1').filters);
  });

  it('keeps every pattern within what an event source mapping takes: 5 patterns of at most 4,096 characters', () => {
    // Act
    const all = spec.consumers.map(resolveConsumer).flatMap((c) => c.topics.map((t) => mappingFilters(c, topic(t))));

    // Assess
    for (const patterns of all) {
      expect(patterns.length).toBeLessThanOrEqual(5);
      for (const pattern of patterns) expect(JSON.stringify(pattern).length).toBeLessThanOrEqual(4096);
      expect(() => compileFilters(patterns, { fields: ['value'] })).not.toThrow();
    }
  });
});
