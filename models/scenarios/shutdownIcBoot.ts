// Scenario shutdown-ic-boot: the OpenVMM boot stall of issue #715 and its fix #717 (domain.md 3(a)).
// The host's VMBus server offers the shutdown IC channel; the guest opens it; the server notifies the
// IC, which speaks first (it writes its version request at once) while the server completes the open.
// With the event port armed only in complete_open (#662), the IC's signal can reach an unarmed port and
// be dropped; the ring then stays non-empty, no later write signals, and a Linux guest, which reads only
// on interrupts, never reads: the boot times out. A Windows guest polls after open and recovers. Arming
// in open_channel (#717) closes the window.
// Two packets each way: versionRequest/versionResponse, then shutdownRequest/shutdownResponse, over
// rings of capacity 2. The SynIC has OpenVMM semantics (the host of #715).
import { defineScenario, defineSystem, invariant } from '../../checker/index.ts';
import type { SystemDefinition } from '../../checker/index.ts';
import { guestEventPortActor } from '../guestEventPort.ts';
import { lostInterrupt, ringCells } from '../ringBuffer.ts';
import type { RingSpec } from '../ringBuffer.ts';
import { ringReaderActor } from '../ringReader.ts';
import { ringWriterActor } from '../ringWriter.ts';
import { serverChannelActor } from '../serverChannel.ts';
import type { ArmPortIn } from '../serverChannel.ts';
import { shutdownIcActor } from '../shutdownIc.ts';
import { lostMessage, synicActor } from '../synic.ts';
import type { SynicSemantics } from '../synic.ts';
import { vmbusGuestActor } from '../vmbusGuest.ts';
import type { GuestStyle } from '../vmbusGuest.ts';

/** Linux VMBUS_MESSAGE_SINT: VMBus control messages and channel events share it. */
const VMBUS_SINT = 2;
/** The IC channel's relid, used as its event flag. */
const CHANNEL_FLAG = 1;

export interface ShutdownIcBootOptions {
  armPortIn: ArmPortIn;
  guest: GuestStyle;
  /** Packets each ring holds. Default 2. */
  capacity?: number;
  synicSemantics?: SynicSemantics;
}

export function shutdownIcBootSystem(options: ShutdownIcBootOptions): SystemDefinition {
  const capacity = options.capacity ?? 2;
  // Named from the guest's side, as in Linux struct vmbus_channel: inbound = host to guest.
  const inbound: RingSpec = { name: 'inbound', capacity };
  const outbound: RingSpec = { name: 'outbound', capacity };
  return defineSystem({
    name: `shutdown-ic-boot (port armed in ${options.armPortIn}, ${options.guest} guest)`,
    actors: {
      server: serverChannelActor({ armPortIn: options.armPortIn, synic: 'synic', sint: VMBUS_SINT, device: 'shutdownIc', eventPort: 'eventPort', relid: CHANNEL_FLAG }),
      shutdownIc: shutdownIcActor({ server: 'server', writer: 'icWriter' }),
      eventPort: guestEventPortActor({ synics: ['synic'] }),
      synic: synicActor({ semantics: options.synicSemantics ?? 'openvmm', interruptTarget: 'guest', sints: [VMBUS_SINT] }),
      guest: vmbusGuestActor({ style: options.guest, synic: 'synic', sint: VMBUS_SINT, flag: CHANNEL_FLAG, server: 'server', reader: 'guestReader', writer: 'guestWriter' }),
      // Host to guest: the IC writes, the guest's event port carries the signal.
      icWriter: ringWriterActor({ ring: inbound, signal: { to: 'eventPort', event: { type: 'signal' } } }),
      guestReader: ringReaderActor({ ring: inbound, consumer: 'guest', signalWriter: { to: 'icWriter', event: { type: 'interrupt' } } }),
      // Guest to host. Simplified: the guest's HvSignalEvent reaches the host's reader directly.
      guestWriter: ringWriterActor({ ring: outbound, signal: { to: 'icReader', event: { type: 'interrupt' } } }),
      icReader: ringReaderActor({ ring: outbound, consumer: 'shutdownIc', signalWriter: { to: 'guestWriter', event: { type: 'interrupt' } } }),
    },
    cells: { ...ringCells(inbound), ...ringCells(outbound) },
    properties: {
      lostInterrupt: lostInterrupt(inbound, 'guestReader'),
      lostInterruptToHost: lostInterrupt(outbound, 'icReader'),
      lostMessage: lostMessage('synic'),
      bootTimeout: invariant((g) => !g.actors.guest.matches({ boot: 'timedOut' }) || 'the guest did not finish the shutdown IC exchange before the boot timeout'),
    },
  });
}

const variant = (bug: 'buggy' | 'fixed', guest: GuestStyle) => {
  const armPortIn: ArmPortIn = bug === 'buggy' ? 'complete_open' : 'open_channel';
  const expected = bug === 'buggy' && guest === 'linux' ? 'violated' : 'verified';
  return {
    name: `${bug}-${guest}`,
    description:
      (bug === 'buggy' ? 'event port armed in complete_open (#662)' : 'event port armed in open_channel (#717)') +
      `, ${guest === 'linux' ? 'Linux guest (reads on interrupt)' : 'Windows guest (polls once after open)'}`,
    expected,
    ...(expected === 'violated' ? { expectedProperty: 'lostInterrupt' } : {}),
    parameters: { armPortIn, guest },
    system: () => shutdownIcBootSystem({ armPortIn, guest }),
  } as const;
};

export const shutdownIcBoot = defineScenario({
  name: 'shutdown-ic-boot',
  description: 'OpenVMM #715: the shutdown IC signals before the guest event port is armed; a Linux guest never reads its ring (fix: #717)',
  variants: [variant('buggy', 'linux'), variant('fixed', 'linux'), variant('buggy', 'windows'), variant('fixed', 'windows')],
});
