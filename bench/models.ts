// Benchmark systems with known state counts, large enough (>= 1 million states) to measure the
// explorer's throughput and memory per state.
import { setup, assign } from 'xstate';
import { cellsOf, defineSystem, post, write } from '../checker/index.ts';
import type { SystemDefinition } from '../checker/index.ts';

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
