/**
 * The `fluxo` CLI against the local stack of the run: the course's exercises (create and list a
 * topic, produce lines, read them back from the beginning, read aggregates), and its one-line
 * errors.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { ENV } from '../../core/config';
import { run } from '../../local/tools/cli/main';
import { api, apiUrl, brokers, eventually, kafka, results, unique } from './helpers';
import { CLI_HEALTH_TOPIC } from './pipeline-spec';

interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function fluxo(args: string[], { stdin = '', env = {} }: { stdin?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await run(args, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    stdin: Readable.from([stdin]),
    env: { FLUXO_URL: apiUrl(), [ENV.kafkaBrokers]: brokers().join(','), ...env },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

describe('fluxo CLI', () => {
  it('creates a topic on the local broker, lists it, and reads back what was produced from the beginning', async () => {
    // Prepare
    const topic = unique('maria');

    // Act
    const created = await fluxo(['topics', 'create', topic, '--partitions', '1']);
    const listed = await fluxo(['topics']);
    const producer = kafka('cli-test-producer').producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: '[1,{"peso":81}]' }, { value: '[2,{"peso":79}]' }] });
    await producer.disconnect();
    const tailed = await fluxo(['tail', topic, '--from-beginning', '--max-messages', '2']);

    // Assess
    expect(created).toMatchObject({ code: 0, stdout: expect.stringContaining(`Created topic ${topic} (1 partition(s)`) });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^health\s+3 partition\(s\)/m);
    expect(listed.stdout).toContain(`${topic} `);
    expect(tailed).toEqual({ code: 0, stdout: '[1,{"peso":81}]\n[2,{"peso":79}]\n', stderr: 'Processed a total of 2 messages\n' });
  });

  it('sends stdin lines as records, reports each one, and the aggregates become readable', async () => {
    // Prepare
    const lines = [
      '{"price":10.5,"volume":100}',
      'not json',
      '{"price":11,"volume":50}',
      '{"price":-1,"volume":1}',
      '{"price":9.75,"volume":25}',
    ].join('\n');

    // Act
    const sent = await fluxo(['send', 'vale3', '-'], { stdin: `${lines}\n` });
    const read = await eventually(
      () => fluxo(['results', 'ohlc-1m', '--key', 'vale3', '--json']),
      (r) => r.code === 0 && (JSON.parse(r.stdout) as { items: Array<{ count: number }> }).items.reduce((n, i) => n + i.count, 0) >= 3,
    );

    // Assess
    expect(sent.code).toBe(1);
    expect(sent.stdout.match(/^partition \d+ offset \d+$/gm)).toHaveLength(3);
    expect(sent.stdout).toMatch(/^error 42201: .*price/m);
    expect(sent.stderr).toBe('fluxo: line 2 is not JSON: not json\nfluxo: 2 record(s) were not written\n');
    const items = (JSON.parse(read.stdout) as { items: Array<{ key: string; count: number; measures: Record<string, number> }> }).items;
    expect(items.reduce((n, i) => n + i.count, 0)).toBe(3);
    expect(items.every((i) => i.key === 'vale3')).toBe(true);
    const human = await fluxo(['results', 'ohlc-1m', '--key', 'vale3']);
    expect(human.stdout).toMatch(/vale3\s+count=\d+\s+first_price=/);
  });

  it('sends the lines of a text topic as they are, and the text consumer counts them', async () => {
    // Prepare
    const before = (await results('mensagens-por-minuto')).reduce((n, i) => n + i.count, 0);

    // Act
    const sent = await fluxo(['send', 'mensagens', '-'], { stdin: 'Mensagem 1\n{"not": "JSON to this topic"}\nOlá\n' });
    const counted = await eventually(
      async () => (await results('mensagens-por-minuto')).reduce((n, i) => n + i.count, 0),
      (n) => n >= before + 3,
    );
    const kept = (await api('GET', '/results/mensagens-por-minuto/records?limit=3')).body as {
      items: Array<{ value: string; form: string; writer: string }>;
    };

    // Assess
    expect(sent).toMatchObject({ code: 0, stderr: '' });
    expect(sent.stdout.match(/^partition 0 offset \d+$/gm)).toHaveLength(3);
    expect(counted).toBe(before + 3);
    expect(kept.items.map((r) => [r.value, r.form, r.writer]).sort()).toEqual([
      ['Mensagem 1', 'text', 'http'],
      ['Olá', 'text', 'http'],
      ['{"not": "JSON to this topic"}', 'text', 'http'],
    ]);
  });

  it('tails what the consumers see: a tuple a Kafka client wrote as its object with IMC, a record they cannot count as a dead letter; --raw as written', async () => {
    // Prepare: records straight to a topic of the health schema that only this test writes
    const topic = CLI_HEALTH_TOPIC;
    const producer = kafka('cli-tail-producer').producer();
    await producer.connect();
    const [written] = await producer.send({
      topic,
      messages: [
        { value: '[8, {"idade": 41, "altura": 150, "peso": 90}]', partition: 1 },
        { value: 'Mensagem 1', partition: 1 },
      ],
    });
    await producer.disconnect();
    const admin = kafka('cli-tail-admin').admin();
    await admin.connect();
    const total = (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
    await admin.disconnect();

    // Act
    const tailed = await fluxo(['tail', topic, '--from-beginning', '--max-messages', String(total)]);
    const raw = await fluxo(['tail', topic, '--from-beginning', '--max-messages', String(total), '--raw']);

    // Assess
    expect(written).toBeDefined();
    expect(tailed.stdout).toContain('{"id":8,"idade":41,"altura":150,"peso":90,"imc":40}\n# dead letter (not JSON): value is not JSON (');
    expect(raw.stdout).toContain('[8, {"idade": 41, "altura": 150, "peso": 90}]\nMensagem 1\n');
  });

  it('answers user errors with one line and exit code 1 or 2, never a stack trace', async () => {
    // Act
    const unknownConsumer = await fluxo(['results', 'no-such-consumer']);
    const missingArgument = await fluxo(['send']);
    const deployed = await fluxo(['topics', 'create', 'x'], {
      env: { FLUXO_URL: 'https://abc123.execute-api.us-east-1.amazonaws.com/sandbox', [ENV.kafkaBrokers]: '' },
    });
    const unreachable = await fluxo(['topics'], { env: { FLUXO_URL: 'http://127.0.0.1:9' } });

    // Assess
    expect(unknownConsumer).toEqual({ code: 1, stdout: '', stderr: 'fluxo: 404 (40402): consumer "no-such-consumer" does not exist\n' });
    expect(missingArgument.code).toBe(2);
    expect(missingArgument.stderr).toMatch(/^fluxo: usage: fluxo send <topic>.*\n$/);
    expect(deployed.code).toBe(2);
    expect(deployed.stderr).toMatch(/^fluxo: `fluxo topics create` is not supported on a deployed API .*\n$/);
    expect(unreachable).toEqual({ code: 1, stdout: '', stderr: 'fluxo: cannot reach http://127.0.0.1:9 (is `npm start` running?)\n' });
  });

  it('lists dead letters as JSON', async () => {
    // Act
    const listed = await fluxo(['dlq', '--json']);

    // Assess
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toMatchObject({ deadLetters: expect.any(Array), failedBatches: expect.any(Array) });
  });

  it('runs as the package bin, printing a user error as one line', async () => {
    // Prepare
    const bin = join(__dirname, '..', '..', 'local', 'bin', 'fluxo.js');

    // Act
    const child = spawn(process.execPath, [bin, 'results', 'no-such-consumer'], { env: { ...process.env, FLUXO_URL: apiUrl() } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];

    // Assess
    expect(code).toBe(1);
    expect(stderr).toBe('fluxo: 404 (40402): consumer "no-such-consumer" does not exist\n');
  });
});
