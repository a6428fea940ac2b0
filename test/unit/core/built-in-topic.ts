/** The built-in spec's topics, resolved, for the tests of the shared domain code. */
import { findTopic, type ResolvedTopic } from '../../../core/spec';
import { pipeline } from '../../../pipeline';

/** A topic of pipeline.ts with its defaults filled in; throws when the spec has none of that name. */
export function builtInTopic(name: string): ResolvedTopic {
  const found = findTopic(pipeline, name);
  if (found === undefined) throw new Error(`no topic ${name} in pipeline.ts`);
  return found;
}
