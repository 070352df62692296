// The barriers of the VMBus ring protocol, one at a time (issue #10, section 4): the ring writer
// (drivers/hv/ring_buffer.c hv_ringbuffer_write + hv_signal_on_write; the pending_send_sz request of
// OpenVMM vmbus_ring OutgoingRing::set_pending_send_size) and the batched Linux reader (hv_begin_read /
// hv_end_read in include/linux/hyperv.h, hv_pkt_iter_avail and hv_pkt_iter_close in ring_buffer.c),
// with every barrier where the code has it (models/ringWriter.ts, models/ringReader.ts). Each variant
// leaves out one barrier and states its verdict under sc, tso and arm: under sc a barrier orders
// nothing that is not already ordered, so every variant is verified there.
//
// The system: a sender hands the writer two packets; the writer and the reader share one ring of
// capacity 1, so the second packet waits for space (pending_send_sz) and races the reader's
// hv_end_read re-check; the writer's signal is a direct `interrupt` call to the reader and the reader's
// space signal a direct call to the writer (the event port and SynIC path between them is modelled in
// shutdown-ic-boot; a hypercall or interrupt synchronizes, README "Events between actors synchronize").
// Each end has the barriers of the Linux code (the host's end of a real ring is OpenVMM's vmbus_ring,
// whose SeqCst accesses order the same pairs).
import { assign, setup } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call, defineScenario, defineSystem, invariant, stall } from '../../checker/index.ts';
import type { MemoryModelName, SystemDefinition, Variant } from '../../checker/index.ts';
import { lostInterrupt, ringCells } from '../ringBuffer.ts';
import { ringReaderActor } from '../ringReader.ts';
import type { ReaderBarrier } from '../ringReader.ts';
import { ringWriterActor } from '../ringWriter.ts';
import type { WriterBarrier } from '../ringWriter.ts';

const senderMachine = (packets: string[]) => setup({}).createMachine({
  id: 'sender',
  initial: 'send',
  states: {
    send: { on: { run: { target: 'done', actions: packets.map((packet) => call('writer', { type: 'send', packet })) } } },
    done: { type: 'final' },
  },
});

const consumer = setup({ types: {} as { context: { received: unknown[] }; events: AnyEventObject } }).createMachine({
  id: 'consumer',
  context: { received: [] },
  initial: 'run',
  states: { run: { tags: ['end'], on: { packet: { actions: assign({ received: ({ context, event }) => [...context.received, event.packet] }) } } } },
});

export interface RingBarrierOptions {
  writerOmits?: WriterBarrier[];
  readerOmits?: ReaderBarrier[];
  /** Packets the ring holds (default 1). */
  capacity?: number;
  /** Packets sent (default capacity + 1, so the last one waits for space). */
  packets?: number;
}

export function linuxRingBarriers(memory: MemoryModelName, o: RingBarrierOptions = {}): SystemDefinition {
  const RING = { name: 'ring', capacity: o.capacity ?? 1 };
  const PACKETS = Array.from({ length: o.packets ?? RING.capacity + 1 }, (_, i) => `p${i + 1}`);
  const received = (g: any) => g.actors.consumer.context.received as unknown[];
  return defineSystem({
    name: `linux-ring-barriers (${memory})`,
    memory,
    actors: {
      sender: { machine: senderMachine(PACKETS), spontaneous: [{ type: 'run' }] },
      writer: ringWriterActor({ ring: RING, signal: { to: 'reader', event: { type: 'interrupt' } }, omit: o.writerOmits }),
      reader: ringReaderActor({ ring: RING, consumer: 'consumer', signalWriter: { to: 'writer', event: { type: 'interrupt' } }, omit: o.readerOmits }),
      consumer: { machine: consumer },
    },
    cells: ringCells(RING),
    properties: {
      lostInterrupt: lostInterrupt(RING, 'reader'),
      // A packet read before its data was visible is a stale slot: null, or the packet before it.
      packetIntegrity: invariant((g) => received(g).every((p, i) => p === PACKETS[i]) || `the reader handed over ${JSON.stringify(received(g))}, not ${JSON.stringify(PACKETS.slice(0, received(g).length))}`, { actors: ['consumer'] }),
      allDelivered: stall((g) => received(g).length < PACKETS.length && `the consumer has ${received(g).length} of ${PACKETS.length} packets${g.actors.writer.hasTag('waitsForSpace') ? ' and the writer waits for a space signal that will not come' : ''}`),
    },
  });
}

type Expectation = Pick<Variant, 'expected' | 'expectedProperty' | 'memory' | 'expectedUnder'>;
const ok = (memory: MemoryModelName): Expectation => ({ expected: 'verified', memory, expectedUnder: { sc: 'verified', tso: 'verified', arm: 'verified' } });
/** A real bug under tso (and so under arm): violated under both, verified under sc. */
const tsoBug = (property: string): Expectation => ({ expected: 'violated', expectedProperty: property, memory: 'tso', expectedUnder: { sc: 'verified', arm: 'violated' } });
/** A real bug only under arm: x86 orders stores with stores and loads with loads. */
const armBug = (property: string): Expectation => ({ expected: 'violated', expectedProperty: property, memory: 'arm', expectedUnder: { sc: 'verified', tso: 'verified' } });

function variant(name: string, description: string, o: RingBarrierOptions, e: Expectation): Variant {
  const memory = e.memory!;
  return {
    name, description, ...e,
    parameters: { capacity: 1, packets: 2, writerOmits: (o.writerOmits ?? []).join(',') || 'none', readerOmits: (o.readerOmits ?? []).join(',') || 'none' },
    system: () => linuxRingBarriers(memory, o),
  };
}

export const linuxRingBarriersScenario = defineScenario({
  name: 'linux-ring-barriers',
  description: 'The VMBus ring barriers of Linux drivers/hv (hv_ringbuffer_write, hv_signal_on_write, hv_begin_read/hv_end_read, hv_pkt_iter_avail, hv_pkt_iter_close), each left out in turn: a ring of capacity 1, two packets',
  variants: [
    variant('all-barriers', 'every barrier where the code has it: verified under sc, tso and arm', {}, ok('arm')),
    variant('no-publish-mb', 'hv_ringbuffer_write without the virt_mb() before the write_index store: on ARM the reader sees the index before the packet (violated: packetIntegrity); x86 orders stores with stores, so it is harmless under tso', { writerOmits: ['publish'] }, armBug('packetIntegrity')),
    variant('no-signal-mb', 'hv_signal_on_write without its virt_mb(): the interrupt_mask load passes the buffered write_index store while hv_end_read clears the mask and re-reads the old index (store buffering); neither signals (violated under tso and arm: lostInterrupt)', { writerOmits: ['signal'] }, tsoBug('lostInterrupt')),
    variant('no-mask-rmb', 'hv_signal_on_write without the virt_rmb() between the interrupt_mask and read_index loads: harmless under tso (loads are not reordered) and, after the full virt_mb() before both, verified under arm here', { writerOmits: ['maskBeforeRead'] }, ok('tso')),
    variant('no-pending-send-mb', 'the writer stores pending_send_sz without a full barrier (OpenVMM stores it SeqCst) before re-reading read_index: against hv_pkt_iter_close it is store buffering; the writer waits for a signal the reader never sends (violated under tso and arm: allDelivered)', { writerOmits: ['pendingSendSize'] }, tsoBug('allDelivered')),
    variant('no-begin-read-mb', 'hv_begin_read without its virt_mb(): the writer may see the mask still clear and signal once more, which costs an interrupt and loses nothing (verified under sc, tso and arm)', { readerOmits: ['beginRead'] }, ok('arm')),
    variant('no-acquire-write-index', 'hv_pkt_iter_avail reading write_index with READ_ONCE instead of virt_load_acquire: on ARM the packet load is satisfied before the index load and reads a stale slot (violated: packetIntegrity); harmless under tso', { readerOmits: ['acquireWriteIndex'] }, armBug('packetIntegrity')),
    {
      ...variant('no-commit-read-rmb', 'hv_pkt_iter_close without the virt_rmb() before the read_index store: harmless under tso (x86 does not reorder loads with later stores). On ARM the packet load could be satisfied after the read_index store, and the writer could overwrite the slot first: load buffering, which this arm model leaves out, so no arm verdict is claimed', { readerOmits: ['commitRead'] }, ok('tso')),
      expectedUnder: { sc: 'verified' },
    },
    variant('no-pending-mb', 'hv_pkt_iter_close without the virt_mb() between the read_index store and the pending_send_sz load: store buffering against the writer\'s request; neither sees the other and the writer waits forever (violated under tso and arm: allDelivered)', { readerOmits: ['pendingSendSize'] }, tsoBug('allDelivered')),
    variant('no-space-edge-rmb', 'hv_pkt_iter_close without the virt_rmb() between the pending_send_sz and write_index loads: harmless under tso; under arm the two full barriers of the pending_send_sz handshake already keep the write_index load fresh (verified here, also at capacity 2)', { readerOmits: ['spaceEdge'] }, ok('arm')),
    variant('no-end-read-mb', 'hv_end_read without its virt_mb(): the re-read of write_index passes the buffered interrupt_mask = 0 store, while the writer reads the mask still set; neither signals (violated under tso and arm: lostInterrupt)', { readerOmits: ['endRead'] }, tsoBug('lostInterrupt')),
  ],
});
