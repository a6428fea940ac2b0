/**
 * Shared helpers of the local-stack integration tests: the stack's addresses, HTTP calls, Kafka
 * clients, and polling with a deadline (never a fixed sleep).
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { ENV } from '../../core/config';
import type { AggregateView } from '../../core/api/routes';

/** The gateway's URL, published by the global setup. */
export function apiUrl(): string {
  const url = process.env.FLUXO_URL;
  if (!url) throw new Error('FLUXO_URL is not set: run these tests through jest --selectProjects integration');
  return url;
}

/** The Kafka brokers of the run. */
export function brokers(): string[] {
  return (process.env[ENV.kafkaBrokers] ?? '').split(',').filter((b) => b !== '');
}

/** A kafkajs client for the run's broker. */
export function kafka(clientId = 'fluxo-it'): Kafka {
  return new Kafka({ clientId, brokers: brokers(), logLevel: logLevel.NOTHING });
}

/** A name no other test uses. */
export function unique(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** Calls the API and parses its JSON answer. */
export async function api(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${apiUrl()}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Posts records (`{value, ...}`) to a topic; fails the test unless every record was written. */
export async function post(topic: string, records: readonly unknown[]): Promise<Array<{ partition: number; offset: number }>> {
  const answer = await api('POST', `/topics/${topic}/records`, { records });
  if (answer.status !== 200) throw new Error(`POST ${topic} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return (answer.body as { results: Array<{ partition: number; offset: number }> }).results;
}

/**
 * Calls `probe` until `done` accepts its value or the deadline passes; returns the last value
 * (the caller's assertion then shows what was seen).
 */
export async function eventually<T>(probe: () => Promise<T> | T, done: (value: T) => boolean, deadlineMs = 60_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  let value = await probe();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await probe();
  }
  return value;
}

/** One aggregate as `GET /results/{consumer}` reports it. */
export type ResultItem = AggregateView;

/** A consumer's aggregates over HTTP (every page). */
export async function results(consumer: string, query = ''): Promise<ResultItem[]> {
  const items: ResultItem[] = [];
  let cursor: string | undefined;
  do {
    const separator = query === '' ? '?' : `?${query}&`;
    const path = `/results/${consumer}${cursor === undefined ? (query === '' ? '' : `?${query}`) : `${separator}cursor=${encodeURIComponent(cursor)}`}`;
    const answer = await api('GET', path);
    if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    const body = answer.body as { items: ResultItem[]; nextCursor?: string };
    items.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor !== undefined);
  return items;
}

/** The total count over all of a consumer's windows. */
export async function totalCount(consumer: string): Promise<number> {
  return (await results(consumer)).reduce((sum, item) => sum + item.count, 0);
}
