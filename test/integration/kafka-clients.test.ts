/**
 * Every Kafka client feeds the pipeline: the course's own producer script (kafka-python, tuples
 * `[id, {idade, altura, peso}]` from four threads) and Kafka's console producer (through `fluxo
 * kafka`) write straight to the local broker, never through the HTTP API; and a few records no
 * consumer can count. Every aggregate of both health consumers and of the text-topic consumer is
 * then compared with a direct computation over everything on the topics, written here from the
 * course's rules, not from fluxo's code; every bad record is a dead letter with its reason; the
 * consumer groups' lag returns to 0.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { CompressionTypes, type Admin } from 'kafkajs';
import { ENV } from '../../core/config';
import { run } from '../../local/tools/cli/main';
import { api, apiUrl, brokers, eventually, kafka, results, type ResultItem } from './helpers';
import { KAFKA_CLIENTS_PREFIX } from './pipeline-spec';
import { testPython } from './python';

const HEALTH = `${KAFKA_CLIENTS_PREFIX}health`;
const LINES = `${KAFKA_CLIENTS_PREFIX}mensagens`;
const PESO = `${KAFKA_CLIENTS_PREFIX}peso-acima-80`;
const IMC = `${KAFKA_CLIENTS_PREFIX}imc-acima-35`;
const COUNTER = `${KAFKA_CLIENTS_PREFIX}mensagens-por-minuto`;
const TUPLES = 400;

/** What Kafka's console producer (through `fluxo kafka`) writes: good tuples and lines, and bad records. */
const CONSOLE_HEALTH = [
  '[1001, {"idade": 30, "altura": 170, "peso": 95.5}]',
  '{"id": 1002, "idade": 41, "altura": 150, "peso": 90}',
  'Mensagem 1',
  '[7]',
  '[8, {"idade": 30, "altura": 170}]',
  '{"id": 9, "idade": 30, "altura": 170, "peso": 95, "imc": 10}',
];
const CONSOLE_LINES = ['Mensagem 1', 'Mensagem 2', 'Olá, Kafka', '{"not": "json, but a line"}', 'Mensagem 3'];

let admin: Admin;

beforeAll(async () => {
  admin = kafka('kafka-clients-admin').admin();
  await admin.connect();
});

afterAll(async () => {
  await admin.disconnect();
});

/** `fluxo kafka <tool> [args]` with `stdin`, as a user types it. */
async function fluxoKafka(args: string[], stdin: string): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const code = await run(['kafka', ...args], {
    stdout: () => undefined,
    stderr: (text) => void (stderr += text),
    stdin: Readable.from([stdin]),
    env: { ...process.env, FLUXO_URL: apiUrl(), [ENV.kafkaBrokers]: brokers().join(',') },
    signal: new AbortController().signal,
  });
  return { code, stderr };
}

interface TopicRecord {
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly value: Buffer | null;
}

/** Everything on a topic, read from the beginning to its end offsets. */
async function readTopic(topic: string): Promise<TopicRecord[]> {
  const ends = await admin.fetchTopicOffsets(topic);
  const wanted = ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  const consumer = kafka('kafka-clients-reader').consumer({ groupId: `kafka-clients-reader-${Date.now()}`, maxWaitTimeInMs: 200 });
  const records: TopicRecord[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) =>
        void records.push({ partition, offset: Number(message.offset), timestamp: Number(message.timestamp), value: message.value }),
    });
    await eventually(
      () => records.length,
      (n) => n >= wanted,
      60_000,
    );
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** Records written but not yet committed, over every partition of the consumer's group. */
async function lag(groupId: string, topic: string): Promise<number> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return ends.reduce((sum, end) => {
    const done = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1');
    return sum + Number(end.high) - Math.max(done, Number(end.low));
  }, 0);
}

/** A health tuple by the course's rules: `[id, {idade, altura, peso}]` or the object, in the topic schema's ranges. */
function courseTuple(value: Buffer | null): { peso: number; altura: number } | undefined {
  if (value === null || value.length > 1024 * 1024) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return undefined;
  }
  let id: unknown;
  let fields: Record<string, unknown>;
  if (Array.isArray(parsed)) {
    if (parsed.length !== 2 || typeof parsed[1] !== 'object' || parsed[1] === null || Array.isArray(parsed[1])) return undefined;
    [id, fields] = parsed as [unknown, Record<string, unknown>];
  } else if (typeof parsed === 'object' && parsed !== null) {
    fields = parsed as Record<string, unknown>;
    id = fields.id;
  } else {
    return undefined;
  }
  const { idade, altura, peso, imc } = fields;
  const whole = (n: unknown, min: number, max: number): boolean => Number.isInteger(n) && (n as number) >= min && (n as number) <= max;
  const within = (n: unknown, min: number, max: number): boolean => typeof n === 'number' && n >= min && n <= max;
  if (!whole(id, 0, Number.MAX_SAFE_INTEGER) || !whole(idade, 0, 150) || !within(altura, 30, 300) || !within(peso, 1, 700))
    return undefined;
  // A writer that sets IMC itself must set what the arithmetic gives.
  if (imc !== undefined && Math.abs((imc as number) - (peso as number) / ((altura as number) / 100) ** 2) > 1e-9) return undefined;
  return { peso: peso as number, altura: altura as number };
}

/** The course's consumers' figures per minute: count, avg_peso, avg_imc, max_peso, with IMC as its students compute it. */
function expectedHealth(
  records: readonly TopicRecord[],
  keep: (t: { peso: number; imc: number }) => boolean,
): Map<string, { count: number; avg_peso: number; avg_imc: number; max_peso: number }> {
  const windows = new Map<number, Array<{ peso: number; imc: number }>>();
  for (const record of records) {
    const tuple = courseTuple(record.value);
    if (tuple === undefined) continue;
    const t = { peso: tuple.peso, imc: tuple.peso / (tuple.altura / 100) ** 2 };
    if (!keep(t)) continue;
    const start = Math.floor(record.timestamp / 60_000) * 60_000;
    windows.set(start, [...(windows.get(start) ?? []), t]);
  }
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  return new Map(
    [...windows].map(([start, ts]) => [
      new Date(start).toISOString(),
      {
        count: ts.length,
        avg_peso: sum(ts.map((t) => t.peso)) / ts.length,
        avg_imc: sum(ts.map((t) => t.imc)) / ts.length,
        max_peso: Math.max(...ts.map((t) => t.peso)),
      },
    ]),
  );
}

function expectSameHealth(stored: readonly ResultItem[], expected: ReturnType<typeof expectedHealth>): void {
  expect(stored.map((i) => i.windowStart).sort()).toEqual([...expected.keys()].sort());
  for (const item of stored) {
    const want = expected.get(item.windowStart)!;
    expect({ window: item.windowStart, key: item.key, count: item.count, late: item.late, max_peso: item.measures.max_peso }).toEqual({
      window: item.windowStart,
      key: 'all',
      count: want.count,
      late: 0,
      max_peso: want.max_peso,
    });
    expect(Math.abs(item.measures.avg_peso! - want.avg_peso) / want.avg_peso).toBeLessThanOrEqual(1e-9);
    expect(Math.abs(item.measures.avg_imc! - want.avg_imc) / want.avg_imc).toBeLessThanOrEqual(1e-9);
  }
}

interface DeadLetterView {
  readonly offset: number;
  readonly reason: string;
  readonly error: string;
  readonly form: string;
  readonly writer: string;
  readonly value?: string;
}

async function deadLetters(consumer: string): Promise<DeadLetterView[]> {
  const answer = await api('GET', `/dlq?consumer=${consumer}&limit=1000`);
  return (answer.body as { items: DeadLetterView[] }).items;
}

describe("the course's own Kafka clients feed the pipeline", () => {
  it('counts every tuple kafka-python and the console producer wrote exactly as the direct computation, dead-letters the bad ones, and drains the lag', async () => {
    // Prepare
    const python = await testPython();
    const script = join(__dirname, 'python', 'course_producer.py');
    const huge = JSON.stringify({ id: 10, idade: 30, altura: 170, peso: 95, nota: 'x'.repeat(1536 * 1024) });

    // Act: the course's script, Kafka's console producer, and an oversized value (gzip gets it past the broker's 1 MB limit)
    const produced = await promisify(execFile)(python, [script, brokers()[0]!, HEALTH, String(TUPLES), '7'], { timeout: 120_000 });
    const consoleHealth = await fluxoKafka(
      ['kafka-console-producer.sh', '--bootstrap-server', brokers()[0]!, '--topic', HEALTH],
      `${CONSOLE_HEALTH.join('\n')}\n`,
    );
    const consoleLines = await fluxoKafka(['kafka-console-producer', '--topic', LINES], `${CONSOLE_LINES.join('\n')}\n`);
    const producer = kafka('kafka-clients-huge').producer();
    await producer.connect();
    await producer.send({ topic: HEALTH, compression: CompressionTypes.GZIP, messages: [{ value: huge }] });
    await producer.disconnect();
    const health = await readTopic(HEALTH);
    const lines = await readTopic(LINES);
    const drained = await eventually(
      async () => [await lag(`fluxo-${PESO}`, HEALTH), await lag(`fluxo-${IMC}`, HEALTH), await lag(`fluxo-${COUNTER}`, LINES)],
      (lags) => lags.every((n) => n === 0),
      90_000,
    );

    // Assess: everything written straight to Kafka, nothing through the API
    expect(produced.stdout.trim()).toBe(String(TUPLES));
    expect(consoleHealth).toEqual({ code: 0, stderr: '' });
    expect(consoleLines).toEqual({ code: 0, stderr: '' });
    expect(health).toHaveLength(TUPLES + CONSOLE_HEALTH.length + 1);
    expect(lines).toHaveLength(CONSOLE_LINES.length);
    expect(drained).toEqual([0, 0, 0]);

    // Every aggregate equals the direct computation (counts, max exactly; averages to 1e-9)
    const pesoExpected = expectedHealth(health, (t) => t.peso > 80);
    const imcExpected = expectedHealth(health, (t) => t.imc > 35);
    expect([...pesoExpected.values()].reduce((n, w) => n + w.count, 0)).toBeGreaterThan(50);
    expect([...imcExpected.values()].reduce((n, w) => n + w.count, 0)).toBeGreaterThan(50);
    expectSameHealth(
      await eventually(
        () => results(PESO),
        (items) => items.reduce((n, i) => n + i.count, 0) >= [...pesoExpected.values()].reduce((n, w) => n + w.count, 0),
      ),
      pesoExpected,
    );
    expectSameHealth(
      await eventually(
        () => results(IMC),
        (items) => items.reduce((n, i) => n + i.count, 0) >= [...imcExpected.values()].reduce((n, w) => n + w.count, 0),
      ),
      imcExpected,
    );
    const perMinute = new Map<string, number>();
    for (const line of lines) {
      const minute = new Date(Math.floor(line.timestamp / 60_000) * 60_000).toISOString();
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + 1);
    }
    expect((await results(COUNTER)).map((i) => [i.windowStart, i.count]).sort()).toEqual([...perMinute].sort());

    // The kept records show what the consumer saw: the tuple as an object with IMC, and who wrote it
    const kept = (await api('GET', `/results/${IMC}/records?limit=1000`)).body as {
      items: Array<{ value: Record<string, unknown>; form: string; writer: string }>;
    };
    expect(kept.items.length).toBe([...imcExpected.values()].reduce((n, w) => n + w.count, 0));
    expect(kept.items.every((r) => typeof r.value.imc === 'number' && r.writer === 'kafka')).toBe(true);
    expect(new Set(kept.items.map((r) => r.form))).toEqual(new Set(['tuple', 'object']));

    // Every bad record is a dead letter, with its reason, form and writer, for each consumer it reached
    const byValue = (a: readonly string[], b: readonly string[]): number => a[0]!.localeCompare(b[0]!);
    const summary = (items: DeadLetterView[]) =>
      items
        .map((d) => [
          Buffer.from(d.value ?? '', 'base64')
            .toString('utf8')
            .slice(0, 40),
          d.reason,
          d.form,
          d.writer,
        ])
        .sort(byValue);
    const common = [
      ['Mensagem 1', 'not JSON', 'text', 'kafka'],
      ['[7]', 'schema violation', 'tuple', 'kafka'],
      ['[8, {"idade": 30, "altura": 170}]', 'schema violation', 'tuple', 'kafka'],
      [huge.slice(0, 40), 'too large', 'object', 'kafka'],
    ];
    // The wrong IMC (10 for 95 kg, 170 cm) passes peso > 80 and is refused by the consumer; the mapping of imc > 35 drops it, as AWS would.
    const pesoDead = await eventually(
      () => deadLetters(PESO),
      (items) => items.length >= 5,
    );
    const imcDead = await eventually(
      () => deadLetters(IMC),
      (items) => items.length >= 4,
    );
    expect(summary(pesoDead)).toEqual(
      [...common, ['{"id": 9, "idade": 30, "altura": 170, "p', 'schema violation', 'object', 'kafka']].sort(byValue),
    );
    expect(summary(imcDead)).toEqual([...common].sort(byValue));
    expect(pesoDead.find((d) => d.form === 'object' && d.reason === 'schema violation')?.error).toMatch(
      /^value\.imc is 10, but fluxo derives 32\.87\d+ from peso and altura/,
    );
    expect(await deadLetters(COUNTER)).toEqual([]);
  });
});
