/**
 * The course's exercises as built-in loads, by name: `fluxo load <scenario>` and
 * `fluxo verify <scenario>` (see README.md in this folder).
 */
import { healthScenario } from './health';
import type { Scenario } from './scenario';
import { ticksScenario } from './ticks';
import { tweetsScenario } from './tweets';
import { namedError } from '../../../core/errors';

/** Every scenario, by the name used on the command line. */
export const SCENARIOS: Readonly<Record<string, Scenario>> = {
  health: healthScenario,
  ticks: ticksScenario,
  tweets: tweetsScenario,
};

/** A scenario name that is not one of {@link SCENARIOS}. */
export class UnknownScenarioError extends namedError('UnknownScenarioError') {
  public constructor(name: string) {
    super(`unknown scenario "${name}"; the scenarios are ${Object.keys(SCENARIOS).join(', ')}`);
  }
}

/** The scenario of a name. @throws UnknownScenarioError */
export function scenarioNamed(name: string): Scenario {
  const scenario = Object.hasOwn(SCENARIOS, name) ? SCENARIOS[name] : undefined;
  if (scenario === undefined) throw new UnknownScenarioError(name);
  return scenario;
}
