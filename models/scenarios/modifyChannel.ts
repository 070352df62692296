// Scenario modify-channel: Linux moves a channel's interrupt from CPU 0 to CPU 1 (writing the channel's
// sysfs `cpu`: target_cpu_store, vmbus_send_modifychannel) and then takes CPU 0 offline
// (hv_synic_cleanup). Two VPs, each with its own SynIC (SIEF page, SINT registers; 'apic' delivery)
// and interrupt handler; the host's device writes one packet on the channel's ring and signals through
// the channel's guest event port, which the host re-arms for CPU 1 when it processes MODIFYCHANNEL
// (models/modifyChannel.ts). Linux drivers/hv/vmbus_drv.c target_cpu_store: "Lags in the processing of
// the above vmbus_send_modifychannel() can result in missed interrupts if the "old" target CPU is taken
// offline before Hyper-V starts sending interrupts to the "new" target CPU."
// The fix is the series of Andrea Parri, April 2021: commit 1df53d21 (negotiate VMBus 5.3), 870ced05
// (CHANNELMSG_MODIFYCHANNEL_RESPONSE: with 5.3 the guest waits for the host's answer) and b635ccc1
// (hv_synic_cleanup refuses to offline a CPU while a channel bit is still set on its SIEF page). The
// variants take each part alone and both together.
// Host: the TLFS hypervisor ('tlfs-hyperv'): a signal to the offlined CPU's masked SINT sets no flag.
import { assign, setup } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call, defineScenario, defineSystem, reachable } from '../../checker/index.ts';
import type { GlobalView, SystemDefinition } from '../../checker/index.ts';
import { guestEventPortActor } from '../guestEventPort.ts';
import { linuxRetargetActor, modifyChannelHostActor } from '../modifyChannel.ts';
import type { VmbusModifyVersion } from '../modifyChannel.ts';
import { lostInterrupt, lostInterruptLiveness, ringCells } from '../ringBuffer.ts';
import type { RingSpec } from '../ringBuffer.ts';
import { ringReaderActor } from '../ringReader.ts';
import { ringWriterActor } from '../ringWriter.ts';
import { synicActor } from '../synic.ts';
import type { SynicContext } from '../synic.ts';
import { vpIsrActor } from './vpIsr.ts';

const VMBUS_SINT = 2;
const RELID = 5;

export interface ModifyChannelOptions {
  /** The VMBus version negotiated: 'v5.3' makes the host answer MODIFYCHANNEL. */
  version: VmbusModifyVersion;
  /** Linux waits for MODIFYCHANNEL_RESPONSE (870ced05; only meaningful with 'v5.3'). */
  waitForResponse: boolean;
  /** hv_synic_cleanup checks the old CPU's event flags (b635ccc1). */
  checkPendingEvents: boolean;
}

// The host's device: one packet once the channel is open.
const deviceMachine = setup({}).createMachine({
  id: 'device',
  initial: 'closed',
  states: {
    closed: { on: { opened: { target: 'done', actions: call('writer', { type: 'send', packet: 'p1' }) } } },
    done: { tags: ['end'] },
  },
});

const driverMachine = setup({ types: {} as { context: { received: string[] }; events: AnyEventObject } }).createMachine({
  id: 'driver',
  context: { received: [] },
  initial: 'run',
  states: { run: { tags: ['end'], on: { packet: { actions: assign({ received: ({ context, event }) => [...context.received, event.packet as string] }) } } } },
});

export function modifyChannelSystem(o: ModifyChannelOptions): SystemDefinition {
  if (o.waitForResponse && o.version !== 'v5.3') throw new Error('modify-channel: waitForResponse needs version v5.3 (send_modifychannel_with_ack is used only from VERSION_WIN10_V5_3)');
  const ring: RingSpec = { name: 'inbound', capacity: 1 };
  const flagsOf = (g: GlobalView, synic: string) => (g.actors[synic].context as SynicContext).sints[String(VMBUS_SINT)].flags;
  const synic = (vp: number) => synicActor({ semantics: 'tlfs-hyperv', vp, interruptTarget: `vp${vp}`, sints: [VMBUS_SINT], interruptDelivery: 'apic' });
  const isr = (vp: number) => vpIsrActor({ synic: `synic${vp}`, sint: VMBUS_SINT, channels: { [RELID]: 'reader' }, scan: 'all-bits', acceptInterrupts: true });
  return defineSystem({
    name: `modify-channel (VMBus ${o.version}, ${o.waitForResponse ? 'waits for MODIFYCHANNEL_RESPONSE' : 'no wait'}, ${o.checkPendingEvents ? 'checks' : 'does not check'} pending events before offlining)`,
    actors: {
      host: modifyChannelHostActor({ eventPort: 'eventPort', sint: VMBUS_SINT, relid: RELID, initialVp: 0, version: o.version, notifyOpen: ['device', 'admin'], guest: 'admin' }),
      eventPort: guestEventPortActor({ synics: ['synic0', 'synic1'] }),
      device: { machine: deviceMachine },
      writer: ringWriterActor({ ring, signal: { to: 'eventPort', event: { type: 'signal' } } }),
      synic0: synic(0),
      synic1: synic(1),
      vp0: isr(0),
      vp1: isr(1),
      reader: ringReaderActor({ ring, consumer: 'driver', signalWriter: { to: 'writer', event: { type: 'interrupt' } } }),
      driver: { machine: driverMachine },
      admin: linuxRetargetActor({ host: 'host', relid: RELID, sint: VMBUS_SINT, fromVp: 0, toVp: 1, synics: ['synic0', 'synic1'], vps: ['vp0', 'vp1'],
        waitForResponse: o.waitForResponse, checkPendingEvents: o.checkPendingEvents }),
    },
    cells: ringCells(ring),
    properties: {
      lostInterrupt: lostInterrupt(ring, 'reader'),
      lostInterruptLive: lostInterruptLiveness(ring, 'reader'),
      // Goals: the race is exercised (the channel's bit set on CPU 0 while the retarget is in flight)
      // and the run can end with CPU 0 offline and the packet read.
      // Each declares what it reads, for the partial-order reduction (README, "Partial-order reduction").
      signalOnOldCpu: reachable((g) => !g.actors.admin.matches('open') && !g.actors.admin.matches('opening') && flagsOf(g, 'synic0').includes(RELID), { actors: ['admin', 'synic0'] }),
      offlinedAndRead: reachable((g) => g.actors.admin.matches('offlined') && (g.actors.driver.context as { received: string[] }).received.length === 1, { actors: ['admin', 'driver'] }),
    },
  });
}

interface ModifyVariant {
  name: string;
  options: ModifyChannelOptions;
  expected: 'verified' | 'violated';
  expectedProperty?: string;
  why: string;
}

const VARIANTS: ModifyVariant[] = [
  { name: 'no-ack', options: { version: 'v5.2', waitForResponse: false, checkPendingEvents: false }, expected: 'violated', expectedProperty: 'lostInterrupt',
    why: 'before the series (VMBus <= 5.2, Linux without 870ced05 and b635ccc1): target_cpu changes at once, CPU 0 goes offline while the host still signals it; the signal finds CPU 0\'s SINT masked (or its bit is never scanned) and the ring is never read' },
  { name: 'pending-check-no-ack', options: { version: 'v5.2', waitForResponse: false, checkPendingEvents: true }, expected: 'violated', expectedProperty: 'lostInterrupt',
    why: 'b635ccc1 on a VMBus 5.2 host: hv_synic_cleanup finds no bit set, but the host has not processed MODIFYCHANNEL yet and signals CPU 0 after it is offline' },
  { name: 'ack-no-pending-check', options: { version: 'v5.3', waitForResponse: true, checkPendingEvents: false }, expected: 'violated', expectedProperty: 'lostInterrupt',
    why: '870ced05 alone: after the response the host signals CPU 1 only, but a signal that set the bit on CPU 0 before it is still unhandled when CPU 0 goes offline' },
  { name: 'ack-and-pending-check', options: { version: 'v5.3', waitForResponse: true, checkPendingEvents: true }, expected: 'verified',
    why: 'the three commits together (1df53d21, 870ced05, b635ccc1): once the response has come no new bit is set on CPU 0, and hv_synic_cleanup refuses (-EBUSY) while one set earlier is unhandled' },
];

export const modifyChannel = defineScenario({
  name: 'modify-channel',
  description: 'Linux retargets a channel to another CPU (MODIFYCHANNEL) and takes the old CPU offline: an interrupt still sent to the old CPU is lost, fixed by MODIFYCHANNEL_RESPONSE (VMBus 5.3) and the pending-event check in hv_synic_cleanup (Linux 870ced05, b635ccc1)',
  variants: VARIANTS.map((v) => ({
    name: v.name,
    description: v.why,
    expected: v.expected,
    ...(v.expectedProperty ? { expectedProperty: v.expectedProperty } : {}),
    parameters: { version: v.options.version, waitForResponse: v.options.waitForResponse, checkPendingEvents: v.options.checkPendingEvents, synic: 'tlfs-hyperv' },
    system: () => modifyChannelSystem(v.options),
  })),
});
