// One check's search, as data in and data out, so that it can run in a worker thread (cli/searchWorker.ts)
// as well as in this one: the system is rebuilt there from its source, the way replay rebuilds it.
import { exploreAsync, randomResult, randomSearch, randomWalks } from '../checker/index.ts';
import type { CheckResult, ExploreOptions, MemoryModelName, Progress, RandomPart, RandomSearchOptions, SystemDefinition } from '../checker/index.ts';
// From their own files, not traces/index.ts: it loads zod, the trace schema and every renderer (about 80 ms of CPU in each thread).
import { buildTrace, buildWitnessTrace } from '../traces/buildTrace.ts';
import type { SystemSource, TraceFile } from '../traces/index.ts';
import type { CompiledBundle } from './compiledBundles.ts';
import { CliError, ExitCode } from './exitCodes.ts';
import { firstLine } from './firstLine.ts';
import type { ThreadSystemData } from './threadSystem.ts';

export interface SearchRequest {
  /** Names the system: a built-in scenario's variant, or a module (as the user gave it) with its export. */
  source: SystemSource;
  /** The module file to load for a non-built-in source, as given on the command line. */
  modelFile?: string;
  /** The module as this thread compiled it, so the search thread need not (cli/compiledBundles.ts). */
  bundle?: CompiledBundle;
  label: string;
  memory: MemoryModelName;
  /** The variant's own options with the command line's bounds over them. */
  options: ExploreOptions;
  progressIntervalMs: number;
  /** Search by random walks (checker/randomSearch.ts) instead of exhaustively. */
  random?: RandomSearchOptions;
  /** Record each reached reachability goal's witness as a trace (--witnesses). */
  witnesses?: boolean;
  /**
   * Split the exhaustive search across `count` threads (--split-search, when one check runs alone) once
   * it has run on one thread for `afterSeconds` (checker/parallelSearch.ts says what it covers).
   */
  threads?: { count: number; afterSeconds: number };
  /**
   * This thread takes one share of a random search split across threads (`random.shard` is its share):
   * the first violating walk any of them has found, shared (cli/randomThreads.ts). The outcome then
   * carries its part, for the merge, and no trace.
   */
  randomShare?: Int32Array;
}

export interface SearchOutcome {
  result: CheckResult;
  /** The counterexample of the first violation, as a trace. */
  trace?: TraceFile;
  /** With allViolations: the counterexamples of the other violated properties, in the order found. */
  more?: TraceFile[];
  /** With `witnesses`: a witness trace for each reachability goal reached, in definition order. */
  witnesses?: TraceFile[];
  /** With `randomShare`: the walks this thread took, to merge with the other threads' (checker/randomSearch.ts). */
  part?: RandomPart;
}

export async function search(system: SystemDefinition, request: SearchRequest, signal: AbortSignal, onProgress: ((p: Progress) => void) | undefined): Promise<SearchOutcome> {
  const { memory } = request;
  let result: CheckResult;
  try {
    const { options } = request;
    const random = request.random && { ...randomOptionsOf(request), signal };
    if (random && request.randomShare) {
      const started = performance.now();
      const part = await randomWalks(system, random, request.randomShare);
      return { result: randomResult([part], random, (performance.now() - started) / 1000), part };
    }
    result = random
      ? await randomSearch(system, random)
      : await exploreAsync(system, { ...options, memory, signal, onProgress, progressIntervalMs: request.progressIntervalMs, ...splitOver(request) });
  } catch (e) {
    // The checker rejects what it cannot model (a machine that invokes children, context that is not
    // plain data) when it compiles the system: a bad model, reported in one line (--debug shows the stack).
    throw new CliError(`${request.label}: the checker cannot run this model: ${firstLine(e)}`, ExitCode.usage, e);
  }
  return outcomeOf(system, request, result);
}

/**
 * How long a check runs on one thread before --split-search splits it across the --workers threads:
 * most checks are over by then, and never pay for starting the threads (they start halfway); a bigger
 * one loses this much and starts over, which the threads win back only on a check of many seconds.
 */
export const SPLIT_AFTER_SECONDS = 1;

function splitOver(request: SearchRequest): Pick<ExploreOptions, 'threads'> {
  if (request.threads === undefined || request.threads.count < 2) return {};
  const here = new URL(import.meta.url);
  const module = new URL(`./threadSystem${here.pathname.endsWith('.ts') ? '.ts' : '.js'}`, here).href;
  const data: ThreadSystemData = { source: request.source, modelFile: request.modelFile, bundle: request.bundle };
  return { threads: { ...request.threads, system: { module, export: 'systemOf', data } } };
}

/** A random search's options: the request's walks, under its bounds and memory model. */
export const randomOptionsOf = (request: SearchRequest): RandomSearchOptions =>
  ({ ...request.random, maxDepth: request.options.maxDepth, timeLimitSeconds: request.options.timeLimitSeconds, memory: request.memory });

/** A search's result with its counterexamples and witnesses as traces. */
export function outcomeOf(system: SystemDefinition, request: SearchRequest, result: CheckResult): SearchOutcome {
  const checked = { ...system, memory: request.memory };
  const witnesses = request.witnesses ? { witnesses: result.goals.filter((g) => g.reached).map((g) => buildWitnessTrace(checked, request.source, g)) } : {};
  if (result.violations.length === 0) return { result, ...witnesses };
  const [first, ...others] = result.violations.map((v) => buildTrace(checked, request.source, v));
  return { result, trace: first, ...(others.length > 0 ? { more: others } : {}), ...witnesses };
}

/** What the main thread sends the search thread. */
export type ToSearchThread = { type: 'run'; request: SearchRequest } | { type: 'abort' };

/** What the search thread sends back: progress while it runs, then its outcome or why there is none. */
export type FromSearchThread =
  /** The system is rebuilt and its search begins: its time limit counts from here. */
  | { type: 'exploring' }
  | { type: 'progress'; progress: Progress }
  | { type: 'done'; outcome: SearchOutcome }
  /** exitCode null: not an error the user caused (an internal error, shown with its stack). */
  | { type: 'failed'; message: string; exitCode: ExitCode | null; stack?: string };
