/**
 * The course's graded exercise: producers of `[id, {idade, altura, peso}]` tuples (id 0..1000,
 * age 10..50 years, height 100..200 cm, weight 30..100 kg, whole numbers as Python's randint
 * gives them) and two filtered consumers, `peso > 80` and IMC > 35.
 */
import { seededRandom } from './random';
import { buckets, total, windowOf, type Scenario, type ScenarioValue } from './scenario';

/** One person's measurements. */
export interface HealthTuple {
  readonly id: number;
  readonly idade: number;
  readonly altura: number;
  readonly peso: number;
}

/** The tuple a posted value carries: the course's `[id, {...}]` form or a plain object. */
export function healthTupleOf(value: unknown): HealthTuple {
  if (Array.isArray(value)) {
    const [id, fields] = value as [number, Omit<HealthTuple, 'id'>];
    return { id, ...fields };
  }
  return value as HealthTuple;
}

/** IMC as the course defines it: weight in kg over the square of the height in metres. */
export function imcOf(tuple: HealthTuple): number {
  const metres = tuple.altura / 100;
  return tuple.peso / (metres * metres);
}

/** `health`: the course's tuples, about half in tuple form and half as objects. */
export const healthScenario: Scenario = {
  name: 'health',
  consumers: ['peso-acima-80', 'imc-acima-35'],
  values(seed, count) {
    const random = seededRandom(seed);
    const values: ScenarioValue[] = [];
    for (let index = 0; index < count; index += 1) {
      const id = random.int(0, 1000);
      const fields = { idade: random.int(10, 50), altura: random.int(100, 200), peso: random.int(30, 100) };
      values.push({ topic: 'health', value: random.chance(0.5) ? [id, fields] : { id, ...fields } });
    }
    return values;
  },
  expected(records, target) {
    const prefix = target.prefix ?? '';
    const grouped = buckets<HealthTuple>();
    const heavy = windowOf(target, 'peso-acima-80').advanceMs;
    const obese = windowOf(target, 'imc-acima-35').advanceMs;
    for (const record of records) {
      const tuple = healthTupleOf(record.value);
      if (tuple.peso > 80) grouped.add(`${prefix}peso-acima-80`, 'all', heavy, record.timestamp, tuple);
      if (imcOf(tuple) > 35) grouped.add(`${prefix}imc-acima-35`, 'all', obese, record.timestamp, tuple);
    }
    return grouped.list().map(({ items, ...window }) => ({
      ...window,
      count: items.length,
      measures: {
        avg_peso: total(items.map((t) => t.peso)) / items.length,
        avg_imc: total(items.map(imcOf)) / items.length,
        max_peso: items.reduce((max, t) => Math.max(max, t.peso), -Infinity),
      },
    }));
  },
};
