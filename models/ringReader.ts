// The reading end of a VMBus ring (Linux include/linux/hyperv.h hv_begin_read / hv_end_read,
// drivers/hv/ring_buffer.c hv_pkt_iter_first / hv_pkt_iter_avail / hv_pkt_iter_close; OpenVMM
// vm/devices/vmbus/vmbus_ring/src/lib.rs commit_read; checked against microsoft/OHCL-Linux-Kernel
// 6bf73aa5), one group of the real code's shared-memory accesses per step (a spontaneous `step`), with
// the barriers where the code has them and every load an explicit `load`:
//   on `interrupt`  hv_begin_read: interrupt_mask = 1; virt_mb() (Linux vmbus_chan_sched does this in
//                   the ISR for HV_CALL_BATCHED channels, then schedules the callback; so it happens
//                   inside the `interrupt` call), and start reading
//   read            hv_pkt_iter_avail: load read_index, virt_load_acquire(write_index) ("prevent loads
//                   of the packet data from being re-ordered before the read of the write_index");
//                   empty -> end the run; else load the packet at read_index and hand it to the consumer
//   commitRead      hv_pkt_iter_close: virt_rmb() ("Make sure all reads are done before we update the
//                   read index"); store read_index (OpenVMM IncomingRing::commit_read)
//   checkPending    virt_mb() ("before making the signaling decision"); load pending_send_sz; 0 -> next
//   checkSpaceEdge  virt_rmb() ("the read of write_index ... happens after the read of
//                   pending_send_sz"); load write_index; signal the writer iff the free space crossed
//                   pending_send_sz (OpenVMM: old_free < pss && new_free >= pss; Linux compares
//                   strictly, in bytes, which is the same edge at its 8-byte granularity)
//   endRead         hv_end_read: interrupt_mask = 0; virt_mb() ("make sure mask update is not reordered")
//   recheck         load write_index: data -> "we raced": hv_begin_read and read again
//                   (Linux drivers/hv/connection.c vmbus_on_event)
// `omit` removes barriers one by one (READER_BARRIERS; an omitted acquire is a plain load).
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
// are merged into one run; feature_bits (feat_pending_send_sz) is taken as set unless `pendingSendSizeFeature: false`. checkSpaceEdge loads
// pending_send_sz again beside write_index, where Linux keeps the value checkPending loaded (the
// writer only withdraws its request once it has space, so the edge it answers is the same).
//
// Use: `ringReaderActor({ ring, consumer, signalWriter })`. Events: `{ type: 'interrupt' }` (call, from
// the ISR or a host-side event), `{ type: 'poll' }` (post or call). The consumer receives
// `{ type: 'packet', ring, packet }` by `call`. Idle is tagged `waitsForInterrupt` (see lostInterrupt).
import { setup, assign, enqueueActions, not } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call, load, smp_load_acquire, smp_mb, smp_rmb, write } from '../checker/index.ts';
import type { ActorSpec } from '../checker/index.ts';
import { nextIndex, ringCell, ringDataCell, ringFree, ringUsed } from './ringBuffer.ts';
import type { RingField, RingSpec } from './ringBuffer.ts';
import type { Signal } from './ringWriter.ts';

/**
 * The reader's barriers, each removable with `omit`:
 *   'beginRead'         hv_begin_read: virt_mb() after interrupt_mask = 1
 *   'acquireWriteIndex' hv_pkt_iter_avail: virt_load_acquire(write_index) (omitted: READ_ONCE)
 *   'commitRead'        hv_pkt_iter_close: virt_rmb() before the read_index store
 *   'pendingSendSize'   hv_pkt_iter_close: virt_mb() between the read_index store and the pending_send_sz load
 *   'spaceEdge'         hv_pkt_iter_close: virt_rmb() between the pending_send_sz and write_index loads
 *   'endRead'           hv_end_read: virt_mb() between interrupt_mask = 0 and the re-read of write_index
 */
export type ReaderBarrier = 'beginRead' | 'acquireWriteIndex' | 'commitRead' | 'pendingSendSize' | 'spaceEdge' | 'endRead';
export const READER_BARRIERS: readonly ReaderBarrier[] = ['beginRead', 'acquireWriteIndex', 'commitRead', 'pendingSendSize', 'spaceEdge', 'endRead'];

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
  /** Barriers left out (default none: the code as written). */
  omit?: ReaderBarrier[];
  /**
   * The ring's feature_bits.feat_pending_send_sz as this reader sees it (default true). false: Linux
   * hv_pkt_iter_close returns right after storing read_index ("Older versions of Hyper-V (before WS2012
   * and Win8) do not implement pending_send_sz and simply poll if the host->guest ring buffer is full.
   * No signaling is needed or expected."), so a writer that waits on pending_send_sz anyway is never
   * signalled (property lostSpaceSignal).
   */
  pendingSendSizeFeature?: boolean;
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
  /** Values loaded earlier in the current step (empty between steps). */
  seen: Partial<Record<RingField, number>>;
}

type Loaded = { type: 'loaded'; cell: string; value: unknown };
type RingReaderEvent = { type: 'interrupt' } | { type: 'poll' } | { type: 'step' } | Loaded;

const has = (c: RingReaderContext, b: ReaderBarrier) => !(c.omit ?? []).includes(b);
const cell = (c: RingReaderContext, f: RingField) => ringCell(c.ring.name, f);
const fieldOf = (c: RingReaderContext, e: AnyEventObject): RingField | 'data' => {
  const name = (e as Loaded).cell;
  return name.startsWith(`${c.ring.name}.data`) ? 'data' : (name.slice(c.ring.name.length + 1) as RingField);
};
/** The loads of a step come back in order; the last one decides, with the earlier ones in `seen`. */
const seenWith = (c: RingReaderContext, e: AnyEventObject) => ({ ...c.seen, [fieldOf(c, e)]: (e as Loaded).value as number });
const batched = (c: RingReaderContext) => (c.mode ?? 'batched') === 'batched';

export const ringReaderMachine = setup({
  types: {} as { context: RingReaderContext; events: RingReaderEvent; input: RingReaderInput; emitted: AnyEventObject },
  guards: {
    earlierLoad: ({ context, event }) => fieldOf(context, event) !== 'write_index',
    empty: ({ context, event }) => { const s = seenWith(context, event); return ringUsed(s.write_index!, s.read_index!, context.ring.capacity) === 0; },
    emptyOrNoRecheck: ({ context, event }) => {
      if (context.skipRecheck === true) return true;
      const s = seenWith(context, event);
      return ringUsed(s.write_index!, s.read_index!, context.ring.capacity) === 0;
    },
    polling: ({ context }) => context.polling,
    noPendingSendSizeFeature: ({ context }) => context.pendingSendSizeFeature === false,
    noSpaceRequest: ({ event }) => (event as Loaded).value === 0,
    spaceEdge: ({ context, event }) => {
      const s = seenWith(context, event);
      const pss = s.pending_send_sz!;
      const newFree = ringFree(s.write_index!, s.read_index!, context.ring.capacity);
      const oldFree = ringFree(s.write_index!, context.startRead, context.ring.capacity);
      return oldFree < pss && newFree >= pss;
    },
    rerun: ({ context }) => context.rerun,
    batched: ({ context }) => batched(context),
    callbackDone: ({ context }) => !context.polling && context.packetsPerCallback !== undefined && context.readThisRun >= context.packetsPerCallback,
  },
  actions: {
    remember: assign({ seen: ({ context, event }) => seenWith(context, event) }),
    forget: assign({ seen: {} }),
    beginRead: enqueueActions(({ context, enqueue }) => {
      if (!batched(context)) return;
      enqueue(write(cell(context, 'interrupt_mask'), 1));
      if (has(context, 'beginRead')) enqueue(smp_mb());
    }),
    endRead: enqueueActions(({ context, enqueue }) => {
      enqueue(write(cell(context, 'interrupt_mask'), 0));
      if (has(context, 'endRead')) enqueue(smp_mb());
    }),
    // hv_pkt_iter_avail: read_index (the reader's own), then write_index with acquire.
    loadIndices: enqueueActions(({ context, enqueue }) => {
      enqueue(load(cell(context, 'read_index')));
      enqueue(has(context, 'acquireWriteIndex') ? smp_load_acquire(cell(context, 'write_index')) : load(cell(context, 'write_index')));
    }),
    // hv_end_read's hv_get_bytes_to_read: read_index, READ_ONCE(write_index).
    recheckIndices: enqueueActions(({ context, enqueue }) => {
      enqueue(load(cell(context, 'read_index')));
      enqueue(load(cell(context, 'write_index')));
    }),
    loadPacket: enqueueActions(({ context, event, enqueue }) => {
      const read = seenWith(context, event).read_index!;
      enqueue.assign({ startRead: read, seen: {} });
      enqueue(load(ringDataCell(context.ring.name, read)));
    }),
    deliver: enqueueActions(({ context, event, enqueue }) => {
      const packet = (event as Loaded).value as string;
      enqueue.assign({ readThisRun: context.readThisRun + 1 });
      if (batched(context)) enqueue(call(context.consumer, { type: 'packet', ring: context.ring.name, packet }));
      else enqueue.assign({ copied: packet });
    }),
    handOver: enqueueActions(({ context, enqueue }) => {
      if (context.copied === null) return;
      enqueue(call(context.consumer, { type: 'packet', ring: context.ring.name, packet: context.copied }));
      enqueue.assign({ copied: null });
    }),
    commitRead: enqueueActions(({ context, enqueue }) => {
      if (has(context, 'commitRead')) enqueue(smp_rmb());
      enqueue(write(cell(context, 'read_index'), nextIndex(context.startRead, context.ring.capacity)));
    }),
    loadPending: enqueueActions(({ context, enqueue }) => {
      if (has(context, 'pendingSendSize')) enqueue(smp_mb());
      enqueue(load(cell(context, 'pending_send_sz')));
    }),
    loadSpace: enqueueActions(({ context, enqueue }) => {
      if (has(context, 'spaceEdge')) enqueue(smp_rmb());
      enqueue(load(cell(context, 'pending_send_sz')));
      enqueue(load(cell(context, 'read_index')));
      enqueue(load(cell(context, 'write_index')));
    }),
    signalWriter: enqueueActions(({ context, enqueue }) => { enqueue(call(context.signalWriter.to, context.signalWriter.event)); }),
    requestRerun: assign({ rerun: true }),
  },
}).createMachine({
  id: 'ringReader',
  context: ({ input }) => {
    if (input.packetsPerCallback !== undefined && !(Number.isInteger(input.packetsPerCallback) && input.packetsPerCallback >= 1)) throw new Error(`ring reader ${input.ring.name}: packetsPerCallback must be a positive integer`);
    return { ...input, rerun: false, polling: false, startRead: 0, readThisRun: 0, copied: null, seen: {} };
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
      on: { step: { target: 'reading', actions: 'loadIndices' } },
    },
    reading: {
      on: {
        loaded: [
          { guard: 'earlierLoad', actions: 'remember' },
          { guard: 'empty', target: 'finish', actions: 'forget' },
          { target: 'copying', actions: 'loadPacket' },
        ],
      },
    },
    copying: {
      on: { loaded: { target: 'commitRead', actions: 'deliver' } },
    },
    commitRead: {
      on: { step: { target: 'checkPending', actions: 'commitRead' } },
    },
    checkPending: {
      // hv_pkt_iter_close: no feat_pending_send_sz -> return before the signalling decision.
      always: { guard: 'noPendingSendSizeFeature', target: 'read', actions: 'handOver' },
      on: { step: { target: 'checkingPending', actions: 'loadPending' } },
    },
    checkingPending: {
      on: {
        loaded: [
          { guard: 'noSpaceRequest', target: 'read', actions: 'handOver' },
          { target: 'checkSpaceEdge' },
        ],
      },
    },
    checkSpaceEdge: {
      on: { step: { target: 'checkingSpaceEdge', actions: 'loadSpace' } },
    },
    checkingSpaceEdge: {
      on: {
        loaded: [
          { guard: 'earlierLoad', actions: 'remember' },
          { guard: 'spaceEdge', target: 'read', actions: ['forget', 'signalWriter', 'handOver'] },
          { target: 'read', actions: ['forget', 'handOver'] },
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
      on: { step: { target: 'rechecking', actions: 'recheckIndices' } },
    },
    rechecking: {
      on: {
        loaded: [
          { guard: 'earlierLoad', actions: 'remember' },
          { guard: 'emptyOrNoRecheck', target: 'afterRun', actions: 'forget' },
          { target: 'read', actions: ['forget', 'beginRead'] },
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

/** An actor spec for a ring reader: the machine, its input and its `step` (its loads are explicit). */
export function ringReaderActor(input: RingReaderInput): ActorSpec {
  if (input.pendingSendSizeFeature !== undefined && typeof input.pendingSendSizeFeature !== 'boolean') throw new Error(`ring reader ${input.ring.name}: pendingSendSizeFeature must be true or false`);
  for (const b of input.omit ?? []) if (!READER_BARRIERS.includes(b)) throw new Error(`ring reader ${input.ring.name}: unknown barrier '${b}' (expected ${READER_BARRIERS.join(', ')})`);
  return { machine: ringReaderMachine, input, spontaneous: [{ type: 'step' }] };
}
