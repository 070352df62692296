// One random search split across several search threads (--random N --workers W): walk i goes to thread
// i mod W (within the --shard asked for, as --shard splits walks across jobs), and the threads' parts
// merge into the result one thread taking every walk in order would give (checker/randomSearch.ts).
import { portableUnder, randomResult, sharedFirstViolation } from '../checker/index.ts';
import type { Progress, RandomPart, SystemDefinition } from '../checker/index.ts';
import { outcomeOf, randomOptionsOf } from './search.ts';
import type { SearchOutcome, SearchRequest } from './search.ts';
import type { SearchThread } from './searchThread.ts';

/** Thread k of `threads` within shard i of N: the walks w with w mod N = i and (w div N) mod threads = k. */
export const threadShard = (shard: { index: number; count: number } | undefined, k: number, threads: number) => {
  const { index, count } = shard ?? { index: 0, count: 1 };
  return { index: index + k * count, count: count * threads };
};

export async function randomInThreads(system: SystemDefinition, request: SearchRequest, threads: SearchThread[], signal: AbortSignal, onProgress?: (p: Progress) => void): Promise<SearchOutcome> {
  const random = request.random!;
  // Under arm the walks stay in one thread: the states they visit cannot be compared across threads.
  if (!portableUnder(request.memory)) return threads[0].run(request, signal, onProgress);
  const started = performance.now();
  const firstViolation = sharedFirstViolation();
  const outcomes = await Promise.all(threads.map((thread, k) =>
    thread.run({ ...request, random: { ...random, shard: threadShard(random.shard, k, threads.length) }, randomShare: firstViolation }, signal, onProgress)));
  // A thread ended because its model code did not return when stopped: its walks are unknown, so the
  // search's result is that thread's (bounded, as of its last report), not a merge that leaves them out.
  const lost = outcomes.find((o) => o.part === undefined);
  if (lost) return { result: lost.result };
  const result = randomResult(outcomes.map((o) => o.part as RandomPart), randomOptionsOf(request), (performance.now() - started) / 1000);
  return outcomeOf(system, request, result);
}
