// A thread of a parallel search (checker/parallelSearch.ts): rebuilds the system from its recipe, then
// expands its share of each level when the coordinator says so, exchanging states with the other
// threads over the ports it was given.
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
  | { type: 'expect'; batches: number }
  | { type: 'path'; idx: number; label: number | null }
  | { type: 'finish' }
  /** The search is over: its store and ports are let go, the thread kept idle for the next search. */
  | { type: 'reset' };

interface Batch { level: number; from: number; records: Int32Array; count: number }

const port = parentPort!;
let search: PartitionSearch | null = null;
let level = -1;
let received = 0;
let expected = -1;
/** Batches for a level this thread has not begun yet (the ports and the coordinator's messages race). */
let early: Batch[] = [];
/** The ports to the other threads in the current search (a thread is kept for the next search). */
let peers: MessagePort[] = [];

const fail = (e: unknown) => port.postMessage({ type: 'failed', transfer: e instanceof TransferError, message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined });

function reset(): void {
  for (const p of peers) p.close();
  peers = [];
  search = null; level = -1; received = 0; expected = -1; early = [];
}

function take(b: Batch): void {
  search!.receive(b.from, b.records, b.count);
  received++;
  answerIfComplete();
}

function answerIfComplete(): void {
  if (expected < 0 || received < expected) return;
  expected = -1;
  port.postMessage({ type: 'levelDone', report: search!.report(false) });
}

async function expandLevel(depth: number): Promise<void> {
  const s = search!;
  level = depth;
  received = 0;
  s.beginLevel(depth);
  const ready = early.filter((b) => b.level === depth);
  early = early.filter((b) => b.level !== depth);
  for (const b of ready) take(b);
  while (!s.expandSlice(20)) await new Promise((resolve) => setImmediate(resolve));
  port.postMessage({ type: 'expanded', sent: [...s.sent] });
}

port.on('message', async (m: ToThread) => {
  try {
    switch (m.type) {
      case 'reset': reset(); return;
      case 'init': {
        reset();
        peers = m.ports.filter((p) => p !== null);
        const module = await import(m.recipe.module) as Record<string, unknown>;
        const build = module[m.recipe.export ?? 'default'];
        if (typeof build !== 'function') throw new Error(`${m.recipe.module} has no function export ${m.recipe.export ?? 'default'} to build the system with`);
        const sys = compileSystem(await build(m.recipe.data), m.memory);
        for (const a of sys.actors) a.paranoid = m.paranoid;
        const s = new PartitionSearch(sys, m.thread, m.threads, new Int32Array(m.shared), m.options, m.keyLog, (to, records, count) => {
          m.ports[to]!.postMessage({ level, from: m.thread, records, count } satisfies Batch, [records.buffer as ArrayBuffer]);
        });
        search = s;
        m.ports.forEach((p) => p?.on('message', (b: Batch) => {
          try {
            if (b.level === level) take(b);
            else early.push(b);
          } catch (e) { fail(e); }
        }));
        port.postMessage({ type: 'ready', shape: systemShape(sys), initial: s.start() });
        return;
      }
      case 'level': await expandLevel(m.depth); return;
      case 'expect': expected = m.batches; answerIfComplete(); return;
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
