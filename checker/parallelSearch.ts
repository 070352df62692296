// A breadth-first search split across worker threads (ExploreOptions.threads). Design: the threads give
// local states, values and events the same ids, through a log of interned keys they share
// (checker/sharedKeys.ts), so a state is packed alike in every thread; the states are partitioned by
// their store hash; each thread keeps its own state store and expands only the states it owns, sending
// the successors other threads own to them packed, in batches (checker/partitionSearch.ts). Each
// thread's XState snapshots are its own, rebuilt from their keys for the ids other threads gave.
// The coordinator (here) runs the search level by level: every thread expands its states of depth d
// and takes every batch the others sent it in that level (checker/parallelWorker.ts), and only then
// does depth d + 1 begin. So the threads store exactly the states the sequential explorer stores, and
// when a level first shows violations the one reported has a counterexample as short as any (the
// search finishes that level, then picks the shortest, ties broken by property name and then by the
// steps, as data).
// Only what this covers runs here: safety properties (invariants, failing steps, deadlocks, stalls)
// under sc and tso over the full store; anything else runs on one thread, and stats.threads says why.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { CompiledSystem } from './compile.ts';
import { compileSystem, isCompiledSystem } from './compile.ts';
import type { AsyncExploreOptions } from './explorer.ts';
import { EVENT_SYNC_CAVEAT, MEMORY_CAVEATS, TIMER_SYNC_CAVEAT } from './memoryModel.ts';
import { SHARED, STOP_CODES, stopCode } from './partitionSearch.ts';
import { createKeyLog } from './sharedKeys.ts';
import type { FoundViolation, LevelReport } from './partitionSearch.ts';
import { portableUnder } from './portableStates.ts';
import type { Bound, BoundKind, CheckResult, Step, Verdict, Violation } from './result.ts';
import type { SystemDefinition } from './system.ts';
import type { ToThread } from './parallelWorker.ts';

/**
 * How a thread rebuilds the system (a system's machines and properties are code, which cannot be sent
 * to a thread): `module` (a file URL or path) exports, as `export` (default `default`), a function
 * that returns the system, or a promise of it, given `data`. It must build the system searched.
 */
export interface SystemRecipe {
  module: string;
  export?: string;
  data?: unknown;
}

export interface ThreadsOption {
  /** Threads to search with; 1 runs the sequential search. */
  count: number;
  system: SystemRecipe;
  /**
   * Search on one thread first, for up to this many seconds (the threads start halfway through): only a
   * search not over by then is split across them, starting over, so a small check never pays for the
   * threads and a big one loses at most this long. Default: split from the start.
   */
  afterSeconds?: number;
}

/** How stats.threads.reason begins for a search that ended within ThreadsOption.afterSeconds. */
export const OVER_ON_ONE_THREAD = 'over on one thread within';

/** How long the threads may take to stop once asked before they are ended, their level unfinished. */
const STOP_GRACE_MS = 1000;

/** Why `sys` under `options` is searched on one thread, or null when the threads can search it. */
export function singleThreadReason(sys: CompiledSystem, options: AsyncExploreOptions): string | null {
  const count = options.threads?.count ?? 1;
  if (!(count > 1)) return 'one thread asked for';
  if (!portableUnder(sys.memory)) return `the threads cannot exchange states under ${sys.memory}`;
  if (sys.liveness.length > 0) return 'liveness properties need the whole graph in one thread';
  if (options.coverage) return 'coverage is counted on one thread';
  // A reduction asked for takes the one thread; one merely on by default gives way to the threads asked for, which search the whole graph.
  if (options.symmetry === true && sys.definition.symmetry !== undefined) return 'symmetry reduction runs on one thread';
  if ((options.store ?? 'full') !== 'full') return `the ${options.store} store runs on one thread`;
  if (options.allViolations) return 'all violations are collected on one thread';
  if (options.partialOrder === true) return 'partial-order reduction runs on one thread';
  return null;
}

/**
 * exploreAsync with `options.threads`: the parallel search when it covers the system and the options,
 * else `sequential`, with stats.threads saying which ran and why.
 */
export async function exploreParallel(
  system: SystemDefinition | CompiledSystem, options: AsyncExploreOptions,
  sequential: (system: SystemDefinition | CompiledSystem, options: AsyncExploreOptions) => Promise<CheckResult>,
): Promise<CheckResult> {
  const sys = isCompiledSystem(system) ? system : compileSystem(system, options.memory);
  const oneThread = async (reason: string) => {
    const result = await sequential(sys, options);
    return { ...result, stats: { ...result.stats, threads: { used: 1, reason } } };
  };
  const reason = singleThreadReason(sys, options);
  if (reason !== null) return oneThread(reason);
  const after = options.threads!.afterSeconds ?? 0;
  const limit = options.timeLimitSeconds;
  if (after <= 0) return parallelOrOne(sys, options, oneThread);
  if (limit !== undefined && limit <= after) return oneThread(`the time limit of ${limit} s ends within the ${after} s searched on one thread first`);
  const started = performance.now();
  // The threads start halfway through, so that a search over by then never pays for them.
  const starting = setTimeout(() => prestart(options.threads!.count), (after * 1000) / 2);
  const first = await sequential(sys, { ...options, timeLimitSeconds: after });
  clearTimeout(starting);
  if (!first.bounds.some((b) => b.kind === 'timeLimit') || options.signal?.aborted) {
    return { ...first, bounds: first.bounds.filter((b) => b.kind !== 'timeLimit'), stats: { ...first.stats, threads: { used: 1, reason: `${OVER_ON_ONE_THREAD} ${after} s` } } };
  }
  const spent = (performance.now() - started) / 1000;
  const rest = { ...options, ...(limit === undefined ? {} : { timeLimitSeconds: limit - spent }) };
  const result = await parallelOrOne(sys, rest, oneThread);
  const seconds = result.stats.seconds + spent;
  return { ...result, stats: { ...result.stats, seconds, statesPerSec: result.stats.states / seconds, threads: { ...result.stats.threads!, startedOverAfter: spent } } };
}

async function parallelOrOne(sys: CompiledSystem, options: AsyncExploreOptions, oneThread: (reason: string) => Promise<CheckResult>): Promise<CheckResult> {
  const outcome = await new ParallelRun(sys, options).run();
  return typeof outcome === 'string' ? oneThread(outcome) : outcome;
}

interface Pending { resolve: (m: any) => void; reject: (e: unknown) => void }

class ParallelRun {
  private readonly count: number;
  private readonly workers: Worker[] = [];
  private readonly shared: Int32Array;
  private readonly started = performance.now();
  private readonly waiting: (Pending | null)[];
  private failure: unknown = null;
  /** A thread failed to carry a state to another: the search falls back to one thread, for this reason. */
  private transferFailure: string | null = null;
  private readonly bounds = new Map<BoundKind, Bound>();
  private transitions = 0;
  private states = 0;
  private queued = 0;
  private deepest = 0;
  private readonly timers: NodeJS.Timeout[] = [];
  /** Per reachability goal: where the threads first reached it, in the first level any did. */
  /** Each goal's witness, once the search has ended (the least of the shortest, as data). */
  private witnesses: (Step[] | null)[] | null = null;
  private readonly goalsAt: { thread: number; idx: number; length: number }[][];

  constructor(private readonly sys: CompiledSystem, private readonly options: AsyncExploreOptions) {
    this.count = options.threads!.count;
    this.shared = new Int32Array(new SharedArrayBuffer(SHARED.length(this.count) * 4));
    this.waiting = new Array(this.count).fill(null);
    this.goalsAt = sys.goals.map(() => []);
  }

  /** The result, or why the search must run on one thread after all. */
  async run(): Promise<CheckResult | string> {
    try {
      return await this.search();
    } catch (e) {
      if (this.transferFailure !== null) return this.transferFailure;
      throw e;
    } finally {
      for (const t of this.timers) clearTimeout(t);
      this.options.signal?.removeEventListener('abort', this.onAbort);
      await this.release();
    }
  }

  private readonly onAbort = () => this.requestStop('interrupted');

  private requestStop(kind: BoundKind): void {
    Atomics.compareExchange(this.shared, SHARED.stop, 0, stopCode(kind));
    const grace = setTimeout(() => this.giveUp(), STOP_GRACE_MS);
    this.timers.push(grace);
  }

  /** The threads did not stop when asked (model code that never returns): end them, the level unfinished. */
  private giveUp(): void {
    if (this.failure !== null) return;
    const stuck = new Error('stuck');
    (stuck as any).stuck = true;
    this.fail(stuck);
  }

  private fail(e: unknown): void {
    this.failure ??= e;
    for (let i = 0; i < this.count; i++) {
      const p = this.waiting[i];
      this.waiting[i] = null;
      p?.reject(e);
    }
  }

  private ask<T>(thread: number, m: ToThread): Promise<T> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.waiting[thread] = { resolve, reject };
      this.workers[thread].postMessage(m);
    });
  }

  private all<T>(m: (thread: number) => ToThread): Promise<T[]> {
    return Promise.all(Array.from({ length: this.count }, (_, i) => this.ask<T>(i, m(i))));
  }

  /** Threads that ran a search to its end are kept for the next one; any other is ended. */
  private async release(): Promise<void> {
    const reusable = this.failure === null;
    for (const w of this.workers) {
      w.removeAllListeners('message').removeAllListeners('error').removeAllListeners('exit');
      if (reusable) { w.postMessage({ type: 'reset' } satisfies ToThread); w.unref(); idle.push(w); }
    }
    if (!reusable) await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private spawn(): void {
    for (let i = 0; i < this.count; i++) {
      const w = idle.pop() ?? startThread();
      w.ref();
      w.on('message', (m: { type: string; transfer?: boolean; message?: string; stack?: string }) => {
        if (m.type === 'failed') {
          if (m.transfer) this.transferFailure = `a state could not be carried between threads: ${m.message}`;
          this.fail(Object.assign(new Error(m.message), { stack: m.stack }));
          return;
        }
        const p = this.waiting[i];
        this.waiting[i] = null;
        p?.resolve(m);
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => this.fail(new Error(`a search thread ended (exit code ${code})`)));
      this.workers.push(w);
    }
  }

  private async search(): Promise<CheckResult> {
    const { options, sys } = this;
    this.spawn();
    const ports: (import('node:worker_threads').MessagePort | null)[][] = Array.from({ length: this.count }, () => new Array(this.count).fill(null));
    for (let i = 0; i < this.count; i++) {
      for (let j = i + 1; j < this.count; j++) {
        const { port1, port2 } = new MessageChannel();
        ports[i][j] = port1;
        ports[j][i] = port2;
      }
    }
    const keyLog = createKeyLog();
    const partition = { maxStates: options.maxStates ?? Infinity, maxDepth: options.maxDepth ?? Infinity, maxMemoryBytes: options.maxMemoryBytes };
    const ready = await Promise.all(Array.from({ length: this.count }, (_, i) => {
      const own = ports[i].filter((p) => p !== null);
      return new Promise<{ shape: string; initial: { violation: { property: string; message: string } | null; bound: Bound | null } }>((resolve, reject) => {
        this.waiting[i] = { resolve, reject };
        const m: ToThread = { type: 'init', thread: i, threads: this.count, recipe: options.threads!.system, memory: sys.memory, paranoid: options.paranoid === true, options: partition, shared: this.shared.buffer as SharedArrayBuffer, keyLog, ports: ports[i] };
        this.workers[i].postMessage(m, own);
      });
    }));
    const shape = systemShape(sys);
    for (const r of ready) {
      if (r.shape !== shape) throw new Error(`the system the threads built from options.threads.system is not the system given: its actors, properties or state layout differ (${r.shape} against ${shape})`);
    }
    if (options.signal?.aborted) this.requestStop('interrupted');
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    if (options.timeLimitSeconds !== undefined) this.timers.push(setTimeout(() => this.requestStop('timeLimit'), options.timeLimitSeconds * 1000));
    const progress = this.startProgress();

    const { initial } = ready[0];
    if (initial.violation) return this.result([{ ...initial.violation, steps: [] }]);
    if (initial.bound) { this.bounds.set(initial.bound.kind, initial.bound); return this.finish([]); }
    this.states = 1;
    try {
      for (let depth = 0; ; depth++) {
        const reports = (await this.all<{ report: LevelReport }>(() => ({ type: 'level', depth }))).map((r) => r.report);
        this.states = reports.reduce((n, r) => n + r.states, 0);
        this.transitions = reports.reduce((n, r) => n + r.transitions, 0);
        this.queued = reports.reduce((n, r) => n + r.queued, 0);
        if (this.queued > 0) this.deepest = depth + 1;
        reports.forEach((r, thread) => {
          for (const b of r.bounds) if (!this.bounds.has(b.kind)) this.bounds.set(b.kind, b);
          for (const [g, idx, length] of r.goals) {
            const at = this.goalsAt[g];
            if (at.length === 0 || length < at[0].length) at.splice(0, at.length, { thread, idx, length });
            else if (length === at[0].length) at.push({ thread, idx, length });
          }
        });
        const found = reports.flatMap((r, thread) => r.violations.map((v) => ({ ...v, thread })));
        if (found.length > 0) return this.finish([await this.chosen(found)]);
        if (Atomics.load(this.shared, SHARED.stop) !== 0 || this.queued === 0) return this.finish([]);
      }
    } catch (e) {
      if ((e as { stuck?: boolean }).stuck) return this.result([]);
      throw e;
    } finally {
      clearInterval(progress);
    }
  }

  private startProgress(): NodeJS.Timeout | undefined {
    const { onProgress } = this.options;
    if (!onProgress) return undefined;
    return setInterval(() => {
      const seconds = (performance.now() - this.started) / 1000;
      let states = 0;
      for (let i = 0; i < this.count; i++) states += Atomics.load(this.shared, SHARED.progress(i));
      onProgress({ states, transitions: this.transitions, depth: this.deepest, queued: this.queued, seconds, statesPerSec: seconds > 0 ? states / seconds : 0, memoryBytes: process.memoryUsage.rss() });
    }, this.options.progressIntervalMs ?? 1000);
  }

  /** The violation to report: the shortest, then the first property by name, then the least steps as data. */
  private async chosen(found: (FoundViolation & { thread: number })[]): Promise<Violation> {
    const length = Math.min(...found.map((v) => v.length));
    const shortest = found.filter((v) => v.length === length);
    const property = shortest.map((v) => v.property).sort()[0];
    let best: Violation | null = null;
    let bestKey = '';
    for (const v of shortest.filter((w) => w.property === property)) {
      const steps = await this.pathTo(v.thread, v.idx);
      if (v.last) steps.push(v.last);
      const key = JSON.stringify(steps);
      if (best === null || key < bestKey) { best = { property: v.property, message: v.message, steps }; bestKey = key; }
    }
    return best!;
  }

  private async pathTo(thread: number, idx: number): Promise<Step[]> {
    const back: Step[] = [];
    let at: { thread: number; idx: number; label: number | null } | null = { thread, idx, label: null };
    while (at !== null) {
      const r: { steps: Step[]; next: { thread: number; idx: number; label: number } | null } = await this.ask(at.thread, { type: 'path', idx: at.idx, label: at.label });
      back.push(...r.steps);
      at = r.next;
    }
    return back.reverse();
  }

  private async finish(violations: Violation[]): Promise<CheckResult> {
    const stop = Atomics.load(this.shared, SHARED.stop);
    const kind = STOP_CODES[stop];
    if (stop !== 0 && !this.bounds.has(kind)) {
      this.bounds.set(kind, { kind, detail: kind === 'timeLimit' ? `time limit of ${this.options.timeLimitSeconds} s reached` : 'stopped by the user' });
    }
    this.witnesses = await Promise.all(this.goalsAt.map(async (at) => {
      let best: Step[] | null = null;
      for (const w of at) {
        const steps = await this.pathTo(w.thread, w.idx);
        if (best === null || JSON.stringify(steps) < JSON.stringify(best)) best = steps;
      }
      return best;
    }));
    const done = await this.all<{ bytes: number; localTransitions: number; eventsSynchronized: boolean; timersSynchronized: boolean }>(() => ({ type: 'finish' }));
    return this.result(violations, done);
  }

  private result(violations: Violation[], done: { bytes: number; localTransitions: number; eventsSynchronized: boolean; timersSynchronized: boolean }[] = []): CheckResult {
    const seconds = (performance.now() - this.started) / 1000;
    if (Atomics.load(this.shared, SHARED.stop) !== 0 && this.bounds.size === 0) {
      const kind = STOP_CODES[Atomics.load(this.shared, SHARED.stop)];
      this.bounds.set(kind, { kind, detail: `${kind === 'timeLimit' ? `time limit of ${this.options.timeLimitSeconds} s reached` : 'stopped by the user'}; the threads did not stop within ${STOP_GRACE_MS / 1000} s (model code still running), statistics as of the last level` });
    }
    const bounds = [...this.bounds.values()];
    const goals = this.sys.goals.map(([property], g) => ({ property, reached: this.goalsAt[g].length > 0, steps: this.witnesses?.[g] ?? null }));
    const verdict: Verdict = violations.length > 0 ? 'violated' : bounds.length > 0 ? 'bounded' : goals.some((g) => !g.reached) ? 'unreached' : 'verified';
    const caveats = [MEMORY_CAVEATS[this.sys.memory], done.some((d) => d.eventsSynchronized) ? EVENT_SYNC_CAVEAT : null, done.some((d) => d.timersSynchronized) ? TIMER_SYNC_CAVEAT : null].filter((c) => c !== null);
    const states = this.states;
    return {
      verdict, violations, goals, bounds, memory: this.sys.memory, memoryCaveat: caveats.length > 0 ? caveats.join('; ') : null,
      stats: {
        states, transitions: this.transitions, depth: this.deepest, seconds, statesPerSec: seconds > 0 ? states / seconds : 0,
        bytesPerState: states > 0 ? done.reduce((n, d) => n + d.bytes, 0) / states : 0,
        localTransitions: done.reduce((n, d) => n + d.localTransitions, 0),
        queued: verdict === 'verified' ? 0 : this.queued,
        threads: { used: this.count },
      },
    };
  }
}

/** What a thread's system must share with the one given: actors, cells, properties, state layout. */
export function systemShape(sys: CompiledSystem): string {
  const names = (ps: [string, unknown][]) => ps.map(([n]) => n).join(',');
  return JSON.stringify([sys.actorNames, sys.cellNames, sys.layout.width, sys.memory, names(sys.invariants), names(sys.stalls), names(sys.goals), names(sys.liveness)]);
}

/**
 * Threads idle between searches, not holding the process open: a thread's start (loading the checker
 * and the system's modules) costs about as much as searching a few thousand states.
 */
const idle: Worker[] = [];

/** Starts threads up to `count` idle ones, so that they load while a search runs on this one. */
function prestart(count: number): void {
  while (idle.length < count) {
    const w = startThread();
    w.unref();
    // A thread that fails to start is dropped (a search that took it hears of it as any thread's failure).
    const drop = () => { const i = idle.indexOf(w); if (i >= 0) idle.splice(i, 1); };
    w.once('error', drop).once('exit', drop);
    idle.push(w);
  }
}

/** A thread running checker/parallelWorker.ts; from the TypeScript sources it registers tsx first. */
function startThread(): Worker {
  const here = fileURLToPath(import.meta.url);
  const ext = path.extname(here);
  const entry = pathToFileURL(path.join(path.dirname(here), `parallelWorker${ext}`)).href;
  if (ext !== '.ts') return new Worker(new URL(entry));
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true });
}
