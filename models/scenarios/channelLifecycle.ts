// Scenario channel-lifecycle: a channel's offer, open, close, reopen, rescind and reoffer under a real
// race of each kind, assembled from the library's lifecycle components (serverChannel.ts with revoke and
// reoffer, hostDevice.ts with its timers, linuxVmbusInterrupt.ts, vmbusDriver.ts).
//   rescind vs open   Linux ccb61f8a99e6 ("Drivers: hv: vmbus: Fix a rescind handling bug", K. Y.
//                     Srinivasan, Dec 2016): "once the channel is rescinded, the host does not respond to
//                     any requests on that channel. Deal with the case where the guest may be blocked
//                     waiting for a response from the host." The host revokes the channel while the guest
//                     opens it; OpenVMM's server drops the open (channels.rs: OPEN_CHANNEL ignored in
//                     Revoked/Reoffered, the device's late completion dropped). Before the fix the guest's
//                     __vmbus_open waits forever and never releases the relid, so the host's reoffer of the
//                     device (the same relid: AssignedChannels::allocate gives the lowest free ID; Reoffered
//                     keeps it) never reaches it. ccb61f8a99e6 (vmbus_rescind_cleanup completes the waiting
//                     open) wakes only an open already on chn_msg_list: a rescind handled before the probe
//                     posts OPEN_CHANNEL ("the host immediately rescinds a channel that has been offerred",
//                     "Drivers: hv: vmbus: Fix a rescind issue", Nov 2017) still hangs. Linux today also
//                     tests newchannel->rescind in __vmbus_open before posting; then the open fails
//                     (-ENODEV) either way, the relid is released, the device is reoffered under the same
//                     relid and the reopen completes the exchange.
//   interrupt before OpenResult  OpenVMM #1829 (47943a0fb): "Some guests ignore interrupts before they
//                     receive the OpenResult message. To avoid a potential hang, signal the channel after a
//                     delay if needed." The device speaks first; a guest that sets its callback only at
//                     OpenResult lets vmbus_chan_sched clear the event bit and skip the callback (NULL), so
//                     nothing reads the packet; the unstick timer (100 ms) signals again.
//   close and reopen  a driver that closes and reopens at once: the OPEN_CHANNEL can reach the server
//                     while its close is in progress (ChannelState::ClosingReopen).
// Host: OpenVMM's VMBus server at 1488a37b7 on virt_whp with offloaded hv1 (`whp-offloaded`); both event
// ports are created in open_channel (#1850). The guest reads in HV_CALL_BATCHED mode (the default of
// vmbus_open; its reader masks and re-checks). Rings of capacity 1, one packet each way.
// Simplified: the host revokes only while the channel is offered or opening, before any packet is in a
// ring (the driver reuses its rings across opens, so a revoke of an open channel would leave stale
// packets that a real reopen's hv_ringbuffer_init clears); one revoke.
import { defineScenario, defineSystem, invariant, reachable, stall } from '../../checker/index.ts';
import type { ExploreOptions, SystemDefinition } from '../../checker/index.ts';
import { guestEventPortActor } from '../guestEventPort.ts';
import { hostDeviceActor, CHANNEL_UNSTICK_DELAY_MS } from '../hostDevice.ts';
import type { DeviceTimer } from '../hostDevice.ts';
import { hostEventPortActor } from '../hostEventPort.ts';
import { linuxVmbusInterruptActor } from '../linuxVmbusInterrupt.ts';
import { lostInterruptLiveness, ringAwaitsSignal, ringCells } from '../ringBuffer.ts';
import type { RingSpec } from '../ringBuffer.ts';
import { ringReaderActor } from '../ringReader.ts';
import { ringWriterActor } from '../ringWriter.ts';
import { serverChannelActor } from '../serverChannel.ts';
import { lostMessage, synicActor } from '../synic.ts';
import { vmbusDriverActor } from '../vmbusDriver.ts';
import type { ProtocolStep } from '../vmbusDriver.ts';
import type { GuestStyle } from '../vmbusGuest.ts';

/** Linux VMBUS_MESSAGE_SINT. */
const VMBUS_SINT = 2;
/** The channel's relid, the same across the reoffer. */
const RELID = 1;

export interface ChannelLifecycleOptions {
  /** The host may revoke the channel (once) while it is offered or opening, and reoffers the device. */
  revoke?: boolean;
  /** Where the revoke may come (default both 'closed', right after the offer, and 'opening'). */
  revokeIn?: ('closed' | 'opening')[];
  /** Linux ccb61f8a99e6: a rescind wakes the waiting open (default true). */
  rescindWakesOpen?: boolean;
  /** __vmbus_open tests channel->rescind before posting OPEN_CHANNEL (default true: Linux today). */
  rescindCheckedBeforePost?: boolean;
  /** When the guest sets its channel callback (default 'open', as __vmbus_open does). */
  callbackAt?: 'open' | 'openResult';
  /** The device speaks first (writes 'hello' as it accepts the open). */
  deviceSpeaksFirst?: boolean;
  /** OpenVMM #1829's unstick timer after open. */
  unstick?: boolean;
  /** Opens in all, closing between (default 1). */
  opens?: number;
  guest?: GuestStyle;
}

export function channelLifecycleSystem(options: ChannelLifecycleOptions): SystemDefinition {
  const inbound: RingSpec = { name: 'inbound', capacity: 1 };
  const outbound: RingSpec = { name: 'outbound', capacity: 1 };
  const speaksFirst = options.deviceSpeaksFirst === true;
  const protocol: ProtocolStep[] = speaksFirst ? [{ expect: 'hello' }, { send: 'ack' }] : [{ send: 'request' }, { expect: 'response' }];
  const timers: DeviceTimer[] = options.unstick === true
    ? [{ kind: 'unstick', afterMs: CHANNEL_UNSTICK_DELAY_MS, toGuest: inbound, fromGuest: outbound, signal: { to: 'eventPort', event: { type: 'signal' } } }]
    : [];
  return defineSystem({
    name: `channel-lifecycle (${[
      options.revoke ? `revoke while ${(options.revokeIn ?? ['closed', 'opening']).join(' or ')}, rescind ${options.rescindWakesOpen === false ? 'does not wake' : 'wakes'} the open, ${options.rescindCheckedBeforePost === false ? 'not ' : ''}checked before OPEN_CHANNEL` : 'no revoke',
      `callback at ${options.callbackAt ?? 'open'}`,
      speaksFirst ? 'device speaks first' : 'guest speaks first',
      options.unstick ? 'unstick timer' : 'no unstick timer',
      `${options.opens ?? 1} open(s)`,
      `${options.guest ?? 'linux'} guest`,
    ].join(', ')})`,
    // arm: the two rings' data and index stores of one exchange outgrow the default history (cells + 8),
    // which cut every verified variant short (`bounded (history)`); 30 lets each end.
    history: 30,
    actors: {
      server: serverChannelActor({
        armPortIn: 'open_channel', hostPortIn: 'open_channel', synic: 'synic', sint: VMBUS_SINT, device: 'device',
        eventPort: 'eventPort', hostEventPort: 'hostEventPort', relid: RELID,
        ...(options.revoke ? { revoke: { max: 1, in: options.revokeIn ?? ['closed', 'opening'] }, reoffer: true } : {}),
      }),
      device: hostDeviceActor({
        server: 'server', writer: 'hostWriter',
        responses: speaksFirst ? { ack: null } : { request: 'response' },
        ...(speaksFirst ? { greeting: ['hello'] } : {}),
        timers,
      }),
      eventPort: guestEventPortActor({ synics: ['synic'] }),
      hostEventPort: hostEventPortActor({ target: { to: 'hostReader', event: { type: 'interrupt' } } }),
      synic: synicActor({ semantics: 'whp-offloaded', interruptTarget: 'isr', sints: [VMBUS_SINT] }),
      isr: linuxVmbusInterruptActor({ synic: 'synic', sint: VMBUS_SINT, messageHandler: 'driver', channels: [{ relid: RELID, callback: { to: 'guestReader', event: { type: 'interrupt' } } }] }),
      driver: vmbusDriverActor({
        style: options.guest ?? 'linux', relid: RELID, server: 'server', interrupts: 'isr', reader: 'guestReader', writer: 'guestWriter', protocol,
        rescindWakesOpen: options.rescindWakesOpen ?? true, rescindCheckedBeforePost: options.rescindCheckedBeforePost ?? true, callbackAt: options.callbackAt ?? 'open', opens: options.opens ?? 1,
      }),
      hostWriter: ringWriterActor({ ring: inbound, signal: { to: 'eventPort', event: { type: 'signal' } } }),
      guestReader: ringReaderActor({ ring: inbound, consumer: 'driver', signalWriter: { to: 'hostWriter', event: { type: 'interrupt' } } }),
      guestWriter: ringWriterActor({ ring: outbound, signal: { to: 'hostEventPort', event: { type: 'signal' } } }),
      hostReader: ringReaderActor({ ring: outbound, consumer: 'device', signalWriter: { to: 'guestWriter', event: { type: 'interrupt' } } }),
    },
    cells: { ...ringCells(inbound), ...ringCells(outbound) },
    properties: {
      // Linux before ccb61f8a99e6: the probe blocked in vmbus_open on a rescinded channel, nothing left to wake it.
      openHang: stall((g) => g.actors.driver.matches({ channel: 'blockedInOpen' })
        && `the guest's vmbus_open waits for an OPEN_CHANNEL_RESULT on rescinded relid ${RELID}, which the host (server ${String(g.actors.server.value)}) never sends; the relid is never released, so the reoffer cannot reach the guest`),
      exchangeTimeout: invariant((g) => !g.actors.driver.matches({ test: 'timedOut' }) || `the driver's exchange did not finish before the test's timeout (driver ${JSON.stringify(g.actors.driver.value)})`),
      lostMessage: lostMessage('synic'),
      // The liveness twins, not the stall form of lostInterrupt: a stall is judged while only timers can
      // fire, so it would report the ring as stuck while the unstick timer that rescues it is still armed.
      lostInterruptLive: lostInterruptLiveness(inbound, 'guestReader'),
      lostInterruptToHostLive: lostInterruptLiveness(outbound, 'hostReader'),
      exchangeCompletes: reachable((g) => g.actors.driver.matches({ test: 'finished' })),
      ...(options.revoke && options.rescindWakesOpen !== false && (options.rescindCheckedBeforePost !== false || (options.revokeIn ?? []).every((st) => st === 'opening')) ? {
        // The race itself: the host revoked the channel while the guest's open was in flight.
        rescindWhileOpening: reachable((g) => g.actors.server.matches('revoked') && g.actors.driver.matches({ channel: 'opening' })),
        // Both release orders: the reoffer before the guest's release (Reoffered), and a new offer after it.
        reofferedBeforeRelease: reachable((g) => g.actors.server.matches('reoffered')),
        reopenedOnTheSameRelid: reachable((g) => (g.actors.driver.context as { rescinds: number }).rescinds > 0 && g.actors.driver.matches({ test: 'finished' })),
      } : {}),
      ...(options.unstick ? { raceWindow: reachable(ringAwaitsSignal(inbound, 'guestReader')) } : {}),
      ...((options.opens ?? 1) > 1 ? { reopenWhileClosing: reachable((g) => g.actors.server.matches('closingReopen')) } : {}),
    },
  });
}

interface Variant {
  name: string;
  options: ChannelLifecycleOptions;
  expected: 'verified' | 'violated';
  expectedProperty?: string;
  source: string;
  why: string;
  /** Exploration bounds, for a variant whose search does not end under some memory model. */
  bounds?: ExploreOptions;
  /** Why the variant claims no verdict under arm (its search does not end there). */
  notUnderArm?: string;
}

const VARIANTS: Variant[] = [
  { name: 'rescind-open-pre-ccb61f8', options: { revoke: true, rescindWakesOpen: false, rescindCheckedBeforePost: false }, expected: 'violated', expectedProperty: 'openHang',
    source: 'Linux before ccb61f8a99e6', why: 'the host revokes while the open is in flight and never answers it; __vmbus_open waits forever, the relid is never released' },
  { name: 'rescind-open-ccb61f8', options: { revoke: true, rescindCheckedBeforePost: false }, expected: 'violated', expectedProperty: 'openHang',
    source: 'Linux ccb61f8a99e6 alone', why: 'the rescind wakes a waiting open, but one handled before the probe posts OPEN_CHANNEL finds no waiter: the host immediately rescinds the offered channel ("Fix a rescind issue", Nov 2017) and the open posted after it waits forever' },
  { name: 'rescind-while-opening-pre-ccb61f8', options: { revoke: true, revokeIn: ['opening'], rescindWakesOpen: false, rescindCheckedBeforePost: false }, expected: 'violated', expectedProperty: 'openHang',
    source: 'Linux before ccb61f8a99e6, revoked only once the open is at the host', why: 'the rescind comes while __vmbus_open waits; nothing wakes it' },
  { name: 'rescind-while-opening-ccb61f8', options: { revoke: true, revokeIn: ['opening'], rescindCheckedBeforePost: false }, expected: 'verified',
    source: 'Linux ccb61f8a99e6, revoked only once the open is at the host', why: 'vmbus_rescind_cleanup completes the waiting open: what ccb61f8a99e6 fixed, and all it fixed' },
  { name: 'rescind-open-linux-today', options: { revoke: true }, expected: 'verified',
    source: 'Linux today (__vmbus_open: rescind wakes the waiter, and is tested before OPEN_CHANNEL is posted)', why: 'either way the open fails (-ENODEV), the relid is released, the device is reoffered under the same relid and reopened' },
  { name: 'rescind-open-linux-today-windows', options: { revoke: true, guest: 'windows' }, expected: 'verified',
    source: 'the same rules, Windows-style poll after open', why: 'as rescind-open-linux-today, with a poll of the ring after each open' },
  { name: 'callback-at-open-result', options: { callbackAt: 'openResult', deviceSpeaksFirst: true }, expected: 'violated', expectedProperty: 'exchangeTimeout',
    source: 'OpenVMM before #1829', why: 'the device writes before OPEN_CHANNEL_RESULT; vmbus_chan_sched clears the event bit and skips the NULL callback; no later write signals' },
  { name: 'callback-at-open-result-unstick', options: { callbackAt: 'openResult', deviceSpeaksFirst: true, unstick: true }, expected: 'verified',
    source: 'OpenVMM #1829 (47943a0fb)', why: 'the unstick timer, 100 ms after the open, finds the ring needing a signal and signals the guest again' },
  // Under arm (`--memory arm`) the search does not end in reach (these components' enqueueActions get
  // no ARM reduction): more than 1.7M states in 90 s, so the bound stops it, `bounded`, in about 30 s
  // rather than at the memory limit an hour later. Under sc and tso it ends far below it.
  { name: 'close-reopen', options: { opens: 2 }, expected: 'verified', bounds: { maxStates: 1_000_000 }, notUnderArm: 'two opens under arm: over 1.7M states',
    source: 'OpenVMM channels.rs ClosingReopen', why: 'the driver closes and reopens at once; a reopen that reaches the server while the close is in progress is opened when the close completes' },
];

export const channelLifecycle = defineScenario({
  name: 'channel-lifecycle',
  description: 'Channel rescind vs open (Linux ccb61f8a99e6), interrupts before OpenResult (OpenVMM #1829), close and reopen; offer IDs reused across a reoffer',
  variants: VARIANTS.map((v) => ({
    name: v.name,
    description: `${v.source}: ${v.why}`,
    expected: v.expected,
    // The same verdicts under tso and arm (checked), but for a variant whose arm search does not end.
    expectedUnder: { tso: v.expected, ...(v.notUnderArm ? {} : { arm: v.expected }) },
    ...(v.expectedProperty ? { expectedProperty: v.expectedProperty } : {}),
    parameters: { source: v.source, revoke: v.options.revoke ?? false, revokeIn: v.options.revoke ? (v.options.revokeIn ?? ['closed', 'opening']).join(',') : 'none', rescindWakesOpen: v.options.rescindWakesOpen ?? true, rescindCheckedBeforePost: v.options.rescindCheckedBeforePost ?? true, callbackAt: v.options.callbackAt ?? 'open',
      deviceSpeaksFirst: v.options.deviceSpeaksFirst ?? false, unstick: v.options.unstick ?? false, opens: v.options.opens ?? 1, guest: v.options.guest ?? 'linux', synic: 'whp-offloaded', ringCapacity: 1 },
    system: () => channelLifecycleSystem(v.options),
    ...(v.bounds ? { options: v.bounds } : {}),
  })),
});
