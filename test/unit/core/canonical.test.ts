import { addDerivedFields, bmi, canonicalRecord, hashtags, normalizeValue, type CanonicalOutcome } from '../../../core/canonical';
import { SchemaViolationError } from '../../../core/errors';
import { parseValue } from '../../../core/filter';
import { resolveTopic, type ResolvedTopic } from '../../../core/spec';
import { builtInTopic } from './built-in-topic';

const health = builtInTopic('health');
const tweets = builtInTopic('tweets');
const petr4 = builtInTopic('petr4');

/** A value as a Kafka client wrote it, brought to its topic's canonical form. */
function canonical(on: ResolvedTopic, text: string | undefined, raw?: Buffer): CanonicalOutcome {
  return canonicalRecord(on, { text, parsed: parseValue(text), raw: raw ?? (text === undefined ? undefined : Buffer.from(text)) });
}

describe('schema validation', () => {
  it("turns the course's tuple [id, {idade, altura, peso}] into an object", () => {
    // Act
    const value = normalizeValue(health, [7, { idade: 30, altura: 180, peso: 90 }], 'value');

    // Assess
    expect(value).toEqual({ id: 7, idade: 30, altura: 180, peso: 90 });
  });

  it('refuses a tuple on a topic that does not accept tuples', () => {
    // Act
    const act = () => normalizeValue(petr4, [1, { price: 1, volume: 1 }], 'value');

    // Assess
    expect(act).toThrow(SchemaViolationError);
    expect(act).toThrow('value must be a JSON object');
  });

  it.each([
    ['three elements', [1, { idade: 1 }, 3]],
    ['a non-object second element', [1, 2]],
  ])('refuses a malformed tuple with %s', (_, value) => {
    // Act
    const act = () => normalizeValue(health, value, 'records[0].value');

    // Assess
    expect(act).toThrow('records[0].value must be an object or a tuple [id, {fields}]; this array has');
  });

  it.each([
    ['a string where a number is expected', { id: 1, idade: 30, altura: 180, peso: 'heavy' }, 'records[3].value.peso must be a number'],
    ['a fraction where an integer is expected', { id: 1, idade: 30.5, altura: 180, peso: 80 }, 'records[3].value.idade must be an integer'],
    ['a number under the minimum', { id: 1, idade: 30, altura: 180, peso: 0 }, 'records[3].value.peso must be at least 1'],
    ['a number over the maximum', { id: 1, idade: 151, altura: 180, peso: 80 }, 'records[3].value.idade must be at most 150'],
    ['a missing required field', { id: 1, idade: 30, altura: 180 }, 'records[3].value.peso is required'],
    ['a non-finite number', { id: 1, idade: 30, altura: 180, peso: null }, 'records[3].value.peso must be a number'],
  ])('refuses %s naming the field', (_, value, message) => {
    // Act
    const act = () => normalizeValue(health, value, 'records[3].value');

    // Assess
    expect(act).toThrow(SchemaViolationError);
    expect(act).toThrow(message);
  });

  it('lists every violation in details and counts the others in the message', () => {
    // Act
    let error: unknown;
    try {
      normalizeValue(health, { id: -1, idade: 'x' }, 'value');
    } catch (caught) {
      error = caught;
    }

    // Assess
    expect(error).toBeInstanceOf(SchemaViolationError);
    const violation = error as SchemaViolationError;
    expect(violation.errorCode).toBe(42201);
    expect(violation.message).toBe('value.id must be at least 0 (and 3 more)');
    expect(violation.details).toEqual({
      violations: ['value.id must be at least 0', 'value.idade must be a number', 'value.altura is required', 'value.peso is required'],
    });
  });

  it('checks strings and their length in characters', () => {
    // Act
    const long = () => normalizeValue(tweets, { user: 'a'.repeat(65), text: 'x' }, 'value');
    const notString = () => normalizeValue(tweets, { user: 5, text: 'x' }, 'value');

    // Assess
    expect(long).toThrow('value.user must be at most 64 characters');
    expect(notString).toThrow('value.user must be a string');
  });

  it('keeps fields the schema does not list when additional fields are allowed', () => {
    // Act
    const value = normalizeValue(petr4, { price: 10, volume: 5, venue: 'B3' }, 'value');

    // Assess
    expect(value).toEqual({ price: 10, volume: 5, venue: 'B3' });
  });

  it('refuses unlisted fields, booleans of the wrong type and honours optional fields when the schema says so', () => {
    // Prepare
    const strict: ResolvedTopic = {
      ...petr4,
      schema: { additionalFields: false, fields: { ok: { type: 'boolean' }, note: { type: 'string', required: false } } },
    };

    // Act
    const extra = () => normalizeValue(strict, { ok: true, venue: 'B3' }, 'value');
    const wrongType = () => normalizeValue(strict, { ok: 'yes' }, 'value');
    const fine = normalizeValue(strict, { ok: false }, 'value');

    // Assess
    expect(extra).toThrow('value.venue is not a field of topic "petr4"');
    expect(wrongType).toThrow('value.ok must be a boolean');
    expect(fine).toEqual({ ok: false });
  });
});

describe('derived fields', () => {
  it('computes IMC as kg / m² at full precision', () => {
    // Act
    const imc = bmi(90, 160);

    // Assess
    expect(imc).toBe(90 / (1.6 * 1.6));
    expect(imc).toBeCloseTo(35.15625, 10);
  });

  it('extracts distinct lower-case hashtags without # in order of first appearance', () => {
    // Act
    const tags = hashtags('Go #Kafka and #serverless! #kafka again, #Ação #2026 #');

    // Assess
    expect(tags).toEqual(['kafka', 'serverless', 'ação', '2026']);
  });

  it('adds the derived field, overwriting a value the client sent', () => {
    // Act
    const value = addDerivedFields(health, { id: 1, idade: 20, altura: 200, peso: 100, imc: 1 });

    // Assess
    expect(value.imc).toBe(25);
  });

  it('leaves a derived field out when its inputs are absent', () => {
    // Prepare
    const optional: ResolvedTopic = { ...tweets, schema: { fields: { text: { type: 'string', required: false } } } };

    // Act
    const value = addDerivedFields(optional, { hashtags: ['forged'] });

    // Assess
    expect(value).toEqual({});
  });
});

describe('a record read from Kafka, brought to its canonical form', () => {
  const kafkaPythonTuple = '[7, {"idade": 30, "altura": 170, "peso": 95}]'; // json.dumps of the course's tuple

  it("turns the course's kafka-python tuple into an object and derives IMC with the producer's function", () => {
    // Act
    const outcome = canonical(health, kafkaPythonTuple);

    // Assess
    expect(outcome).toEqual({ ok: true, form: 'tuple', value: { id: 7, idade: 30, altura: 170, peso: 95, imc: bmi(95, 170) } });
  });

  it('derives IMC for an object a Kafka client wrote without it', () => {
    // Act
    const outcome = canonical(health, '{"id":1,"idade":40,"altura":150,"peso":90}');

    // Assess
    expect(outcome).toEqual({ ok: true, form: 'object', value: { id: 1, idade: 40, altura: 150, peso: 90, imc: 40 } });
  });

  it('keeps a record whose IMC equals what fluxo derives (what the HTTP producer writes)', () => {
    // Prepare
    const written = JSON.stringify(addDerivedFields(health, { id: 2, idade: 22, altura: 130, peso: 70 }));

    // Act
    const outcome = canonical(health, written);

    // Assess
    expect(outcome).toEqual({ ok: true, form: 'object', value: JSON.parse(written) });
  });

  it('refuses a record whose IMC differs from what fluxo derives, naming both values', () => {
    // Act
    const outcome = canonical(health, '{"id":3,"idade":40,"altura":170,"peso":150,"imc":10}');

    // Assess
    expect(outcome).toEqual({
      ok: false,
      form: 'object',
      reason: 'schema violation',
      detail: `value.imc is 10, but fluxo derives ${JSON.stringify(bmi(150, 170))} from peso and altura: leave imc out (fluxo computes it) or send exactly that`,
    });
  });

  it('refuses hashtags that are not the ones fluxo extracts, and keeps the same list', () => {
    // Act
    const forged = canonical(tweets, '{"user":"ana","text":"#Kafka now","hashtags":["aws"]}');
    const same = canonical(tweets, '{"user":"ana","text":"#Kafka now","hashtags":["kafka"]}');

    // Assess
    expect(forged).toMatchObject({
      ok: false,
      reason: 'schema violation',
      detail: expect.stringContaining('value.hashtags is ["aws"], but fluxo derives ["kafka"] from text'),
    });
    expect(same).toEqual({ ok: true, form: 'object', value: { user: 'ana', text: '#Kafka now', hashtags: ['kafka'] } });
  });

  it.each([
    ['plain text on a topic with a schema', 'Mensagem 1', 'text', 'not JSON', 'value is not JSON'],
    ['a tuple without peso', '[7, {"idade": 30, "altura": 170}]', 'tuple', 'schema violation', 'value.peso is required'],
    [
      'a tuple of one element',
      '[7]',
      'tuple',
      'schema violation',
      'value must be an object or a tuple [id, {fields}]; this array has 1 element(s)',
    ],
    ['a tuple whose second element is not an object', '[7, 95]', 'tuple', 'schema violation', 'its second is not an object'],
    ['a JSON number', '42', 'scalar', 'schema violation', 'value must be an object or a tuple [id, {fields}]'],
    ['a peso given as text', '[7, {"idade": 30, "altura": 170, "peso": "95"}]', 'tuple', 'schema violation', 'value.peso must be a number'],
  ])('makes %s a dead letter whose detail names the problem', (_label, text, form, reason, detail) => {
    // Act
    const outcome = canonical(health, text);

    // Assess
    expect(outcome).toMatchObject({ ok: false, form, reason, detail: expect.stringContaining(detail) });
  });

  it('names the topic and what it takes when the value is not JSON', () => {
    // Act
    const outcome = canonical(health, 'Mensagem 1');

    // Assess
    expect(outcome.ok === false && outcome.detail).toMatch(
      /^value is not JSON \(.*"Mensagem 1".*\); topic "health" takes an object or a tuple \[id, \{fields\}\]$/,
    );
  });

  it('makes a tombstone a dead letter', () => {
    // Act
    const outcome = canonical(health, undefined);

    // Assess
    expect(outcome).toEqual({ ok: false, form: 'tombstone', reason: 'not JSON', detail: 'value is null (a tombstone)' });
  });

  it('makes a value over 1 MiB a dead letter before reading it', () => {
    // Prepare
    const text = JSON.stringify({ price: 1, volume: 1, note: 'x'.repeat(1024 * 1024) });

    // Act
    const outcome = canonical(petr4, text);

    // Assess
    expect(outcome).toEqual({
      ok: false,
      form: 'object',
      reason: 'too large',
      detail: `value is ${Buffer.byteLength(text)} bytes; the limit is 1048576`,
    });
  });

  describe('on a text topic', () => {
    const lines = resolveTopic({ name: 'mensagens', format: 'text' });

    it.each([
      ['a console producer line', 'Mensagem 1'],
      ['text that happens to be JSON', '{"a":1}'],
      ['an empty line', ''],
    ])('takes %s as it is', (_label, text) => {
      // Act
      const outcome = canonical(lines, text);

      // Assess
      expect(outcome).toEqual({ ok: true, form: 'text', value: text });
    });

    it('refuses bytes that are not UTF-8', () => {
      // Prepare
      const raw = Buffer.from([0x4d, 0xe3, 0x28, 0x61]);

      // Act
      const outcome = canonical(lines, raw.toString('utf8'), raw);

      // Assess
      expect(outcome).toMatchObject({ ok: false, reason: 'not UTF-8' });
    });

    it('keeps text with a real U+FFFD character', () => {
      // Act
      const outcome = canonical(lines, 'a \uFFFD b');

      // Assess
      expect(outcome).toEqual({ ok: true, form: 'text', value: 'a \uFFFD b' });
    });
  });
});
