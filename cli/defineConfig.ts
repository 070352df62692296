// The project configuration a bare `vmbus-check` picks up (`vmbus-check.config.ts` in the working
// directory, or `--config PATH`): what to check and how to report it, so a CI job needs no flags. The
// package exports this as `vmbus-check/config`; cli/configSchema.ts checks a config against it.
import type { MemoryModelName, ParameterValue, StoreKind } from '../checker/index.ts';
import type { ReportFormat } from './formatNames.ts';

/** One model to check, with the variants to check and values for their settable parameters. */
export interface ConfigModel {
  /** A built-in scenario's name, a model module's path, or a glob of them (relative to the config's folder). */
  model: string;
  /** Only these variants of the scenario (default: every variant). */
  variants?: string[];
  /** Values of the variants' settable parameters (`params`), as `--param` sets them. */
  params?: Record<string, ParameterValue>;
}

export interface ConfigReport {
  format: ReportFormat;
  /** The file to write (relative to the config's folder); none: standard output (one report at most). */
  output?: string;
}

export interface VmbusCheckConfig {
  /** What to check: built-in scenario names, model module paths, globs, or entries with variants and params. */
  models: (string | ConfigModel)[];
  /** Run each check under each of these memory models (`--memory`). */
  memory?: MemoryModelName[];
  /** Bounds of each check (`--max-states`, `--max-depth`, `--time-limit` in seconds, `--max-memory` as 512M, 8G or megabytes). */
  bounds?: { maxStates?: number; maxDepth?: number; timeLimit?: number; maxMemory?: string | number };
  /** Every violated property with its own counterexample (`--all-violations`). */
  allViolations?: boolean;
  /** How visited states are kept (`--store`): full, compact or bitstate; and the bit array's 2^N bits and bits a state (`--bitstate-bits`, `--bitstate-hashes`). */
  store?: StoreKind;
  bitstateBits?: number;
  bitstateHashes?: number;
  /** Search threads to run at once (`--workers`; default: the cores available). */
  workers?: number;
  /** Symmetry reduction for systems that declare interchangeable members (default on where declared; false, as `--no-symmetry`, switches it off). */
  symmetry?: boolean;
  /** Partial-order reduction (default on; false, as `--no-por`, switches it off; true, as `--por`, also reports why it did not apply). */
  partialOrder?: boolean;
  /** Split the search of a check run alone across the workers, once it has run a second (`--split-search`; default off). */
  splitSearch?: boolean;
  /** The reports to write (default: text to standard output; github inside GitHub Actions). */
  reports?: ConfigReport[];
  /** Where counterexample traces go (`--out`): a file name pattern or a folder (ending in /). */
  out?: string;
}

/** Types a configuration: `export default defineConfig({ models: ['models/**\/*.ts'] })`. */
export function defineConfig(config: VmbusCheckConfig): VmbusCheckConfig {
  return config;
}
