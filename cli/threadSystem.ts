// What the threads of one check's split search (checker/parallelSearch.ts, `--workers` with a single
// check) rebuild its system from: the check's source, loaded as the search thread loads it
// (cli/searchWorker.ts), so every thread searches the same system.
import type { SystemDefinition } from '../checker/index.ts';
import type { SystemSource } from '../traces/index.ts';
import { keepBundle } from './compiledBundles.ts';
import type { CompiledBundle } from './compiledBundles.ts';
import { loadSource } from './loadSystem.ts';

export interface ThreadSystemData {
  source: SystemSource;
  modelFile?: string;
  /** The module as the main thread compiled it (cli/compiledBundles.ts). */
  bundle?: CompiledBundle;
}

export async function systemOf(data: ThreadSystemData): Promise<SystemDefinition> {
  if (data.bundle) keepBundle(data.bundle);
  return (await loadSource(data.source, data.modelFile)).system;
}
