// The writing end of a VMBus ring: Linux drivers/hv/ring_buffer.c `hv_ringbuffer_write` +
// `hv_signal_on_write`, OpenVMM vmbus_ring `OutgoingRing::commit_write` (checked against
// microsoft/OHCL-Linux-Kernel 6bf73aa5 and microsoft/openvmm 1488a37b).
// Each step is one of the real code's groups of shared-memory accesses (a spontaneous `step`), with the
// barriers where the code has them; every load is an explicit `load`, so the same machine is right
// under sc, tso and arm:
//   publish      load read_index and write_index (hv_get_bytes_to_write), copy the packet into its
//                slot, virt_mb() ("Issue a full memory barrier before updating the write index"),
//                store write_index (old_write remembered)
//   checkMask    hv_signal_on_write: virt_mb(); load interrupt_mask: set -> no signal
//   checkEmpty   virt_rmb() ("check interrupt_mask before read_index"); load read_index: signal iff
//                old_write == read_index (the ring was empty before)
// so a writer signals only on the empty-to-non-empty edge with the reader's mask clear. When the ring is
// full the writer asks for space: store pending_send_sz, re-check, then wait for the reader's signal
// (OpenVMM OutgoingRing::set_pending_send_size, a SeqCst store, then can_write's re-read of outp; the
// reader's side is drivers/hv/ring_buffer.c hv_pkt_iter_close). Linux's own hv_ringbuffer_write
// returns -EAGAIN when full instead; the request path is the host's.
// `omit` removes barriers one by one (WRITER_BARRIERS): under sc every barrier is a no-op, so
// removing one changes nothing there; which removals break tso or arm is what `linux-ring-barriers`
// checks.
//
// Simplified: copying the data is one store to the packet's slot; OpenVMM commits a batch of packets at
// once, the model commits each packet.
//
// Use: `ringWriterActor({ ring, signal, omit? })`. Events: `{ type: 'send', packet }` (post or call, any
// state; packets queue in order), `{ type: 'interrupt' }` (the reader's "space available" signal).
// The signal it raises is `call(signal.to, signal.event)`: a guest event port's `signal`, a direct call
// of the reader, or the SynIC itself. `synicSignal(synic, sint, flag)` builds the last: HvSignalEvent on
// the reader's SynIC (TLFS HvCallSignalEvent, inter-partition-communication.md: it sets the SIEF bit and interrupts if it was
// clear), the path of a writer whose event port is the hypervisor's (the Linux guest's
// vmbus_set_event, drivers/hv/connection.c; a host signalling the guest through the hypervisor). The
// SynIC answers `signalResult` inside the same step; the writer takes it and goes on, as Linux
// vmbus_set_event ignores the hypercall's status and OpenVMM's GuestEventPort ignores
// GlobalSynic::signal_event's: a signal refused on a masked SINT is lost, which `lostInterrupt` shows.
import { setup, assign, enqueueActions } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call, load, smp_mb, smp_rmb, smp_store_mb, write } from '../checker/index.ts';
import type { ActorSpec } from '../checker/index.ts';
import { nextIndex, ringCell, ringDataCell, ringFree } from './ringBuffer.ts';
import type { RingSpec } from './ringBuffer.ts';

export interface Signal {
  to: string;
  event: AnyEventObject;
}

/**
 * The writer's barriers, each removable with `omit`:
 *   'publish'         hv_ringbuffer_write: virt_mb() between the packet copy and the write_index store
 *   'signal'          hv_signal_on_write: virt_mb() between the write_index store and the interrupt_mask load
 *   'maskBeforeRead'  hv_signal_on_write: virt_rmb() between the interrupt_mask and read_index loads
 *   'pendingSendSize' OpenVMM set_pending_send_size: the SeqCst store of pending_send_sz (a store and a
 *                     full fence on x86), before the re-read of read_index
 */
export type WriterBarrier = 'publish' | 'signal' | 'maskBeforeRead' | 'pendingSendSize';
export const WRITER_BARRIERS: readonly WriterBarrier[] = ['publish', 'signal', 'maskBeforeRead', 'pendingSendSize'];

/** TLFS: 16 SINTs per VP, 2048 event flags per SINT (the SIEF page). */
const SINTS = 16;
const FLAGS_PER_SINT = 2048;

/** The signal of a writer that calls HvSignalEvent on the reader's SynIC itself. */
export function synicSignal(synic: string, sint: number, flag: number): Signal {
  return { to: synic, event: { type: 'signalEvent', sint, flag } };
}

function checkSignal(ring: string, signal: Signal): void {
  if (signal === undefined || typeof signal.to !== 'string' || signal.to === '' || typeof signal.event?.type !== 'string') throw new Error(`ring writer ${ring}: signal must name an actor and an event`);
  if (signal.event.type !== 'signalEvent') return;
  const { sint, flag } = signal.event as { sint?: unknown; flag?: unknown };
  if (!Number.isInteger(sint) || (sint as number) < 0 || (sint as number) >= SINTS) throw new Error(`ring writer ${ring}: signalEvent SINT ${String(sint)} is out of range (0..${SINTS - 1})`);
  if (!Number.isInteger(flag) || (flag as number) < 0 || (flag as number) >= FLAGS_PER_SINT) throw new Error(`ring writer ${ring}: signalEvent event flag ${String(flag)} is out of range (0..${FLAGS_PER_SINT - 1})`);
}

export interface RingWriterInput {
  ring: RingSpec;
  /** How this writer tells the reader that data arrived. */
  signal: Signal;
  /** Barriers left out (default none: the code as written). */
  omit?: WriterBarrier[];
}

interface RingWriterContext extends RingWriterInput {
  outbox: string[];
  oldWrite: number;
  /** read_index as loaded earlier in the current step (-1 between steps). */
  seenRead: number;
}

type RingWriterEvent =
  | { type: 'send'; packet: string }
  | { type: 'interrupt' }
  | { type: 'signalResult'; status: string }
  | { type: 'step' }
  | { type: 'readIndex' | 'writeIndex' | 'mask'; cell: string; value: number };

const ignore = {};
const has = (c: RingWriterContext, b: WriterBarrier) => !(c.omit ?? []).includes(b);
const value = (e: AnyEventObject) => e.value as number;
const cell = (c: RingWriterContext, f: 'write_index' | 'read_index' | 'interrupt_mask' | 'pending_send_sz') => ringCell(c.ring.name, f);

export const ringWriterMachine = setup({
  types: {} as { context: RingWriterContext; events: RingWriterEvent; input: RingWriterInput; emitted: AnyEventObject },
  guards: {
    hasSpace: ({ context, event }) => ringFree(value(event), context.seenRead, context.ring.capacity) >= 1,
    maskSet: ({ event }) => value(event) !== 0,
    wasEmpty: ({ context, event }) => value(event) === context.oldWrite,
    moreToSend: ({ context }) => context.outbox.length > 0,
  },
  actions: {
    enqueue: assign({ outbox: ({ context, event }) => [...context.outbox, (event as { packet: string }).packet] }),
    // hv_get_bytes_to_write: READ_ONCE(read_index), then write_index (the writer's own, forwarded).
    loadIndices: enqueueActions(({ context, enqueue }) => {
      enqueue(load(cell(context, 'read_index'), 'readIndex'));
      enqueue(load(cell(context, 'write_index'), 'writeIndex'));
    }),
    seeRead: assign({ seenRead: ({ event }) => value(event) }),
    forgetRead: assign({ seenRead: -1 }),
    publish: enqueueActions(({ context, event, enqueue }) => {
      const w = value(event);
      enqueue(write(ringDataCell(context.ring.name, w), context.outbox[0]));
      if (has(context, 'publish')) enqueue(smp_mb());
      enqueue(write(cell(context, 'write_index'), nextIndex(w, context.ring.capacity)));
      enqueue.assign({ oldWrite: w, outbox: context.outbox.slice(1), seenRead: -1 });
    }),
    loadMask: enqueueActions(({ context, enqueue }) => {
      if (has(context, 'signal')) enqueue(smp_mb());
      enqueue(load(cell(context, 'interrupt_mask'), 'mask'));
    }),
    loadReadIndex: enqueueActions(({ context, enqueue }) => {
      if (has(context, 'maskBeforeRead')) enqueue(smp_rmb());
      enqueue(load(cell(context, 'read_index'), 'readIndex'));
    }),
    signal: enqueueActions(({ context, enqueue }) => { enqueue(call(context.signal.to, context.signal.event)); }),
    requestSpace: enqueueActions(({ context, enqueue }) => {
      enqueue(has(context, 'pendingSendSize') ? smp_store_mb(cell(context, 'pending_send_sz'), 1) : write(cell(context, 'pending_send_sz'), 1));
    }),
    withdrawRequest: enqueueActions(({ context, enqueue }) => { enqueue(write(cell(context, 'pending_send_sz'), 0)); }),
  },
}).createMachine({
  id: 'ringWriter',
  context: ({ input }) => ({ ...input, outbox: [], oldWrite: 0, seenRead: -1 }),
  initial: 'idle',
  // signalResult: the SynIC's answer to a synicSignal, taken and not acted on (see the header).
  on: { send: { actions: 'enqueue' }, signalResult: {} },
  states: {
    idle: {
      tags: ['end'],
      on: { send: { target: 'publish', actions: 'enqueue' }, interrupt: ignore },
    },
    publish: {
      // hv_ringbuffer_write: free space from read_index, copy, virt_mb(), store write_index.
      on: {
        step: { target: 'publishing', actions: 'loadIndices' },
        interrupt: ignore, // about to re-read read_index anyway
      },
    },
    publishing: {
      on: {
        readIndex: { actions: 'seeRead' },
        writeIndex: [
          { guard: 'hasSpace', target: 'checkMask', actions: 'publish' },
          { target: 'requestSpace', actions: 'forgetRead' },
        ],
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
        step: { target: 'rechecking', actions: 'loadIndices' },
        interrupt: ignore,
      },
    },
    rechecking: {
      on: {
        readIndex: { actions: 'seeRead' },
        writeIndex: [
          { guard: 'hasSpace', target: 'publish', actions: ['withdrawRequest', 'forgetRead'] },
          { target: 'waitSpace', actions: 'forgetRead' },
        ],
      },
    },
    waitSpace: {
      tags: ['waitsForSpace'],
      on: { interrupt: 'recheckSpace' },
    },
    checkMask: {
      // hv_signal_on_write: virt_mb(); if the reader's interrupt_mask is set, do not signal.
      on: {
        step: { target: 'checkingMask', actions: 'loadMask' },
        interrupt: ignore,
      },
    },
    checkingMask: {
      on: { mask: [{ guard: 'maskSet', target: 'done' }, { target: 'checkEmpty' }] },
    },
    checkEmpty: {
      // hv_signal_on_write: virt_rmb(); signal iff old_write == read_index (empty -> non-empty edge).
      // OpenVMM commit_write: mask clear AND outp == the write index before the batch.
      on: {
        step: { target: 'checkingEmpty', actions: 'loadReadIndex' },
        interrupt: ignore,
      },
    },
    checkingEmpty: {
      on: { readIndex: [{ guard: 'wasEmpty', target: 'done', actions: 'signal' }, { target: 'done' }] },
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

/** An actor spec for a ring writer: the machine, its input and its `step` (its loads are explicit). */
export function ringWriterActor(input: RingWriterInput): ActorSpec {
  for (const b of input.omit ?? []) if (!WRITER_BARRIERS.includes(b)) throw new Error(`ring writer ${input.ring.name}: unknown barrier '${b}' (expected ${WRITER_BARRIERS.join(', ')})`);
  if (!Number.isInteger(input.ring.capacity) || input.ring.capacity < 1) throw new Error(`ring ${input.ring.name}: capacity must be a positive integer`);
  checkSignal(input.ring.name, input.signal);
  return { machine: ringWriterMachine, input, spontaneous: [{ type: 'step' }] };
}
