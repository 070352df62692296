// Scenario sint-coalescing: two VMBus channels on one SINT of one VP, and the local APIC's coalescing of
// the SINT's interrupt (models/synic.ts, interruptDelivery 'apic': a signal while the interrupt is still
// pending in the IRR raises no second one, Intel SDM Vol. 3A 10.8.4; the SynIC is a local APIC
// extension, TLFS virtual-interrupts.md). Each host-side ring writer signals the guest's SynIC itself
// (synicSignal: HvSignalEvent on the VMBus SINT with the channel's relid as its flag, the TLFS
// hypervisor's semantics) and takes its `signalResult`. One ISR run must therefore handle every flag set
// by then, which Linux vmbus_chan_sched does (for_each_set_bit over the SIEF area); a handler that takes
// only the first bit and waits for the next interrupt strands the other channel.
// Channel 1's ring holds one packet and carries two, so its writer asks for space (pending_send_sz) and
// waits for the reader's signal (hv_pkt_iter_close); a reader that sees feat_pending_send_sz clear
// never sends it (property lostSpaceSignal).
// Simplified: the guest's space signal reaches the host writer directly (the guest-to-host event port is
// modelled in shutdown-ic-boot); the ISR is scenario-local (models/scenarios/vpIsr.ts).
import { assign, setup } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call, defineScenario, defineSystem, reachable } from '../../checker/index.ts';
import type { GlobalView, SystemDefinition } from '../../checker/index.ts';
import { lostInterrupt, lostInterruptLiveness, lostSpaceSignal, lostSpaceSignalLiveness, ringCellNames, ringCells, writerAwaitsSpaceSignal } from '../ringBuffer.ts';
import type { RingSpec } from '../ringBuffer.ts';
import { ringReaderActor } from '../ringReader.ts';
import { ringWriterActor, synicSignal } from '../ringWriter.ts';
import { synicActor } from '../synic.ts';
import type { InterruptDelivery, SynicContext } from '../synic.ts';
import { vpIsrActor } from './vpIsr.ts';

/** Linux VMBUS_MESSAGE_SINT. */
const VMBUS_SINT = 2;
const RELID_1 = 1;
const RELID_2 = 2;

export interface SintCoalescingOptions {
  /** The SynIC's interrupt delivery (default 'apic'; 'per-raise' is not a real local APIC). */
  delivery?: InterruptDelivery;
  /** The ISR's scan (default 'all-bits', Linux vmbus_chan_sched). */
  scan?: 'all-bits' | 'first-bit';
  /** Channel 1's reader sees feat_pending_send_sz (default true). */
  pendingSendSizeFeature?: boolean;
}

// The host's devices: channel 1 sends two packets, channel 2 one, in one step of their own.
const PACKETS: Record<string, string[]> = { writer1: ['a1', 'a2'], writer2: ['b1'] };
const TOTAL = Object.values(PACKETS).flat().length;
const deviceMachine = setup({}).createMachine({
  id: 'devices',
  initial: 'send',
  states: {
    send: { on: { run: { target: 'done', actions: Object.entries(PACKETS).flatMap(([writer, ps]) => ps.map((packet) => call(writer, { type: 'send', packet }))) } } },
    done: { type: 'final' },
  },
});

const driverMachine = setup({ types: {} as { context: { received: string[] }; events: AnyEventObject } }).createMachine({
  id: 'driver',
  context: { received: [] },
  initial: 'run',
  states: { run: { tags: ['end'], on: { packet: { actions: assign({ received: ({ context, event }) => [...context.received, event.packet as string] }) } } } },
});

export function sintCoalescingSystem(o: SintCoalescingOptions = {}): SystemDefinition {
  const delivery = o.delivery ?? 'apic';
  const ring1: RingSpec = { name: 'ring1', capacity: 1 };
  const ring2: RingSpec = { name: 'ring2', capacity: 1 };
  const sint = (g: GlobalView) => (g.actors.synic.context as SynicContext).sints[String(VMBUS_SINT)];
  return defineSystem({
    name: `sint-coalescing (${delivery} delivery, ISR scans ${o.scan ?? 'all-bits'}${o.pendingSendSizeFeature === false ? ', no feat_pending_send_sz' : ''})`,
    actors: {
      devices: { machine: deviceMachine, spontaneous: [{ type: 'run' }] },
      writer1: ringWriterActor({ ring: ring1, signal: synicSignal('synic', VMBUS_SINT, RELID_1) }),
      writer2: ringWriterActor({ ring: ring2, signal: synicSignal('synic', VMBUS_SINT, RELID_2) }),
      synic: synicActor({ semantics: 'tlfs-hyperv', interruptTarget: 'vp', sints: [VMBUS_SINT], interruptDelivery: delivery }),
      vp: vpIsrActor({ synic: 'synic', sint: VMBUS_SINT, channels: { [RELID_1]: 'reader1', [RELID_2]: 'reader2' }, scan: o.scan ?? 'all-bits', acceptInterrupts: delivery === 'apic' }),
      reader1: ringReaderActor({ ring: ring1, consumer: 'driver', signalWriter: { to: 'writer1', event: { type: 'interrupt' } }, ...(o.pendingSendSizeFeature === false ? { pendingSendSizeFeature: false } : {}) }),
      reader2: ringReaderActor({ ring: ring2, consumer: 'driver', signalWriter: { to: 'writer2', event: { type: 'interrupt' } } }),
      driver: { machine: driverMachine },
    },
    cells: { ...ringCells(ring1), ...ringCells(ring2) },
    properties: {
      lostInterrupt: lostInterrupt([{ ring: ring1, reader: 'reader1' }, { ring: ring2, reader: 'reader2' }]),
      lostSpaceSignal: lostSpaceSignal(ring1, 'writer1'),
      lostInterruptLive: lostInterruptLiveness([{ ring: ring1, reader: 'reader1' }, { ring: ring2, reader: 'reader2' }]),
      lostSpaceSignalLive: lostSpaceSignalLiveness(ring1, 'writer1'),
      // Goals: both channels' flags set before the ISR runs (under 'apic', behind one pending interrupt:
      // the coalescing is exercised), the writer caught waiting with room before the reader's signal,
      // and every packet read.
      // Each declares what it reads, for the partial-order reduction (README, "Partial-order reduction").
      bothFlagsPending: reachable((g) => sint(g).flags.length === 2 && (delivery !== 'apic' || sint(g).irr === true), { actors: ['synic'] }),
      spaceSignalWindow: reachable(writerAwaitsSpaceSignal(ring1, 'writer1'), { cells: ringCellNames(ring1), actors: ['writer1'], inFlight: ['writer1'] }),
      allRead: reachable((g) => (g.actors.driver.context as { received: string[] }).received.length === TOTAL, { actors: ['driver'] }),
    },
  });
}

interface CoalescingVariant {
  name: string;
  options: SintCoalescingOptions;
  expected: 'verified' | 'violated';
  expectedProperty?: string;
  why: string;
}

const VARIANTS: CoalescingVariant[] = [
  { name: 'scan-all-bits', options: {}, expected: 'verified',
    why: 'Linux vmbus_chan_sched: one interrupt, every set bit test-and-cleared and its channel scheduled; the writer waiting for space is signalled by hv_pkt_iter_close' },
  { name: 'first-bit-only', options: { scan: 'first-bit' }, expected: 'violated', expectedProperty: 'lostInterrupt',
    why: 'both channels signal before the ISR runs: the second signal is collapsed into the pending interrupt, the handler dispatches relid 1 only, and relid 2 stays set with no interrupt to come (its later signals find the bit set)' },
  { name: 'first-bit-only-per-raise', options: { scan: 'first-bit', delivery: 'per-raise' }, expected: 'verified',
    why: 'not a real host: a SynIC that raises one interrupt per signal hides the bug, because every bit set gets an ISR run of its own; this is why the coalescing is modelled' },
  { name: 'no-pending-send-sz-feature', options: { pendingSendSizeFeature: false }, expected: 'violated', expectedProperty: 'lostSpaceSignal',
    why: 'channel 1\'s reader sees feat_pending_send_sz clear, so hv_pkt_iter_close returns after storing read_index; the writer, waiting on pending_send_sz anyway, is never signalled while the ring has room' },
];

export const sintCoalescing = defineScenario({
  name: 'sint-coalescing',
  description: 'Two channels on one SINT: the local APIC collapses a second signal into the pending interrupt, so the ISR must scan every event flag (vmbus_chan_sched); and a writer waiting on pending_send_sz that is never signalled',
  variants: VARIANTS.map((v) => ({
    name: v.name,
    description: v.why,
    expected: v.expected,
    ...(v.expectedProperty ? { expectedProperty: v.expectedProperty } : {}),
    parameters: { delivery: v.options.delivery ?? 'apic', scan: v.options.scan ?? 'all-bits', pendingSendSizeFeature: v.options.pendingSendSizeFeature ?? true, synic: 'tlfs-hyperv' },
    system: () => sintCoalescingSystem(v.options),
  })),
});
