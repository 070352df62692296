// A scenario: a family of systems (variants) with the verdict each is expected to get. The built-in
// scenarios live in models/scenarios; users write their own the same way.
import type { ExploreOptions } from './explorer.ts';
import { BUILTIN } from './properties.ts';
import type { SystemDefinition } from './system.ts';
import type { MemoryModelName } from './memoryModel.ts';
import { recordDefinitionSite } from './sourceLocation.ts';

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

/** A mistake in a scenario: found when it is defined, never as a verdict that cannot be right. */
export class ScenarioDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScenarioDefinitionError';
  }
}

const VERDICTS = ['violated', 'verified'];

/** Checks a scenario's shape; throws ScenarioDefinitionError naming the first problem. */
export function validateScenario(s: Scenario): void {
  const name = typeof s?.name === 'string' ? `scenario ${s.name}` : 'a scenario';
  const fail = (msg: string): never => { throw new ScenarioDefinitionError(`${name}: ${msg}`); };
  if (typeof s !== 'object' || s === null || typeof s.name !== 'string' || s.name === '') fail('needs a `name`');
  if (!Array.isArray(s.variants) || s.variants.length === 0) fail('has no variants');
  const seen = new Set<string>();
  for (const v of s.variants) {
    if (typeof v?.name !== 'string' || v.name === '') fail('every variant needs a `name`');
    if (seen.has(v.name)) fail(`two variants are named '${v.name}'`);
    seen.add(v.name);
    if (!VERDICTS.includes(v.expected)) fail(`variant ${v.name}: \`expected\` is ${JSON.stringify(v.expected)}, not a verdict ('violated' or 'verified')`);
    if (typeof v.system !== 'function') fail(`variant ${v.name}: \`system\` must be a function returning the system definition`);
    if (v.memory !== undefined && !['sc', 'tso', 'arm'].includes(v.memory)) fail(`variant ${v.name}: \`memory\` is ${JSON.stringify(v.memory)}, not 'sc', 'tso' or 'arm'`);
    for (const [m, verdict] of Object.entries(v.expectedUnder ?? {})) {
      if (!['sc', 'tso', 'arm'].includes(m) || !VERDICTS.includes(verdict as string)) fail(`variant ${v.name}: \`expectedUnder\` maps memory models (sc, tso, arm) to verdicts; found ${m}: ${JSON.stringify(verdict)}`);
    }
    if (v.expectedProperty === undefined) continue;
    if (v.expected !== 'violated') fail(`variant ${v.name}: \`expectedProperty\` is '${v.expectedProperty}', but only a variant expected to be violated names a property`);
    const known = propertyNames(v);
    if (known !== null && !known.includes(v.expectedProperty)) {
      fail(`variant ${v.name}: \`expectedProperty\` '${v.expectedProperty}' names no property of the system (it has ${known.join(', ')})`);
    }
  }
}

/** The properties a variant's system can violate (the built-ins and its own); null when it cannot be built. */
function propertyNames(v: Variant): string[] | null {
  let def: SystemDefinition;
  try {
    def = v.system();
  } catch {
    return null; // the check reports it, with the model's own error
  }
  if (typeof def !== 'object' || def === null) return null;
  return [...Object.values(BUILTIN), ...Object.keys(def.properties ?? {})];
}

/** A scenario as `defineScenario` returns it, with `variant(name)` to pick one (`expect(s.variant('buggy'))`). */
export interface DefinedScenario extends Scenario {
  /** The variant of that name; throws ScenarioDefinitionError naming the variants there are. */
  variant(name: string): Variant;
}

export function defineScenario(s: Scenario): DefinedScenario {
  validateScenario(s);
  const variant = (name: string): Variant => {
    const v = s.variants.find((x) => x.name === name);
    if (!v) throw new ScenarioDefinitionError(`scenario ${s.name} has no variant '${name}' (it has ${s.variants.map((x) => x.name).join(', ')})`);
    return v;
  };
  // Not enumerable: a scenario stays plain data to everything that walks its fields.
  if (Object.isExtensible(s)) Object.defineProperty(s, 'variant', { value: variant, enumerable: false, configurable: true, writable: true });
  return recordDefinitionSite(s) as DefinedScenario;
}
