// A scenario: a family of systems (variants) with the verdict each is expected to get. The built-in
// scenarios live in models/scenarios; users write their own the same way.
import type { ExploreOptions } from './explorer.ts';
import type { SystemDefinition } from './system.ts';
import type { MemoryModelName } from './memoryModel.ts';

export type ParameterValue = string | number | boolean;

export interface Variant {
  name: string;
  description: string;
  /** What the checker should conclude: a buggy variant is expected to be violated. */
  expected: 'violated' | 'verified';
  /** For an expected violation, the property expected to fail. */
  expectedProperty?: string;
  parameters: Record<string, ParameterValue>;
  system: () => SystemDefinition;
  /** The memory model the variant runs under unless `--memory` says otherwise (default: the system's, else sc). */
  memory?: MemoryModelName;
  /** Expected verdicts under other memory models, for `--memory` (`expected` is the one under `memory`). */
  expectedUnder?: Partial<Record<MemoryModelName, 'violated' | 'verified'>>;
  /** Bounds this variant needs (a variant with unbounded behaviour states its bound here). */
  options?: ExploreOptions;
}

export interface Scenario {
  name: string;
  description: string;
  variants: Variant[];
}

export function defineScenario(s: Scenario): Scenario {
  const seen = new Set<string>();
  for (const v of s.variants) {
    if (seen.has(v.name)) throw new Error(`scenario ${s.name}: duplicate variant '${v.name}'`);
    seen.add(v.name);
  }
  return s;
}
