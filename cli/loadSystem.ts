// Finds what to check: a built-in scenario by name, or a user's TypeScript module loaded as it is
// (cli/compiledModule.ts compiles it on the fly, so the user has no build step). Every way this can go
// wrong is a CliError.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { definitionSite, ParameterError, resolveParameters, validateScenario, validateSystem } from '../checker/index.ts';
import type { ExploreOptions, MemoryModelName, ParameterDeclarations, ParameterValue, Scenario, SourceLocation, SystemDefinition, Variant } from '../checker/index.ts';
import type { SystemSource } from '../traces/index.ts';
import { importCompiled } from './compiledModule.ts';
import { CliError, ExitCode } from './exitCodes.ts';
import { firstLine } from './firstLine.ts';
import { expandGlob, isGlob } from './glob.ts';
import { relativeInside } from './relativeInside.ts';

/** One system to check, with what it is expected to conclude (null for a plain system). */
export interface TargetVariant {
  /** null for a module that exports a plain system rather than a scenario. */
  name: string | null;
  description: string;
  expected: 'violated' | 'verified' | null;
  expectedProperty?: string;
  memory?: MemoryModelName;
  expectedUnder?: Partial<Record<MemoryModelName, 'violated' | 'verified'>>;
  /** What the system is built with: the variant's parameters, the settable ones with the values set. */
  parameters: Record<string, ParameterValue>;
  /** The parameters that may be set (`--param`, a config file, a trace replayed), with their types. */
  params?: ParameterDeclarations;
  /** The settable parameters given a value (by --param, a config, a trace), with it: {} when none was. */
  set: Record<string, ParameterValue>;
  options: ExploreOptions;
  /** Builds and validates the system; throws CliError for a bad model. */
  build: () => SystemDefinition;
  source: SystemSource;
  /**
   * The same variant with settable parameters set (`given` as text from the command line, or as data from
   * a config file or a trace), over any set before; throws CliError naming the variant for an unknown
   * name or a bad value.
   */
  withParameters: (given: Record<string, unknown>, read: 'text' | 'data') => TargetVariant;
}

export interface CheckTarget {
  name: string;
  description: string;
  /**
   * Where it is defined: defineScenario's call for a scenario; null for a plain system (its
   * defineSystem call is found when it is built) or a scenario written as a plain object.
   */
  definedAt: SourceLocation | null;
  /** True when the target is a scenario (its variants carry expected verdicts). */
  isScenario: boolean;
  variants: TargetVariant[];
}

/** The exports a user module may use, in the order they are looked for. */
const MODEL_EXPORTS = ['scenario', 'system', 'default'] as const;

function isScenario(value: unknown): value is Scenario {
  const s = value as Scenario | null;
  return typeof s === 'object' && s !== null && typeof s.name === 'string' && Array.isArray(s.variants);
}

function isSystemDefinition(value: unknown): value is SystemDefinition {
  return typeof value === 'object' && value !== null && 'actors' in value;
}

/** Looks like a file path rather than a scenario name. */
export function isModulePath(spec: string): boolean {
  return /[\\/]/.test(spec) || /\.[cm]?[jt]s$/.test(spec);
}

function validated(def: unknown, where: string): SystemDefinition {
  try {
    validateSystem(def);
  } catch (e) {
    throw new CliError(`${where}: ${firstLine(e)}`, ExitCode.usage, e);
  }
  return def;
}

function builder(make: () => unknown, where: string): () => SystemDefinition {
  return () => {
    let def: unknown;
    try {
      def = make();
    } catch (e) {
      throw new CliError(`${where}: building the system threw: ${firstLine(e)}`, ExitCode.usage, e);
    }
    if (!isSystemDefinition(def)) throw new CliError(`${where}: did not produce a system definition (an object with \`actors\`)`);
    return validated(def, where);
  };
}

type SourceOf = (variant: string) => Omit<SystemSource, 'parameters'>;

function targetVariant(scenario: Scenario, v: Variant, sourceOf: SourceOf, given: Record<string, ParameterValue> = {}): TargetVariant {
  const where = `scenario ${scenario.name}, variant ${v.name}`;
  const resolved = (more: Record<string, unknown>, read: 'text' | 'data') => {
    try {
      return resolveParameters(v.params, more, read);
    } catch (e) {
      if (e instanceof ParameterError) throw new CliError(`${where}: ${e.message}`, ExitCode.usage, e);
      throw e;
    }
  };
  const values = resolved(given, 'data');
  const parameters = { ...(v.parameters ?? {}), ...values };
  return {
    name: v.name,
    description: v.description ?? '',
    expected: v.expected,
    expectedProperty: v.expectedProperty,
    memory: v.memory,
    expectedUnder: v.expectedUnder,
    parameters,
    params: v.params,
    set: Object.fromEntries(Object.keys(given).map((k) => [k, values[k]])),
    options: v.options ?? {},
    build: builder(() => v.system(values), where),
    source: { ...sourceOf(v.name), parameters },
    // Set over the values already set (a config's, then --param's), each checked as it is read.
    withParameters: (more, how) => {
      const typed = resolved(more, how);
      return targetVariant(scenario, v, sourceOf, { ...given, ...Object.fromEntries(Object.keys(more).map((k) => [k, typed[k]])) });
    },
  };
}

function scenarioTarget(scenario: Scenario, sourceOf: SourceOf): CheckTarget {
  return {
    name: scenario.name,
    description: scenario.description ?? '',
    definedAt: definitionSite(scenario),
    isScenario: true,
    variants: scenario.variants.map((v) => targetVariant(scenario, v, sourceOf)),
  };
}

/**
 * The built-in scenarios, loaded when first asked for: a check of a user's model never loads them (about
 * 70 ms of CPU in each thread that would).
 */
let builtins: readonly Scenario[] | null = null;
async function builtinScenarios(): Promise<readonly Scenario[]> {
  return (builtins ??= (await import('../models/scenarios/index.ts')).builtinScenarios);
}

export const builtinScenarioNames = async () => (await builtinScenarios()).map((s) => s.name);

export async function builtinTargets(): Promise<CheckTarget[]> {
  return (await builtinScenarios()).map((s) => builtinTarget(s));
}

function builtinTarget(s: Scenario): CheckTarget {
  return scenarioTarget(s, (variant) => ({ module: 'builtin', scenario: s.name, variant }));
}

export async function importModule(file: string): Promise<Record<string, unknown>> {
  const abs = path.resolve(file);
  if (!existsSync(abs)) throw new CliError(`no such file: ${file}`);
  if (!statSync(abs).isFile()) throw new CliError(`not a file: ${file}`);
  // A module's top-level code may call process.exit (the run would end with its exit code and no
  // message) or await something that never settles (Node would exit 13 when nothing is left to do).
  const exit = process.exit;
  let onDrain = () => {};
  const neverSettles = new Promise<never>((_resolve, reject) => {
    onDrain = () => reject(new CliError(`${file}: the module's top-level await never settles: it waits for something that will not happen`));
    process.once('beforeExit', onDrain);
  });
  // Reports name the model's own lines (modelLocations.ts): stack frames of compiled code map to the
  // .ts source only with Node's source maps on, which the CLI run in-process (tests) may not have.
  process.setSourceMapsEnabled(true);
  process.exit = ((code?: number | string | null) => {
    throw new CliError(`${file}: the module called process.exit(${code ?? ''}) while loading`);
  }) as typeof process.exit;
  try {
    return await Promise.race([importCompiled(abs), neverSettles]);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`${file}: the module threw while loading: ${firstLine(e)}`, ExitCode.usage, e);
  } finally {
    process.exit = exit;
    process.off('beforeExit', onDrain);
  }
}

/**
 * The module path as recorded in a trace: relative to the working directory (a repository's root, so the
 * trace reads the same on every machine), with forward slashes; absolute when the module lies outside it.
 */
function recordedPath(file: string): string {
  const abs = path.resolve(file);
  return relativeInside(process.cwd(), abs) ?? abs.split(path.sep).join('/');
}

/**
 * A model written as CommonJS (`module.exports`, `exports.scenario`) arrives, bundled as an ES module,
 * as its whole `module.exports` for the default export; so a default export that is an exports object
 * (it carries `scenario`, `system` or `default`, or esbuild's `__esModule` mark) is looked inside, its
 * real default export included.
 */
function modelExports(mod: Record<string, unknown>): Record<string, unknown> {
  const d = mod.default;
  if (typeof d !== 'object' || d === null || isScenario(d) || isSystemDefinition(d)) return mod;
  if (!MODEL_EXPORTS.some((n) => n in d) && !('__esModule' in d)) return mod;
  const named = Object.fromEntries(Object.entries(mod).filter(([n]) => n !== 'default'));
  return { ...(d as Record<string, unknown>), ...named };
}

async function moduleTarget(file: string, wantedExport?: string): Promise<CheckTarget> {
  const mod = modelExports(await importModule(file));
  const names = wantedExport !== undefined ? [wantedExport] : MODEL_EXPORTS;
  const exportName = names.find((n) => mod[n] !== undefined);
  if (exportName === undefined) {
    throw new CliError(wantedExport !== undefined
      ? `${file} has no export '${wantedExport}'`
      : `${file} exports no system: export \`scenario\` (a scenario), \`system\` (a system definition or a function returning one), or a default export`);
  }
  const value = mod[exportName];
  const where = `${file} (export ${exportName})`;
  const module = recordedPath(file);
  if (isScenario(value)) {
    try {
      validateScenario(value); // a scenario written as a plain object, not through defineScenario
    } catch (e) {
      throw new CliError(`${where}: ${firstLine(e)}`, ExitCode.usage, e);
    }
    return scenarioTarget(value, (variant) => ({ module, export: exportName, scenario: value.name, variant }));
  }
  if (typeof value !== 'function' && !isSystemDefinition(value)) {
    throw new CliError(`${where} is neither a scenario, a system definition, nor a function returning one`);
  }
  const build = builder(() => (typeof value === 'function' ? value() : value), where);
  const name = (isSystemDefinition(value) && value.name) || path.basename(file).replace(/\.[cm]?[jt]s$/, '');
  const variant: TargetVariant = {
    name: null, description: '', expected: null, parameters: {}, set: {}, options: {}, build, source: { module, export: exportName, parameters: {} },
    withParameters: (given) => {
      const names = Object.keys(given);
      if (names.length > 0) throw new CliError(`${name} is a single system, not a scenario variant: it takes no parameters (given: ${names.join(', ')})`);
      return variant;
    },
  };
  return { name, description: '', isScenario: false, definedAt: null, variants: [variant] };
}

/** Resolves a command-line target: a built-in scenario's name or the path of a model module. */
export async function loadTarget(spec: string): Promise<CheckTarget> {
  // yargs hands over `-` (standard input, to many tools) as an empty string.
  if (spec.trim() === '' || spec === '-') {
    throw new CliError("a model cannot be read from standard input ('-'): give a built-in scenario's name or the path of a .ts module");
  }
  if (isModulePath(spec)) return moduleTarget(spec);
  const all = await builtinScenarios();
  const builtin = all.find((s) => s.name === spec);
  if (builtin) return builtinTarget(builtin);
  if (existsSync(spec)) return moduleTarget(spec);
  throw new CliError(`unknown scenario '${spec}' (built-in: ${all.map((s) => s.name).join(', ')}); to check your own model, give the path of its .ts module`);
}

/**
 * Command-line (or config) targets with their globs expanded (`'models/**\/*.ts'`, quoted so vmbus-check
 * expands it), in order, each file once. A glob that matches no file is an error, never an empty run.
 */
export function expandTargets(specs: string[], cwd = process.cwd()): string[] {
  const out: string[] = [];
  for (const spec of specs) {
    // A built-in scenario's name holds no glob character, so only a file's name needs looking at.
    const files = !existsSync(path.resolve(cwd, spec)) && isGlob(spec) ? expandGlob(spec, cwd) : [spec];
    if (files.length === 0) throw new CliError(`no file matches ${JSON.stringify(spec)}`);
    for (const f of files) if (!out.includes(f)) out.push(f);
  }
  return out;
}

/** Picks variants by name; every name must exist. */
export function selectVariants(target: CheckTarget, names: string[]): TargetVariant[] {
  if (!target.isScenario) throw new CliError(`${target.name} is a single system, not a scenario: it has no variants to choose from`);
  return names.map((n) => {
    const v = target.variants.find((x) => x.name === n);
    if (!v) throw new CliError(`scenario ${target.name} has no variant '${n}' (variants: ${target.variants.map((x) => x.name).join(', ')})`);
    return v;
  });
}

/**
 * Which model modules replay may load without `--model`: importing a module runs its top-level code, and
 * a trace is data that travels (a CI artifact, a bug report), so the module path it records is never
 * loaded for being named there. Built-in scenarios are always available; the project's config file
 * lists its own model modules (its `models`), which the project chose to run.
 */
export interface ReplayModels {
  /** Model modules the project itself declares, as paths relative to the working directory. */
  configured: string[];
}

export const NO_CONFIGURED_MODELS: ReplayModels = { configured: [] };

/** Of a trace's recorded parameters, those the variant may be given. */
const settableOf = (v: TargetVariant, recorded: Record<string, ParameterValue>) =>
  Object.fromEntries(Object.entries(recorded).filter(([k]) => Object.prototype.hasOwnProperty.call(v.params ?? {}, k)));

const sameParameters = (a: Record<string, ParameterValue>, b: Record<string, ParameterValue>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

const showParameters = (p: Record<string, ParameterValue>) =>
  Object.keys(p).length === 0 ? 'none' : Object.entries(p).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ');

/** The module file replay may load for a trace's source: the user's `--model`, or a configured model. */
function replayModule(source: SystemSource, model: string | undefined, allowed: ReplayModels): string {
  if (model !== undefined) return model;
  const recorded = path.resolve(source.module);
  const configured = allowed.configured.find((m) => path.resolve(m) === recorded);
  if (configured !== undefined) return configured;
  // Quoted: a path from a file is shown as data, on one line, whatever characters it holds.
  const named = JSON.stringify(source.module);
  throw new CliError(`the trace comes from model module ${named}${source.export ? ` (export ${JSON.stringify(source.export)})` : ''}; ` +
    'replay runs no code a trace merely names: pass --model <path> to name the model to replay against');
}

/**
 * The system a trace came from, rebuilt as it was recorded (module, export, variant and parameters): a
 * built-in scenario, or the module the user names with `replay --model` (or the project configures).
 * Throws a CliError when the recorded system cannot be rebuilt, rather than replaying another one.
 */
export async function loadSource(source: SystemSource, model?: string, allowed: ReplayModels = NO_CONFIGURED_MODELS, againstVariant?: string): Promise<{ system: SystemDefinition; variant: TargetVariant }> {
  let target: CheckTarget;
  if (model === undefined && source.module === 'builtin') {
    const s = (await builtinScenarios()).find((x) => x.name === source.scenario);
    if (!s) throw new CliError(`the trace comes from built-in scenario ${JSON.stringify(source.scenario ?? '')}, which does not exist`);
    target = builtinTarget(s);
  } else {
    const file = replayModule(source, model, allowed);
    target = await moduleTarget(file, source.module === 'builtin' ? undefined : source.export);
  }
  // `replay --variant V`: another variant of the trace's scenario, on purpose, with its own parameters.
  if (againstVariant !== undefined) {
    if (!target.isScenario) throw new CliError(`--variant ${againstVariant}: ${target.name} is a single system, not a scenario: it has no variants to replay against`);
    // The trace's values of the parameters that variant also declares (vcpus=3 against the fix, too).
    const chosen = selectVariants(target, [againstVariant])[0];
    const other = chosen.withParameters(settableOf(chosen, source.parameters), 'data');
    return { system: other.build(), variant: other };
  }
  if (!target.isScenario && source.variant !== undefined) {
    throw new CliError(`the trace names variant ${JSON.stringify(source.variant)}, but ${target.name} is a single system, not a scenario`);
  }
  const named = source.variant === undefined ? target.variants[0] : target.variants.find((v) => v.name === source.variant);
  if (!named || (source.variant === undefined && target.isScenario)) {
    throw new CliError(`the trace names variant ${JSON.stringify(source.variant ?? '')}, which ${target.name} does not have`);
  }
  // Rebuilt with the settable parameters' recorded values (`--param vcpus=3`), checked as any value is.
  const variant = named.withParameters(settableOf(named, source.parameters), 'data');
  // A system built with other parameters is another system: replaying against it would report a
  // divergence at step 1 ("no longer reproduces") about a system the trace never came from.
  if (!sameParameters(variant.parameters, source.parameters)) {
    const which = variant.name === null ? `${target.name} (a plain system, which takes no parameters)` : `variant ${variant.name} now has ${showParameters(variant.parameters)}`;
    throw new CliError(`the trace was recorded with parameters ${showParameters(source.parameters)}, but ${which}: replay cannot rebuild the recorded system`);
  }
  return { system: variant.build(), variant };
}
