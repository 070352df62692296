// Runs searches in a worker thread, one after another, so that a search can always be stopped: model code
// that never returns (an endless loop in a guard) blocks its own thread, never this one. A search that
// does not stop when asked is ended with its thread, and its verdict is `bounded` with the statistics of
// its last progress report. The thread's heap is capped, so running out of it is a bound, not a crash.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LIVENESS_GRACE, MEMORY_CAVEATS } from '../checker/index.ts';
import type { BoundKind, CheckResult, Progress } from '../checker/index.ts';
import { CliError } from './exitCodes.ts';
import type { FromSearchThread, SearchOutcome, SearchRequest } from './search.ts';

/** How long a search may take to stop once asked (its time limit passed, or Ctrl-C): one slice is milliseconds. */
export const STOP_GRACE_MS = 1000;

function startWorker(heapLimitMb: number | undefined): Worker {
  const here = fileURLToPath(import.meta.url);
  const ext = path.extname(here);
  const entry = pathToFileURL(path.join(path.dirname(here), `searchWorker${ext}`)).href;
  const resourceLimits = heapLimitMb === undefined ? undefined : { maxOldGenerationSizeMb: heapLimitMb };
  if (ext !== '.ts') return new Worker(new URL(entry), { resourceLimits });
  // From the TypeScript sources the thread registers tsx first, as bin/vmbus-check.js does for this one.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, resourceLimits });
}

function stoppedResult(request: SearchRequest, last: Progress | null, seconds: number, kind: BoundKind, detail: string): CheckResult {
  return {
    verdict: 'bounded', memory: request.memory, memoryCaveat: MEMORY_CAVEATS[request.memory], violations: [], goals: [], bounds: [{ kind, detail }],
    stats: {
      states: last?.states ?? 0, transitions: last?.transitions ?? 0, depth: last?.depth ?? 0, seconds,
      statesPerSec: last?.statesPerSec ?? 0, bytesPerState: 0, localTransitions: 0, queued: last?.queued ?? 0,
    },
  };
}

export class SearchThread {
  private worker: Worker | null = null;

  /** heapLimitMb: the thread's JS heap limit (from --max-memory). */
  constructor(private readonly heapLimitMb?: number) {}

  run(request: SearchRequest, signal: AbortSignal, onProgress?: (p: Progress) => void): Promise<SearchOutcome> {
    const worker = (this.worker ??= startWorker(this.heapLimitMb));
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    let last: Progress | null = null;
    const timers: NodeJS.Timeout[] = [];
    return new Promise<SearchOutcome>((resolve, reject) => {
      const finish = () => {
        for (const t of timers) clearTimeout(t);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        signal.removeEventListener('abort', onAbort);
      };
      const end = () => {
        finish();
        this.worker = null;
        void worker.terminate();
      };
      const stopped = (kind: BoundKind, detail: string) => {
        end();
        resolve({ result: stoppedResult(request, last, elapsed(), kind, `${detail}; statistics as of the last progress report`) });
      };
      const onMessage = (m: FromSearchThread) => {
        if (m.type === 'exploring') {
          armTimeLimit();
          return;
        }
        if (m.type === 'progress') {
          last = m.progress;
          onProgress?.(m.progress);
          return;
        }
        finish();
        if (m.type === 'done') resolve(m.outcome);
        else if (m.exitCode !== null) reject(new CliError(m.message, m.exitCode));
        else reject(Object.assign(new Error(m.message), { stack: m.stack }));
      };
      const onError = (e: Error & { code?: string }) => {
        if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          stopped('memory', `the search's JavaScript heap reached its limit of ${this.heapLimitMb} MB`);
          return;
        }
        end();
        reject(e);
      };
      const onExit = (code: number) => {
        finish();
        this.worker = null;
        reject(new CliError(`${request.label}: the search ended without a result: model code ended its thread (exit code ${code}): does a guard or action call process.exit?`));
      };
      const grace = `${STOP_GRACE_MS / 1000} s`;
      const onAbort = () => {
        worker.postMessage({ type: 'abort' });
        timers.push(setTimeout(() => stopped('interrupted', `stopped by the user while model code was running: it did not return within ${grace}`), STOP_GRACE_MS));
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      signal.addEventListener('abort', onAbort, { once: true });
      const armTimeLimit = () => {
        const limit = request.options.timeLimitSeconds;
        if (limit === undefined) return;
        // The search stops itself at the limit, or (searching the part explored for fair cycles) at its grace past it.
        timers.push(setTimeout(() => stopped('timeLimit', `time limit of ${limit} s reached while model code was running: a guard or action did not return within ${grace} (an endless loop?)`), limit * 1000 * (1 + LIVENESS_GRACE) + STOP_GRACE_MS));
      };
      worker.postMessage({ type: 'run', request });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
