// Scenario shutdown-ic-boot: the OpenVMM boot stall of issue #715, its fix #717 and the rest of the fix,
// #1850 (OpenVMM issues #715; PRs #662, #717, #1850). The host's VMBus server offers the shutdown IC channel; the guest opens it; the
// server notifies the IC, which speaks first (it writes its version request at once) while the server
// completes the open. Both event ports have a lifecycle:
//   host-to-guest (GuestEventPort, models/guestEventPort.ts): armed in complete_open at #662, in
//     open_channel from #717; a signal to an unarmed port is lost, the ring stays non-empty, no later
//     write signals, and a Linux guest, which reads only on interrupts, never reads: the boot times out;
//   guest-to-host (add_event_port, models/hostEventPort.ts): created in complete_open from #649 through
//     #717, when the open request arrives from #1850; a guest that answers the version request before
//     complete_open signals a port that does not exist yet, and the IC never reads the answer.
// A Windows guest polls after open. Two packets each way (versionRequest/versionResponse, then
// shutdownRequest/shutdownResponse) over rings of capacity 2.
// Host: OpenVMM on virt_whp with offloaded hv1 (`whp-offloaded`), the host the #715 test ran on. The
// Linux shutdown IC driver reads in HV_CALL_DIRECT mode (drivers/hv/hv_util.c util_probe), one packet per
// callback (shutdown_onchannelcallback); the host's IC reads its incoming ring with OpenVMM's mask and
// re-check (vmbus_ring IncomingRing), modelled by the 'batched' reader.
import { defineScenario, defineSystem, invariant, reachable } from '../../checker/index.ts';
import type { SystemDefinition } from '../../checker/index.ts';
import { guestEventPortActor } from '../guestEventPort.ts';
import { lostInterrupt, lostInterruptLiveness, ringAwaitsSignal, ringCells } from '../ringBuffer.ts';
import type { RingSpec } from '../ringBuffer.ts';
import { ringReaderActor } from '../ringReader.ts';
import { ringWriterActor } from '../ringWriter.ts';
import { hostEventPortActor } from '../hostEventPort.ts';
import { serverChannelActor } from '../serverChannel.ts';
import type { ArmPortIn, HostPortIn } from '../serverChannel.ts';
import type { ReadMode } from '../ringReader.ts';
import { shutdownIcActor } from '../shutdownIc.ts';
import { lostMessage, lostMessageLiveness, synicActor } from '../synic.ts';
import type { SynicSemanticsName } from '../synic.ts';
import { vmbusGuestActor } from '../vmbusGuest.ts';
import type { GuestStyle } from '../vmbusGuest.ts';

/** Linux VMBUS_MESSAGE_SINT: VMBus control messages and channel events share it. */
const VMBUS_SINT = 2;
/** The IC channel's relid, used as its event flag. */
const CHANNEL_FLAG = 1;

export interface ShutdownIcBootOptions {
  /** Where the host-to-guest port is armed: 'complete_open' (#662) or 'open_channel' (#717 on). */
  armPortIn: ArmPortIn;
  /** Where the guest-to-host port is created: 'complete_open' (#649 to #1850) or 'open_channel' (#1850, the default). */
  hostPortIn?: HostPortIn;
  guest: GuestStyle;
  /** Packets each ring holds. Default 2. */
  capacity?: number;
  /** Default 'whp-offloaded' (the host of #715). */
  synicSemantics?: SynicSemanticsName;
  /** The guest reader's mode. Default: Linux 'direct' (hv_util.c util_probe); Windows 'batched'
   * (simplified: Windows' VMBus driver framework is not modelled from source; it reads until empty). */
  guestReadMode?: ReadMode;
  /** Packets the guest's callback reads. Default: Linux 1 (shutdown_onchannelcallback); Windows until empty. */
  guestPacketsPerCallback?: number;
}

/** The OpenVMM commits of the incident, as port placements. */
export const SHUTDOWN_IC_COMMITS = {
  '#662': { armPortIn: 'complete_open', hostPortIn: 'complete_open' },
  '#717': { armPortIn: 'open_channel', hostPortIn: 'complete_open' },
  '#1850': { armPortIn: 'open_channel', hostPortIn: 'open_channel' },
} as const satisfies Record<string, { armPortIn: ArmPortIn; hostPortIn: HostPortIn }>;
export type ShutdownIcCommit = keyof typeof SHUTDOWN_IC_COMMITS;

export function shutdownIcBootSystem(options: ShutdownIcBootOptions): SystemDefinition {
  const capacity = options.capacity ?? 2;
  // Named from the guest's side, as in Linux struct vmbus_channel: inbound = host to guest.
  const inbound: RingSpec = { name: 'inbound', capacity };
  const outbound: RingSpec = { name: 'outbound', capacity };
  return defineSystem({
    name: `shutdown-ic-boot (guest port armed in ${options.armPortIn}, host port created in ${options.hostPortIn ?? 'open_channel'}, ${options.guest} guest)`,
    actors: {
      server: serverChannelActor({
        armPortIn: options.armPortIn, hostPortIn: options.hostPortIn ?? 'open_channel', synic: 'synic', sint: VMBUS_SINT,
        device: 'shutdownIc', eventPort: 'eventPort', hostEventPort: 'hostEventPort', relid: CHANNEL_FLAG }),
      shutdownIc: shutdownIcActor({ server: 'server', writer: 'icWriter' }),
      eventPort: guestEventPortActor({ synics: ['synic'] }),
      hostEventPort: hostEventPortActor({ target: { to: 'icReader', event: { type: 'interrupt' } } }),
      synic: synicActor({ semantics: options.synicSemantics ?? 'whp-offloaded', interruptTarget: 'guest', sints: [VMBUS_SINT] }),
      guest: vmbusGuestActor({ style: options.guest, synic: 'synic', sint: VMBUS_SINT, flag: CHANNEL_FLAG, server: 'server', reader: 'guestReader', writer: 'guestWriter' }),
      // Host to guest: the IC writes, the guest's event port carries the signal.
      icWriter: ringWriterActor({ ring: inbound, signal: { to: 'eventPort', event: { type: 'signal' } } }),
      guestReader: ringReaderActor({
        ring: inbound, consumer: 'guest', signalWriter: { to: 'icWriter', event: { type: 'interrupt' } },
        ...(options.guest === 'linux'
          ? { mode: options.guestReadMode ?? 'direct', packetsPerCallback: options.guestPacketsPerCallback ?? 1 }
          : { mode: options.guestReadMode ?? 'batched', ...(options.guestPacketsPerCallback ? { packetsPerCallback: options.guestPacketsPerCallback } : {}) }) }),
      // Guest to host: the guest's HvSignalEvent goes to the host event port. Simplified: the host's reader
      // starts unmasked (OpenVMM's IncomingRing::new masks it until the device first waits for data, which
      // the IC does right after writing its request, re-checking the ring as it unmasks).
      guestWriter: ringWriterActor({ ring: outbound, signal: { to: 'hostEventPort', event: { type: 'signal' } } }),
      icReader: ringReaderActor({ ring: outbound, consumer: 'shutdownIc', signalWriter: { to: 'guestWriter', event: { type: 'interrupt' } } }),
    },
    cells: { ...ringCells(inbound), ...ringCells(outbound) },
    properties: {
      lostInterrupt: lostInterrupt(inbound, 'guestReader'),
      lostInterruptToHost: lostInterrupt(outbound, 'icReader'),
      lostMessage: lostMessage('synic'),
      // The liveness twins: the same losses, found on fair runs without waiting for quiescence.
      lostInterruptLive: lostInterruptLiveness(inbound, 'guestReader'),
      lostInterruptToHostLive: lostInterruptLiveness(outbound, 'icReader'),
      lostMessageLive: lostMessageLiveness('synic'),
      // Reachability goals: the run is not vacuous. The exchange completes on some schedule, and the
      // guest's reader is caught in the race window (request written, reader idle, no signal yet).
      exchangeCompletes: reachable((g) => g.actors.guest.matches({ boot: 'booted' })),
      raceWindow: reachable(ringAwaitsSignal(inbound, 'guestReader')),
      bootTimeout: invariant((g) => !g.actors.guest.matches({ boot: 'timedOut' }) || 'the guest did not finish the shutdown IC exchange before the boot timeout'),
    },
  });
}

interface CommitVariant {
  name: string;
  commit: ShutdownIcCommit;
  guest: GuestStyle;
  expected: 'verified' | 'violated';
  expectedProperty?: string;
  why: string;
}

// Names kept from before the guest-to-host port was modelled: buggy-* is #662, fixed-* is the complete
// fix (#1850); pr717-* is the partial fix.
const VARIANTS: CommitVariant[] = [
  { name: 'buggy-linux', commit: '#662', guest: 'linux', expected: 'violated', expectedProperty: 'lostInterrupt',
    why: 'the IC signals the unarmed host-to-guest port; the Linux guest never reads its ring (#715)' },
  { name: 'pr717-linux', commit: '#717', guest: 'linux', expected: 'violated', expectedProperty: 'lostInterruptToHost',
    why: 'the host-to-guest port is armed, but the guest answers before complete_open creates the guest-to-host port: the IC never reads the answer' },
  { name: 'fixed-linux', commit: '#1850', guest: 'linux', expected: 'verified',
    why: 'both ports exist before the device is notified of the open' },
  { name: 'buggy-windows', commit: '#662', guest: 'windows', expected: 'verified',
    why: 'the poll after open reads the version request; the guest cannot answer earlier, since no interrupt reaches it before complete_open, which arms its port and creates the host port in one step' },
  { name: 'pr717-windows', commit: '#717', guest: 'windows', expected: 'violated', expectedProperty: 'lostInterruptToHost',
    why: 'the same guest-to-host window as pr717-linux' },
  { name: 'fixed-windows', commit: '#1850', guest: 'windows', expected: 'verified',
    why: 'both ports exist before the device is notified of the open' },
];

const GUEST_TEXT: Record<GuestStyle, string> = {
  linux: 'Linux guest (HV_CALL_DIRECT, one packet per callback, reads on interrupt)',
  windows: 'Windows guest (polls once after open)',
};

export const shutdownIcBoot = defineScenario({
  name: 'shutdown-ic-boot',
  description: 'OpenVMM #715: the shutdown IC signals before the event ports exist; #717 fixed the host-to-guest port, #1850 the guest-to-host port',
  variants: VARIANTS.map((v) => {
    const ports = SHUTDOWN_IC_COMMITS[v.commit];
    return {
      name: v.name,
      description: `OpenVMM at ${v.commit} (guest port armed in ${ports.armPortIn}, host port created in ${ports.hostPortIn}), ${GUEST_TEXT[v.guest]}: ${v.why}`,
      expected: v.expected,
      ...(v.expectedProperty ? { expectedProperty: v.expectedProperty } : {}),
      parameters: { commit: v.commit, ...ports, guest: v.guest, synic: 'whp-offloaded' },
      system: () => shutdownIcBootSystem({ ...ports, guest: v.guest }),
    };
  }),
});
