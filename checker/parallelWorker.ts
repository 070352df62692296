// A thread of a parallel search (checker/parallelSearch.ts): rebuilds the system from its recipe, then
// expands its share of each level when the coordinator says so, exchanging states with the other
// threads over the ports it was given. A port delivers in order, so a thread that has taken another's
// end of a level has taken every batch that thread sent in it: once it has every other thread's end
// and has expanded its own share, its level is done, without a count of batches from the coordinator.
// A batch's buffer goes back to its sender once taken, for the sender's next batch.
import { parentPort } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { compileSystem } from './compile.ts';
import { PartitionSearch } from './partitionSearch.ts';
import type { PartitionOptions } from './partitionSearch.ts';
import { TransferError } from './sharedKeys.ts';
import type { MemoryModelName } from './memoryModel.ts';
import { systemShape } from './parallelSearch.ts';
import type { SystemRecipe } from './parallelSearch.ts';

export type ToThread =
  | { type: 'init'; thread: number; threads: number; recipe: SystemRecipe; memory: MemoryModelName; paranoid: boolean; options: PartitionOptions; shared: SharedArrayBuffer; keyLog: SharedArrayBuffer; ports: (MessagePort | null)[] }
  | { type: 'level'; depth: number }
  | { type: 'path'; idx: number; label: number | null }
  | { type: 'finish' }
  /** The search is over: its store and ports are let go, the thread kept idle for the next search. */
  | { type: 'reset' };

/** What the threads send each other: a batch of states, the end of a level's batches, or a batch's buffer given back. */
type FromPeer =
  | { kind: 'batch'; level: number; from: number; records: Int32Array; count: number }
  | { kind: 'end'; level: number; from: number }
  | { kind: 'free'; records: Int32Array };
type LevelMessage = Exclude<FromPeer, { kind: 'free' }>;

const port = parentPort!;
let search: PartitionSearch | null = null;
let level = -1;
/** Other threads whose end of the current level this thread has taken. */
let ends = 0;
/** This thread has expanded its share of the current level and not yet reported it. */
let expanded = false;
/** Batches and ends for a level this thread has not begun yet (the ports and the coordinator's messages race). */
let early: LevelMessage[] = [];
/** The ports to the other threads in the current search, by thread (null: this one); a thread is kept for the next search. */
let ports: (MessagePort | null)[] = [];

const fail = (e: unknown) => port.postMessage({ type: 'failed', transfer: e instanceof TransferError, message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined });

function reset(): void {
  for (const p of ports) p?.close();
  ports = [];
  search = null; level = -1; ends = 0; expanded = false; early = [];
}

function take(m: LevelMessage): void {
  if (m.kind === 'end') ends++;
  else {
    search!.receive(m.from, m.records, m.count);
    ports[m.from]!.postMessage({ kind: 'free', records: m.records } satisfies FromPeer, [m.records.buffer as ArrayBuffer]);
  }
  answerIfComplete();
}

function answerIfComplete(): void {
  if (!expanded || ends < ports.length - 1) return;
  expanded = false;
  port.postMessage({ type: 'levelDone', report: search!.report(false) });
}

async function expandLevel(depth: number): Promise<void> {
  const s = search!;
  level = depth;
  ends = 0;
  s.beginLevel(depth);
  const ready = early.filter((m) => m.level === depth);
  early = early.filter((m) => m.level !== depth);
  for (const m of ready) take(m);
  while (!s.expandSlice(20)) await new Promise((resolve) => setImmediate(resolve));
  for (const p of ports) p?.postMessage({ kind: 'end', level: depth, from: s.thread } satisfies FromPeer);
  expanded = true;
  answerIfComplete();
}

port.on('message', async (m: ToThread) => {
  try {
    switch (m.type) {
      case 'reset': reset(); return;
      case 'init': {
        reset();
        ports = m.ports;
        const module = await import(m.recipe.module) as Record<string, unknown>;
        const build = module[m.recipe.export ?? 'default'];
        if (typeof build !== 'function') throw new Error(`${m.recipe.module} has no function export ${m.recipe.export ?? 'default'} to build the system with`);
        const sys = compileSystem(await build(m.recipe.data), m.memory);
        for (const a of sys.actors) a.paranoid = m.paranoid;
        const s = new PartitionSearch(sys, m.thread, m.threads, new Int32Array(m.shared), m.options, m.keyLog, (to, records, count) => {
          m.ports[to]!.postMessage({ kind: 'batch', level, from: m.thread, records, count } satisfies FromPeer, [records.buffer as ArrayBuffer]);
        });
        search = s;
        m.ports.forEach((p) => p?.on('message', (b: FromPeer) => {
          try {
            if (b.kind === 'free') s.recycle(b.records);
            else if (b.level === level) take(b);
            else early.push(b);
          } catch (e) { fail(e); }
        }));
        port.postMessage({ type: 'ready', shape: systemShape(sys), initial: s.start() });
        return;
      }
      case 'level': await expandLevel(m.depth); return;
      case 'path': port.postMessage({ type: 'path', ...search!.pathBack(m.idx, m.label) }); return;
      case 'finish': {
        const s = search!;
        port.postMessage({
          type: 'finished', bytes: s.store.bytes, localTransitions: s.sys.actors.reduce((n, a) => n + a.computed, 0),
          eventsSynchronized: s.eventsSynchronized, timersSynchronized: s.timersSynchronized,
        });
        return;
      }
    }
  } catch (e) {
    fail(e);
  }
});
