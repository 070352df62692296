// A scenario: a family of systems (variants) with the verdict each is expected to get. The built-in
// scenarios live in models/scenarios; users write their own the same way.
import type { ExploreOptions } from './explorer.ts';
import { BUILTIN } from './properties.ts';
import type { SystemDefinition } from './system.ts';
import type { MemoryModelName } from './memoryModel.ts';
import { recordDefinitionSite } from './sourceLocation.ts';
import { declarationProblem, resolveParameters } from './parameters.ts';
import type { ParameterDeclarations, ParameterValue, ParameterValues } from './parameters.ts';

export type { ParameterValue };

export interface Variant {
  name: string;
  description: string;
  /** What the checker should conclude: a buggy variant is expected to be violated. */
  expected: 'violated' | 'verified';
  /** For an expected violation, the property expected to fail. */
  expectedProperty?: string;
  /**
   * What the variant is, as `name: value` (`commit: '#662'`, `vcpus: 2`): recorded in reports and traces.
   * Settable parameters (`params`) are among them, with the values the system is built with.
   */
  parameters: Record<string, ParameterValue>;
  /** Parameters that may be set from outside (`--param vcpus=3`, a config file), each with its type and default. */
  params?: ParameterDeclarations;
  /** Builds the system; `params` are the settable parameters' values (their defaults where not given). */
  system: (params?: Record<string, ParameterValue>) => SystemDefinition;
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
    if (v.params !== undefined) {
      const problem = declarationProblem(v.params);
      if (problem !== null) fail(`variant ${v.name}: ${problem}`);
      for (const [k, d] of Object.entries(v.params)) {
        if (v.parameters?.[k] !== undefined && v.parameters[k] !== d.default) fail(`variant ${v.name}: parameter ${k} is ${JSON.stringify(v.parameters[k])} in \`parameters\` but defaults to ${JSON.stringify(d.default)} in \`params\``);
      }
    }
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
    def = v.system(resolveParameters(v.params, {}, 'data'));
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

/**
 * A variant with typed settable parameters, for defineVariant: `system` receives their values, typed by
 * the declarations (`params: { vcpus: param.integer(2) }`, `system: ({ vcpus }) => ...`).
 */
export interface VariantDefinition<D extends ParameterDeclarations> extends Omit<Variant, 'params' | 'system' | 'parameters'> {
  /** What else describes the variant (`commit: '#662'`); the settable parameters are added to it. */
  parameters?: Record<string, ParameterValue>;
  params: D;
  system: (params: ParameterValues<D>) => SystemDefinition;
}

/**
 * The variant as the checker takes it: its `parameters` hold the settable parameters' defaults too, and
 * its `system` may be called with none of them (the defaults) or some (the rest default).
 */
function withDefaults(v: Variant): Variant {
  if (typeof v !== 'object' || v === null || typeof v.params !== 'object' || v.params === null) return v;
  const build = v.system;
  const defaults = Object.fromEntries(Object.entries(v.params).map(([k, d]) => [k, d?.default]));
  return { ...v, parameters: { ...defaults, ...v.parameters }, system: (given = {}) => build({ ...defaults, ...given }) };
}

/**
 * A variant whose settable parameters are typed: `defineVariant({ name, expected, params: { vcpus:
 * param.integer(2, { min: 1, max: 4 }) }, system: ({ vcpus }) => ... })`, for a scenario's `variants`.
 */
export function defineVariant<const D extends ParameterDeclarations>(v: VariantDefinition<D>): Variant {
  return withDefaults({ ...v, parameters: v.parameters ?? {}, system: v.system as unknown as Variant['system'] });
}

export function defineScenario(definition: Scenario): DefinedScenario {
  const s: Scenario = Array.isArray(definition?.variants) ? { ...definition, variants: definition.variants.map(withDefaults) } : definition;
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
