import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A fixture from test/events, parsed afresh on every call so no test sees another's edits. */
export function loadEvent(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'events', name), 'utf8')) as Record<string, unknown>;
}
