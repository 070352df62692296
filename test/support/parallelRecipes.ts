// Recipes from which the threads of a parallel search rebuild a test's system (ExploreOptions.threads):
// a random system from its data, a built-in scenario's variant by name, a benchmark model by its sizes.
import { buildSystem } from '../reference/randomSystem.ts';
import type { SystemData } from '../reference/randomSystem.ts';
import { builtinScenarios } from '../../models/scenarios/index.ts';
import { reachable } from '../../checker/index.ts';
import { mailboxes } from '../../bench/models.ts';
import type { SystemDefinition } from '../../checker/index.ts';

export const randomSystem = (data: SystemData): SystemDefinition => buildSystem(data);

export function scenarioVariant({ scenario, variant }: { scenario: string; variant: string }): SystemDefinition {
  const s = builtinScenarios.find((x) => x.name === scenario);
  const v = s?.variants.find((x) => x.name === variant);
  if (!v) throw new Error(`no built-in variant ${scenario}/${variant}`);
  return v.system();
}

/** Peterson's correct variant with a reachability goal no state reaches. */
export function withUnreachableGoal(): SystemDefinition {
  const def = scenarioVariant({ scenario: 'peterson', variant: 'correct' });
  return { ...def, properties: { ...def.properties, never: reachable(() => false) } };
}

/** Mailboxes of bench/models.ts, by their sizes. */
export const mailboxModel = ([producers, messages, capacity]: [number, number, number]): SystemDefinition => mailboxes(producers, messages, capacity);

export const recipeModule = new URL(import.meta.url).href;
