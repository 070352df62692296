// When a search must stop for memory: the state store lives in typed arrays outside the JS heap, so
// resident memory is what is bounded; the JS heap has its own, lower limit, and reaching that would
// crash the process with no report, so a search stops well before it.
import { getHeapStatistics } from 'node:v8';

/** Stop at this fraction of V8's heap limit. */
const HEAP_FRACTION = 0.85;

export const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

/** Why the search should stop now for memory (a bound's detail), or null. `heapOf` names whose heap it is. */
export function memoryExhausted(maxMemoryBytes: number | undefined, heapOf = ''): string | null {
  if (maxMemoryBytes !== undefined && process.memoryUsage.rss() >= maxMemoryBytes) return `memory limit of ${mb(maxMemoryBytes)} MB reached`;
  const heap = getHeapStatistics();
  if (heap.used_heap_size >= HEAP_FRACTION * heap.heap_size_limit) return `JS heap limit${heapOf} nearly reached (${mb(heap.used_heap_size)} of ${mb(heap.heap_size_limit)} MB)`;
  return null;
}
