// The writing end of a VMBus ring: Linux drivers/hv/ring_buffer.c `hv_ringbuffer_write` +
// `hv_signal_on_write`, OpenVMM vmbus_ring `OutgoingRing::commit_write`.
// Each shared-memory access that the race depends on is its own step (a spontaneous `step`):
//   publish      read read_index, copy the packet, store write_index (old_write remembered)
//   checkMask    load interrupt_mask: set -> no signal
//   checkEmpty   load read_index: signal iff old_write == read_index (the ring was empty before)
// so a writer signals only on the empty-to-non-empty edge with the reader's mask clear. When the ring is
// full the writer asks for space: store pending_send_sz, re-check, then wait for the reader's signal
// (drivers/hv/ring_buffer.c hv_pkt_iter_close; OpenVMM OutgoingRing::set_pending_send_size).
//
// Simplified: copying the data and storing write_index are one step (the full barrier between them
// makes the data visible no later than the index under sequential consistency, and only the writer
// touches either); OpenVMM commits a batch of packets at once, the model commits each packet.
//
// Use: `ringWriterActor({ ring, signal })`. Events: `{ type: 'send', packet }` (post or call, any
// state; packets queue in order), `{ type: 'interrupt' }` (the reader's "space available" signal).
// The signal it raises is `call(signal.to, signal.event)` (e.g. a guest event port's `signal`).
import { setup, assign, enqueueActions } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call, cellsOf, write } from '../checker/index.ts';
import type { ActorSpec } from '../checker/index.ts';
import { nextIndex, ringCell, ringCellNames, ringDataCell, ringFree, viewRing } from './ringBuffer.ts';
import type { RingSpec } from './ringBuffer.ts';

export interface Signal {
  to: string;
  event: AnyEventObject;
}

export interface RingWriterInput {
  ring: RingSpec;
  /** How this writer tells the reader that data arrived. */
  signal: Signal;
}

interface RingWriterContext extends RingWriterInput {
  outbox: string[];
  oldWrite: number;
}

type RingWriterEvent =
  | { type: 'send'; packet: string }
  | { type: 'interrupt' }
  | { type: 'step'; cells?: Record<string, unknown> };

const ring = (c: RingWriterContext, e: AnyEventObject) => viewRing(cellsOf(e), c.ring);
const ignore = {};

export const ringWriterMachine = setup({
  types: {} as { context: RingWriterContext; events: RingWriterEvent; input: RingWriterInput; emitted: AnyEventObject },
  guards: {
    hasSpace: ({ context, event }) => { const r = ring(context, event); return ringFree(r.write, r.read, context.ring.capacity) >= 1; },
    maskSet: ({ context, event }) => ring(context, event).mask !== 0,
    wasEmpty: ({ context, event }) => ring(context, event).read === context.oldWrite,
    moreToSend: ({ context }) => context.outbox.length > 0,
  },
  actions: {
    enqueue: assign({ outbox: ({ context, event }) => [...context.outbox, (event as { packet: string }).packet] }),
    publish: enqueueActions(({ context, event, enqueue }) => {
      const r = ring(context, event);
      enqueue(write(ringDataCell(context.ring.name, r.write), context.outbox[0]));
      enqueue(write(ringCell(context.ring.name, 'write_index'), nextIndex(r.write, context.ring.capacity)));
      enqueue.assign({ oldWrite: r.write, outbox: context.outbox.slice(1) });
    }),
    signal: enqueueActions(({ context, enqueue }) => { enqueue(call(context.signal.to, context.signal.event)); }),
    requestSpace: enqueueActions(({ context, enqueue }) => { enqueue(write(ringCell(context.ring.name, 'pending_send_sz'), 1)); }),
    withdrawRequest: enqueueActions(({ context, enqueue }) => { enqueue(write(ringCell(context.ring.name, 'pending_send_sz'), 0)); }),
  },
}).createMachine({
  id: 'ringWriter',
  context: ({ input }) => ({ ...input, outbox: [], oldWrite: 0 }),
  initial: 'idle',
  on: { send: { actions: 'enqueue' } },
  states: {
    idle: {
      tags: ['end'],
      on: { send: { target: 'publish', actions: 'enqueue' }, interrupt: ignore },
    },
    publish: {
      // hv_ringbuffer_write: free space from read_index, copy, virt_mb(), store write_index.
      on: {
        step: [
          { guard: 'hasSpace', target: 'checkMask', actions: 'publish' },
          { target: 'requestSpace' },
        ],
        interrupt: ignore, // about to re-read read_index anyway
      },
    },
    requestSpace: {
      // Full: ask the reader for a signal once pending_send_sz slots are free.
      on: {
        step: { target: 'recheckSpace', actions: 'requestSpace' },
        interrupt: ignore,
      },
    },
    recheckSpace: {
      // Re-check after publishing pending_send_sz: the reader may have freed space before it could see it.
      // Simplified: with space again, the writer clears pending_send_sz before it writes.
      on: {
        step: [
          { guard: 'hasSpace', target: 'publish', actions: 'withdrawRequest' },
          { target: 'waitSpace' },
        ],
        interrupt: ignore,
      },
    },
    waitSpace: {
      tags: ['waitsForSpace'],
      on: { interrupt: 'recheckSpace' },
    },
    checkMask: {
      // hv_signal_on_write: virt_mb(); if the reader's interrupt_mask is set, do not signal.
      on: {
        step: [
          { guard: 'maskSet', target: 'done' },
          { target: 'checkEmpty' },
        ],
        interrupt: ignore,
      },
    },
    checkEmpty: {
      // hv_signal_on_write: virt_rmb(); signal iff old_write == read_index (empty -> non-empty edge).
      // OpenVMM commit_write: mask clear AND outp == the write index before the batch.
      on: {
        step: [
          { guard: 'wasEmpty', target: 'done', actions: 'signal' },
          { target: 'done' },
        ],
        interrupt: ignore,
      },
    },
    done: {
      always: [
        { guard: 'moreToSend', target: 'publish' },
        // old_write is dead once the signal decision is made; forgetting it keeps idle states equal.
        { target: 'idle', actions: assign({ oldWrite: 0 }) },
      ],
    },
  },
});

/** An actor spec for a ring writer: the machine, its input, its `step` and the ring cells it reads. */
export function ringWriterActor(input: RingWriterInput): ActorSpec {
  return { machine: ringWriterMachine, input, spontaneous: [{ type: 'step' }], reads: ringCellNames(input.ring) };
}
