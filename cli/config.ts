// Finds and loads the project configuration (`vmbus-check.config.ts`, `.mts`, `.js` or `.mjs` in the
// working directory, or `--config PATH`), checks it against configSchema, and turns it into what the
// commands take: targets, bounds, reports. Paths in a config are relative to the folder it is in.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ExploreOptions, ParameterValue } from '../checker/index.ts';
import type { ConfigReport, VmbusCheckConfig } from './defineConfig.ts';
import { CliError } from './exitCodes.ts';
import { expandGlob, isGlob } from './glob.ts';
import { builtinScenarioNames, importModule, isModulePath } from './loadSystem.ts';
import { memoryLimit } from './memoryLimit.ts';
import { relativeInside } from './relativeInside.ts';

export const CONFIG_FILES = ['vmbus-check.config.ts', 'vmbus-check.config.mts', 'vmbus-check.config.js', 'vmbus-check.config.mjs'] as const;

export interface LoadedConfig {
  /** The file, as found or given. */
  file: string;
  config: VmbusCheckConfig;
}

/** One target of a config: a built-in's name or a module path (relative to the working directory). */
export interface ConfigTarget {
  spec: string;
  variants?: string[];
  params?: Record<string, ParameterValue>;
}

/** The config file to use: `--config PATH`, else the one in `cwd`; null when there is none. */
export function findConfig(given: string | undefined, cwd = process.cwd()): string | null {
  if (given !== undefined) {
    if (!existsSync(path.resolve(cwd, given))) throw new CliError(`--config ${given}: no such file`);
    return given;
  }
  const present = CONFIG_FILES.filter((f) => existsSync(path.join(cwd, f)));
  if (present.length > 1) throw new CliError(`${present.join(' and ')} are both here: keep one, or name it with --config`);
  return present[0] ?? null;
}

/** Loads and checks the config; every problem is a one-line CliError naming the file and the field. */
export async function loadConfig(file: string): Promise<LoadedConfig> {
  const mod = await importModule(file);
  let value: unknown = mod.default;
  // A config tsx compiled as CommonJS (no "type": "module" above it) arrives as its exports object.
  if (typeof value === 'object' && value !== null && 'default' in value && ('__esModule' in value || Object.keys(value).length === 1)) value = (value as { default: unknown }).default;
  if (value === undefined) throw new CliError(`${file}: no default export: export default defineConfig({ models: [...] })`);
  const { configSchema, configProblem } = await import('./configSchema.ts');
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) throw new CliError(`${file}: ${configProblem(parsed.error.issues)}`);
  return { file, config: parsed.data };
}

/** A path of the config (relative to its folder) as the working directory sees it. */
function fromConfig(loaded: LoadedConfig, p: string): string {
  const abs = path.resolve(path.dirname(path.resolve(loaded.file)), p);
  return relativeInside(process.cwd(), abs) ?? abs;
}

/** The config's models as targets, globs expanded (a glob matching nothing is an error). */
export async function configTargets(loaded: LoadedConfig): Promise<ConfigTarget[]> {
  const out: ConfigTarget[] = [];
  const builtins = await builtinScenarioNames();
  for (const [i, entry] of loaded.config.models.entries()) {
    const { model, variants, params } = typeof entry === 'string' ? { model: entry, variants: undefined, params: undefined } : entry;
    if (builtins.includes(model) && !isModulePath(model)) {
      out.push({ spec: model, variants, params });
      continue;
    }
    const dir = path.dirname(path.resolve(loaded.file));
    const files = isGlob(model) && !existsSync(path.resolve(dir, model)) ? expandGlob(model, dir) : [model];
    if (files.length === 0) throw new CliError(`${loaded.file}: models[${i}]: no file matches ${JSON.stringify(model)}`);
    for (const f of files) out.push({ spec: fromConfig(loaded, f), variants, params });
  }
  return out;
}

/** The config's bounds as the explorer takes them (maxMemory as --max-memory reads it). */
export function configBounds(loaded: LoadedConfig): ExploreOptions {
  const b = loaded.config.bounds ?? {};
  const bounds: ExploreOptions = {};
  if (b.maxStates !== undefined) bounds.maxStates = b.maxStates;
  if (b.maxDepth !== undefined) bounds.maxDepth = b.maxDepth;
  if (b.timeLimit !== undefined) bounds.timeLimitSeconds = b.timeLimit;
  if (b.maxMemory !== undefined) {
    try {
      bounds.maxMemoryBytes = memoryLimit(String(b.maxMemory));
    } catch {
      throw new CliError(`${loaded.file}: bounds.maxMemory must be a size of at least 1M, such as 512M or 8G (a number is megabytes)`);
    }
  }
  if (loaded.config.allViolations === true) bounds.allViolations = true;
  if (loaded.config.symmetry !== undefined) bounds.symmetry = loaded.config.symmetry;
  if (loaded.config.partialOrder !== undefined) bounds.partialOrder = loaded.config.partialOrder;
  const { store, bitstateBits, bitstateHashes } = loaded.config;
  if ((bitstateBits !== undefined || bitstateHashes !== undefined) && store !== 'bitstate') throw new CliError(`${loaded.file}: ${bitstateBits !== undefined ? 'bitstateBits' : 'bitstateHashes'} needs store: 'bitstate'`);
  if (store !== undefined) bounds.store = store;
  if (bitstateBits !== undefined) bounds.bitstateBits = bitstateBits;
  if (bitstateHashes !== undefined) bounds.bitstateHashes = bitstateHashes;
  return bounds;
}

/** The config's reports, their output files as the working directory sees them. */
export function configReports(loaded: LoadedConfig): ConfigReport[] | undefined {
  return loaded.config.reports?.map((r) => (r.output === undefined ? { format: r.format } : { format: r.format, output: fromConfig(loaded, r.output) }));
}

/** The config's trace output (`out`), as the working directory sees it; a folder keeps its trailing slash. */
export function configOut(loaded: LoadedConfig): string | undefined {
  const out = loaded.config.out;
  if (out === undefined) return undefined;
  const p = fromConfig(loaded, out);
  return /[\\/]$/.test(out) ? `${p}/` : p;
}
