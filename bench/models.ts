// Benchmark systems with known state counts, large enough (>= 1 million states) to measure the
// explorer's throughput and memory per state.
import { setup, assign } from 'xstate';
import { alwaysEventually, cellsOf, defineSystem, eventually, leadsTo, load, post, write } from '../checker/index.ts';
import type { GlobalView, MemoryModelName, SystemDefinition } from '../checker/index.ts';
import { kvmVcpuKick } from '../models/scenarios/kvmVcpuKick.ts';

/** `n` independent modulo-`k` counters: exactly k^n states, every step a memo hit after the first round. */
export function counters(n: number, k: number): SystemDefinition {
  const counter = setup({ types: {} as { context: { i: number } } }).createMachine({
    id: 'counter',
    context: { i: 0 },
    on: { tick: { actions: assign({ i: ({ context }) => (context.i + 1) % k }) } },
  });
  const actors = Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, { machine: counter, spontaneous: [{ type: 'tick' }] }]));
  return defineSystem({ name: `counters-${n}x${k}`, actors, deadlock: false });
}

/**
 * `n` producers each post numbered messages to one consumer, which acknowledges each by writing a
 * shared cell the producers read: in-flight FIFOs, deliveries, cell reads and writes all on the hot path.
 */
export function mailboxes(n: number, messages: number, capacity: number): SystemDefinition {
  const producer = (me: number) => setup({ types: {} as { context: { sent: number } } }).createMachine({
    id: `producer${me}`,
    context: { sent: 0 },
    initial: 'sending',
    states: {
      sending: {
        on: {
          send: [
            {
              guard: ({ context, event }) => context.sent < messages && context.sent - Number(cellsOf(event)[`acked${me}`]) < capacity,
              actions: [post('consumer', ({ context }) => ({ type: 'msg', from: me, seq: context.sent })), assign({ sent: ({ context }) => context.sent + 1 })],
            },
          ],
        },
      },
    },
  });
  const consumer = setup({ types: {} as { context: { got: number[] } } }).createMachine({
    id: 'consumer',
    context: { got: Array.from({ length: n }, () => 0) },
    on: {
      msg: {
        actions: [
          assign({ got: ({ context, event }) => context.got.map((g, i) => (i === (event as any).from ? g + 1 : g)) }),
          write(({ event }) => `acked${event.from}`, ({ context, event }) => context.got[event.from]),
        ],
      },
    },
  });
  const actors: SystemDefinition['actors'] = { consumer: { machine: consumer, queueCapacity: n * capacity } };
  for (let i = 0; i < n; i++) actors[`p${i}`] = { machine: producer(i), spontaneous: [{ type: 'send' }], reads: [`acked${i}`] };
  const cells = Object.fromEntries(Array.from({ length: n }, (_, i) => [`acked${i}`, 0]));
  return defineSystem({ name: `mailboxes-${n}x${messages}`, actors, cells, deadlock: false });
}

/**
 * `n` actors in a ring, each storing `rounds` successive values to its own cell and loading its
 * neighbour's after each, every access its own step: the same model for the memory-model benchmarks
 * (sc, tso, arm), where store buffers, flush steps and stale loads multiply the states.
 */
export function ringOfStores(n: number, rounds: number, memory: 'sc' | 'tso' | 'arm'): SystemDefinition {
  const actor = (me: number) => setup({ types: {} as { context: { v: number; seen: unknown } } }).createMachine({
    id: `node${me}`,
    context: { v: 0, seen: 0 },
    initial: 'store',
    states: {
      store: {
        always: { guard: ({ context }) => context.v === rounds, target: 'done' },
        on: { step: { target: 'load', actions: [write(`c${me}`, ({ context }) => context.v + 1), assign({ v: ({ context }) => context.v + 1 })] } },
      },
      load: { on: { step: { target: 'loading', actions: load(`c${(me + 1) % n}`) } } },
      loading: { on: { loaded: { target: 'store', actions: assign({ seen: ({ event }) => event.value }) } } },
      done: { type: 'final' },
    },
  });
  const actors = Object.fromEntries(Array.from({ length: n }, (_, i) => [`node${i}`, { machine: actor(i), spontaneous: [{ type: 'step' }] }]));
  const cells = Object.fromEntries(Array.from({ length: n }, (_, i) => [`c${i}`, 0]));
  return defineSystem({ name: `ring-of-stores-${n}x${rounds}-${memory}`, actors, cells, memory, storeBuffer: rounds, history: n * (rounds + 1) + 1 });
}

/** The models the store-kind comparison runs (bench/storeKinds.ts), by name. */
export const storeBenchModels: Record<string, () => SystemDefinition> = {
  'counters-4x34': () => counters(4, 34),
  'mailboxes-3x9': () => mailboxes(3, 9, 3),
  'ring-of-stores-5x2-tso': () => ringOfStores(5, 2, 'tso'),
};

/**
 * kvm-vcpu-kick's `correct` protocol (`--param vcpus=N`) for the symmetry benchmark: N independent
 * vCPU/requester pairs of k states each (k = 40 under sc, 88 under arm) make k^N states and, the pairs
 * being interchangeable, C(k + N - 1, N) orbits (multisets of N pair states).
 */
export function kvmKick(memory: MemoryModelName, vcpus: number): SystemDefinition {
  return kvmVcpuKick(memory, { vcpuBarrier: true, requesterBarrier: true, request: true }, vcpus);
}

/**
 * kvm-vcpu-kick with a liveness property beside its stall: work queued for a vCPU is taken, on every
 * weakly fair run (leadsTo(work_i = 1, work_i = 0), declaring the cells it reads).
 */
export function withWorkTaken(system: SystemDefinition, vcpus: number): SystemDefinition {
  const work = Array.from({ length: vcpus }, (_, i) => `work${i}`);
  const pending = (g: GlobalView) => work.some((c) => g.cells[c] === 1);
  return { ...system, properties: { ...system.properties, workTaken: leadsTo(pending, (g) => !pending(g), { cells: work }) } };
}

/**
 * Rounds paced by a timer: `n` workers each store `k` times to a cell of their own and then wait; when
 * nothing else can happen, a watchdog's `after` timer (deadlines) re-arms them all for the next round,
 * as a periodic kick does. With a liveness property beside the timer, declaring what it reads, for the
 * partial-order reduction beside timers: worker 0 finishes every round (verified), or (`overflow`)
 * worker 0 stores k + 1, which it never does (violated, on a lasso round the rounds).
 */
export function timedRounds(n: number, k: number, overflow = false): SystemDefinition {
  const actors: SystemDefinition['actors'] = {};
  const cells: Record<string, number> = {};
  for (let w = 0; w < n; w++) {
    const name = `w${w}`;
    cells[`${name}.d`] = 0;
    const states: Record<string, unknown> = { done: { tags: ['end'], on: { again: 's0' } } };
    for (let i = 0; i < k; i++) states[`s${i}`] = { on: { tick: { target: i === k - 1 ? 'done' : `s${i + 1}`, actions: write(`${name}.d`, i + 1) } } };
    const worker = setup({}).createMachine({ id: name, initial: 'done', states } as any);
    actors[name] = { machine: worker, spontaneous: [{ type: 'tick' }] };
  }
  const watchdog = setup({}).createMachine({
    initial: 'waiting',
    states: { waiting: { tags: ['end'], after: { 10: { target: 'waiting', reenter: true, actions: Array.from({ length: n }, (_, w) => post(`w${w}`, { type: 'again' })) } } } },
  } as any);
  actors.watchdog = { machine: watchdog };
  return defineSystem({
    name: `timed-rounds-${n}x${k}`, actors, cells,
    properties: overflow
      ? { worker0Overflows: eventually((g) => g.cells['w0.d'] === k + 1, { cells: ['w0.d'] }) }
      : { worker0Finishes: alwaysEventually((g) => g.actors.w0.matches('done'), { actors: ['w0'] }) },
  });
}
