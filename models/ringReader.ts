// The reading end of a VMBus ring (Linux include/linux/hyperv.h hv_begin_read / hv_end_read,
// drivers/hv/ring_buffer.c hv_pkt_iter_close; OpenVMM vm/devices/vmbus/vmbus_ring/src/lib.rs commit_read),
// one shared-memory access per step (a spontaneous `step`):
//   on `interrupt`  hv_begin_read: interrupt_mask = 1 (Linux vmbus_chan_sched does this in the ISR for
//                   HV_CALL_BATCHED channels, then schedules the callback; so it happens inside the
//                   `interrupt` call), and start reading
//   read            load write_index / read_index; empty -> end the run; else copy the packet at
//                   read_index and hand it to the consumer
//   commitRead      hv_pkt_iter_close / OpenVMM IncomingRing::commit_read: store read_index
//   checkPending    virt_mb(); load pending_send_sz; 0 -> next packet
//   checkSpaceEdge  virt_rmb(); load write_index; signal the writer iff the free space crossed
//                   pending_send_sz (OpenVMM: old_free < pss && new_free >= pss; Linux compares
//                   strictly, in bytes, which is the same edge at its 8-byte granularity)
//   endRead         hv_end_read: interrupt_mask = 0
//   recheck         virt_mb(); load write_index: data -> "we raced": hv_begin_read and read again
//                   (Linux drivers/hv/connection.c vmbus_on_event)
// An `interrupt` that arrives during a run sets the mask again and schedules one more run (the
// tasklet is rescheduled).
// Read modes (Linux drivers/hv/vmbus_drv.c vmbus_chan_sched, switch on channel->callback_mode; set with
// set_channel_read_mode, include/linux/hyperv.h):
//   'batched' (HV_CALL_BATCHED, the default): hv_begin_read in the ISR, then the callback; after it
//             drivers/hv/connection.c vmbus_on_event does hv_end_read and re-checks (the steps above);
//   'direct'  (HV_CALL_DIRECT): the callback only; vmbus_on_event returns after it ("if
//             (channel->callback_mode != HV_CALL_BATCHED) return"): no interrupt_mask, no re-check. The
//             util drivers run this way (drivers/hv/hv_util.c util_probe), the shutdown IC among them;
//   'isr'     (HV_CALL_ISR): the callback runs inside the ISR; as for 'direct', no mask and no re-check.
//             Simplified: modelled exactly as 'direct' (the ring accesses are the same).
// In 'direct' and 'isr' modes the callback reads with vmbus_recvpacket (hv_util.c), which copies the
// packet and commits read_index (with the pending_send_sz check) before the driver handles it; so the
// packet reaches the consumer only after checkPending / checkSpaceEdge.
// `packetsPerCallback` bounds what one callback reads: hv_util.c shutdown_onchannelcallback reads one
// packet (one vmbus_recvpacket) per callback, so a second packet waits for the next interrupt. A `poll` (a Windows-style driver reading the ring after open without an
// interrupt, per the #715 discussion) reads until empty without touching the mask.
//
// Simplified: the packet is handed over (a `call` to the consumer) in the step that copies it, before
// read_index is stored, where Linux's callback processes it after hv_pkt_iter_close; the consumer only
// queues work, so the order is not observable. Linux's callback loop and end_read/begin_read re-check
// are merged into one run; feature_bits (feat_pending_send_sz) is taken as set.
//
// Use: `ringReaderActor({ ring, consumer, signalWriter })`. Events: `{ type: 'interrupt' }` (call, from
// the ISR or a host-side event), `{ type: 'poll' }` (post or call). The consumer receives
// `{ type: 'packet', ring, packet }` by `call`. Idle is tagged `waitsForInterrupt` (see lostInterrupt).
import { setup, assign, enqueueActions, not } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call, cellsOf, write } from '../checker/index.ts';
import type { ActorSpec } from '../checker/index.ts';
import { nextIndex, ringCell, ringCellNames, ringFree, viewRing } from './ringBuffer.ts';
import type { RingSpec } from './ringBuffer.ts';
import type { Signal } from './ringWriter.ts';

export interface RingReaderInput {
  ring: RingSpec;
  /** The actor that receives each packet read. */
  consumer: string;
  /** How this reader tells the writer that space was freed. */
  signalWriter: Signal;
  /**
   * A known-wrong reader that trusts hv_end_read's mask store and skips the re-check: it loses the
   * interrupt of a write that lands between its last empty read and the mask store. For demonstrations.
   */
  skipRecheck?: boolean;
  /** The channel's read mode (default 'batched'). */
  mode?: ReadMode;
  /** Packets one callback reads before returning (default: until the ring is empty). */
  packetsPerCallback?: number;
}

export type ReadMode = 'batched' | 'direct' | 'isr';

interface RingReaderContext extends RingReaderInput {
  /** Another run was requested while this one was in progress. */
  rerun: boolean;
  /** This run is a poll: it ends without hv_end_read. */
  polling: boolean;
  /** read_index before the packet being consumed. */
  startRead: number;
  /** Packets read in this callback. */
  readThisRun: number;
  /** direct/isr: the packet copied by vmbus_recvpacket, handed over once read_index is committed. */
  copied: string | null;
}

type RingReaderEvent =
  | { type: 'interrupt' }
  | { type: 'poll' }
  | { type: 'step'; cells?: Record<string, unknown> };

const ring = (c: RingReaderContext, e: AnyEventObject) => viewRing(cellsOf(e), c.ring);
const maskCell = (c: RingReaderContext) => ringCell(c.ring.name, 'interrupt_mask');

export const ringReaderMachine = setup({
  types: {} as { context: RingReaderContext; events: RingReaderEvent; input: RingReaderInput; emitted: AnyEventObject },
  guards: {
    empty: ({ context, event }) => ring(context, event).used === 0,
    emptyOrNoRecheck: ({ context, event }) => context.skipRecheck === true || ring(context, event).used === 0,
    polling: ({ context }) => context.polling,
    noSpaceRequest: ({ context, event }) => ring(context, event).pendingSendSize === 0,
    spaceEdge: ({ context, event }) => {
      const r = ring(context, event);
      const pss = r.pendingSendSize;
      const newFree = ringFree(r.write, r.read, context.ring.capacity);
      const oldFree = ringFree(r.write, context.startRead, context.ring.capacity);
      return oldFree < pss && newFree >= pss;
    },
    rerun: ({ context }) => context.rerun,
    batched: ({ context }) => (context.mode ?? 'batched') === 'batched',
    callbackDone: ({ context }) => !context.polling && context.packetsPerCallback !== undefined && context.readThisRun >= context.packetsPerCallback,
  },
  actions: {
    beginRead: enqueueActions(({ context, enqueue }) => { if ((context.mode ?? 'batched') === 'batched') enqueue(write(maskCell(context), 1)); }),
    endRead: enqueueActions(({ context, enqueue }) => { enqueue(write(maskCell(context), 0)); }),
    deliver: enqueueActions(({ context, event, enqueue }) => {
      const r = ring(context, event);
      enqueue.assign({ startRead: r.read, readThisRun: context.readThisRun + 1 });
      if ((context.mode ?? 'batched') === 'batched') enqueue(call(context.consumer, { type: 'packet', ring: context.ring.name, packet: r.head }));
      else enqueue.assign({ copied: r.head });
    }),
    handOver: enqueueActions(({ context, enqueue }) => {
      if (context.copied === null) return;
      enqueue(call(context.consumer, { type: 'packet', ring: context.ring.name, packet: context.copied }));
      enqueue.assign({ copied: null });
    }),
    commitRead: enqueueActions(({ context, enqueue }) => {
      enqueue(write(ringCell(context.ring.name, 'read_index'), nextIndex(context.startRead, context.ring.capacity)));
    }),
    signalWriter: enqueueActions(({ context, enqueue }) => { enqueue(call(context.signalWriter.to, context.signalWriter.event)); }),
    requestRerun: assign({ rerun: true }),
  },
}).createMachine({
  id: 'ringReader',
  context: ({ input }) => {
    if (input.packetsPerCallback !== undefined && !(Number.isInteger(input.packetsPerCallback) && input.packetsPerCallback >= 1)) throw new Error(`ring reader ${input.ring.name}: packetsPerCallback must be a positive integer`);
    return { ...input, rerun: false, polling: false, startRead: 0, readThisRun: 0, copied: null };
  },
  initial: 'idle',
  // During a run: vmbus_chan_sched's hv_begin_read (batched only), and the tasklet is scheduled once more.
  on: {
    interrupt: { actions: ['beginRead', 'requestRerun'] },
    poll: { actions: 'requestRerun' },
  },
  states: {
    idle: {
      tags: ['end', 'waitsForInterrupt'],
      on: {
        interrupt: { target: 'read', actions: ['beginRead', assign({ polling: false })] },
        poll: { target: 'read', actions: assign({ polling: true }) },
      },
    },
    read: {
      always: { guard: 'callbackDone', target: 'finish' },
      on: {
        step: [
          { guard: 'empty', target: 'finish' },
          { target: 'commitRead', actions: 'deliver' },
        ],
      },
    },
    commitRead: {
      on: { step: { target: 'checkPending', actions: 'commitRead' } },
    },
    checkPending: {
      on: {
        step: [
          { guard: 'noSpaceRequest', target: 'read', actions: 'handOver' },
          { target: 'checkSpaceEdge' },
        ],
      },
    },
    checkSpaceEdge: {
      on: {
        step: [
          { guard: 'spaceEdge', target: 'read', actions: ['signalWriter', 'handOver'] },
          { target: 'read', actions: 'handOver' },
        ],
      },
    },
    finish: {
      always: [
        { guard: 'polling', target: 'afterRun' },
        // HV_CALL_DIRECT / HV_CALL_ISR: vmbus_on_event returns after the callback.
        { guard: not('batched'), target: 'afterRun' },
        { target: 'endRead' },
      ],
    },
    endRead: {
      on: { step: { target: 'recheck', actions: 'endRead' } },
    },
    recheck: {
      on: {
        step: [
          { guard: 'emptyOrNoRecheck', target: 'afterRun' },
          { target: 'read', actions: 'beginRead' },
        ],
      },
    },
    afterRun: {
      always: [
        { guard: 'rerun', target: 'read', actions: assign({ rerun: false, polling: false, readThisRun: 0 }) },
        { target: 'idle', actions: assign({ polling: false, readThisRun: 0 }) },
      ],
    },
  },
});

/** An actor spec for a ring reader: the machine, its input, its `step` and the ring cells it reads. */
export function ringReaderActor(input: RingReaderInput): ActorSpec {
  return { machine: ringReaderMachine, input, spontaneous: [{ type: 'step' }], reads: ringCellNames(input.ring) };
}
