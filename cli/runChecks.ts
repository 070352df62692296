// Runs a list of checks one after another, with progress and Ctrl-C, and keeps what the reports need.
import path from 'node:path';
import type { CheckResult, ExploreOptions, MemoryModelName, ParameterValue, Progress, RandomSearchOptions, SystemDefinition } from '../checker/index.ts';
import type { SystemSource, TraceFile } from '../traces/index.ts';
import { freshBundle } from './compiledBundles.ts';
import type { CheckTarget, TargetVariant } from './loadSystem.ts';
import type { ProgressReporter } from './progress.ts';
import { checkLocations } from './modelLocations.ts';
import type { CheckLocations } from './modelLocations.ts';
import { runInOrder } from './orderedPool.ts';
import { randomInThreads } from './randomThreads.ts';
import { search, SPLIT_AFTER_SECONDS } from './search.ts';
import type { SearchOutcome, SearchRequest } from './search.ts';
import { SearchThread } from './searchThread.ts';

export interface CheckRecord {
  scenario: string;
  /** null for a plain system (no variants). */
  variant: string | null;
  /** The variant's parameters (the limits a bounded model builds in, e.g. servicings: 2); {} for a plain system. */
  parameters: Record<string, ParameterValue>;
  expected: 'violated' | 'verified' | null;
  expectedProperty?: string;
  /** The memory model it ran under; `memoryAsked` when --memory chose it. */
  memory: MemoryModelName;
  memoryAsked: boolean;
  result: CheckResult;
  system: SystemDefinition;
  source: SystemSource;
  /** The counterexample of the first violation, as a trace. */
  trace?: TraceFile;
  /** Where the trace was written, if it was. */
  tracePath?: string;
  /**
   * --all-violations: the counterexample of each other violated property (the verdict is judged on the
   * first, as without the flag), and where each was written.
   */
  moreTraces?: { trace: TraceFile; tracePath?: string }[];
  /** --witnesses: the witness of each reachability goal reached, and where each was written. */
  witnesses?: { trace: TraceFile; tracePath?: string }[];
  /** Where its scenario, variant, system and properties are defined (reports point there); unknown when absent. */
  locations?: CheckLocations;
}

/** A check that an interrupt kept from starting: the reports still list it, as not run. */
export interface SkippedCheck {
  scenario: string;
  variant: string | null;
  parameters: Record<string, ParameterValue>;
  expected: 'violated' | 'verified' | null;
  memory: MemoryModelName;
  memoryAsked: boolean;
  reason: 'interrupted';
}

export interface CheckJob {
  target: CheckTarget;
  variant: TargetVariant;
  /** From --memory: run under this model instead of the variant's own. */
  memory?: MemoryModelName;
}

/** The jobs for `variants`, one per memory model asked for (none asked: each variant's own). */
export function jobsFor(target: CheckTarget, variants: TargetVariant[], memories: MemoryModelName[] | undefined): CheckJob[] {
  return variants.flatMap((variant) => (memories ?? [undefined]).map((memory) => ({ target, variant, memory })));
}

export interface RunOptions {
  /** Bounds from the command line; they override the variant's own. */
  bounds: ExploreOptions;
  signal: AbortSignal;
  progress: ProgressReporter | null;
  /** Called as each check finishes (its trace written, its JSON line printed), not after the last. */
  onRecord?: (r: CheckRecord) => void;
  /**
   * Search in a worker thread (cli/searchThread.ts), so that --time-limit and Ctrl-C stop even model code
   * that never returns. The command line always does; in-process tests of other behaviour need not.
   */
  inThread?: boolean;
  /** Search by random walks instead of exhaustively. */
  random?: RandomSearchOptions;
  /** Record a witness trace for each reachability goal reached. */
  witnesses?: boolean;
  /**
   * --workers: search threads to run at once (with inThread; default 1). Exhaustive checks run up to this
   * many at a time, each in its own thread; a random search splits its walks across them instead.
   */
  workers?: number;
  /** --split-search: a check run alone is split across the workers, once it has searched on one thread for `splitAfterSeconds` (default SPLIT_AFTER_SECONDS). */
  splitSearch?: boolean;
  splitAfterSeconds?: number;
}

/** How often the search reports progress when nothing is shown: a stopped thread's statistics come from it. */
const QUIET_PROGRESS_MS = 1000;

export const checkLabel = (scenario: string, variant: string | null, memory?: MemoryModelName) =>
  (variant === null ? scenario : `${scenario}/${variant}`) + (memory === undefined ? '' : ` [${memory}]`);

/** A record's label: with its memory model when --memory chose it (then one variant runs under several). */
export const recordLabel = (r: { scenario: string; variant: string | null; memory: MemoryModelName; memoryAsked: boolean }) =>
  checkLabel(r.scenario, r.variant, r.memoryAsked ? r.memory : undefined);

/** Runs one check: in `threads[0]`, or with --random split across all of them; in this thread with none. */
export async function runCheck(job: CheckJob, options: RunOptions, threads: SearchThread[] = [], split = 1): Promise<CheckRecord> {
  const { target, variant } = job;
  const label = checkLabel(target.name, variant.name, job.memory);
  const system = variant.build();
  const own: MemoryModelName = variant.memory ?? system.memory ?? 'sc';
  const memory = job.memory ?? own;
  const expected = memory === own ? variant.expected : variant.expectedUnder?.[memory] ?? null;
  const progress = options.progress;
  const modelFile = variant.source.module === 'builtin' ? undefined : variant.source.module;
  const bundle = modelFile === undefined ? undefined : freshBundle(path.resolve(modelFile));
  const request: SearchRequest = {
    source: variant.source, modelFile, ...(bundle ? { bundle } : {}), label, memory,
    options: { ...variant.options, ...options.bounds }, random: options.random, progressIntervalMs: progress?.intervalMs ?? QUIET_PROGRESS_MS,
    ...(options.witnesses ? { witnesses: true } : {}),
    ...(split > 1 ? { threads: { count: split, afterSeconds: options.splitAfterSeconds ?? SPLIT_AFTER_SECONDS } } : {}),
  };
  const onProgress = progress ? (p: Progress) => progress.report(label, p) : undefined;
  let outcome: SearchOutcome;
  try {
    outcome = request.random && threads.length > 1 ? await randomInThreads(system, request, threads, options.signal, onProgress)
      : threads.length > 0 ? await threads[0].run(request, options.signal, onProgress)
      : await search(system, request, options.signal, onProgress);
  } finally {
    progress?.finished(label);
  }
  return {
    scenario: target.name, variant: variant.name, parameters: variant.parameters, expected, expectedProperty: memory === own ? variant.expectedProperty : undefined,
    memory, memoryAsked: job.memory !== undefined, result: outcome.result, system, source: variant.source,
    ...(outcome.trace ? { trace: outcome.trace } : {}),
    ...(outcome.more ? { moreTraces: outcome.more.map((trace) => ({ trace })) } : {}),
    ...(outcome.witnesses ? { witnesses: outcome.witnesses.map((trace) => ({ trace })) } : {}),
    locations: checkLocations(target.definedAt, variant.name, system),
  };
}

const skippedCheck = ({ target, variant, memory }: CheckJob): SkippedCheck => ({
  scenario: target.name, variant: variant.name, parameters: variant.parameters, expected: memory === undefined ? variant.expected : null,
  memory: memory ?? variant.memory ?? 'sc', memoryAsked: memory !== undefined, reason: 'interrupted',
});

/**
 * Runs the jobs, up to `workers` at once (each in its own search thread), and hands each record over in
 * the jobs' order as if they had run one after another; after an interrupt the rest are not started.
 */
export async function runChecks(jobs: CheckJob[], options: RunOptions): Promise<{ records: CheckRecord[]; skipped: SkippedCheck[] }> {
  const records: CheckRecord[] = [];
  const memory = options.bounds.maxMemoryBytes;
  // Each thread's heap may take the whole limit: the limit on the process's resident memory, which
  // every search checks, is what bounds them together.
  const heapLimitMb = memory === undefined ? undefined : Math.floor(memory / 2 ** 20);
  const workers = options.inThread ? Math.max(1, options.workers ?? 1) : 0;
  // A random search splits its walks across every thread, one check after another.
  const width = options.random ? 1 : Math.max(1, Math.min(workers, jobs.length));
  const threads = Array.from({ length: options.random ? workers : Math.min(workers, width) }, () => new SearchThread(heapLimitMb));
  // Each check running at once has threads of its own.
  const free = options.random || threads.length === 0 ? [threads] : threads.map((t) => [t]);
  try {
    const started = await runInOrder(jobs.length, width, async (i) => {
      const mine = free.pop()!;
      try {
        // A check run alone may split its search across the workers.
        return await runCheck(jobs[i], options, mine, jobs.length === 1 && !options.random && options.splitSearch ? workers : 1);
      } finally {
        free.push(mine);
      }
    }, (record) => {
      // A report streamed to standard output does not land in another check's live progress line.
      if (width > 1) options.progress?.clear();
      records.push(record);
      options.onRecord?.(record);
    }, () => !options.signal.aborted);
    return { records, skipped: jobs.slice(started).map(skippedCheck) };
  } finally {
    await Promise.all(threads.map((t) => t.close()));
  }
}
