// A guest VMBus device driver for one channel, not tied to any one device's exchange: it opens the
// channel the host offers, waits for OPEN_CHANNEL_RESULT, then runs a protocol of its own (a list of
// packets to send and packets to expect), in one of two styles:
//   'linux'   reads only when an interrupt reaches its channel callback (the ISR is
//             models/linuxVmbusInterrupt.ts: vmbus_isr -> vmbus_chan_sched -> the callback);
//   'windows' also polls the inbound ring once after the open completes ("windows guests always poll the
//             ring after channel open", OpenVMM #715 discussion). Simplified: the Windows VMBus driver is
//             not public; its interrupt path is modelled by the same dispatch component.
// Open (Linux drivers/hv/channel.c __vmbus_open): the channel is mapped when its offer arrives
// (vmbus_onoffer -> vmbus_process_offer); onchannel_callback is set before OPEN_CHANNEL is sent
// (`callbackAt: 'open'`, the default); then wait_for_completion(&open_info->waitevent). With
// `callbackAt: 'openResult'` the driver takes no interrupt before OPEN_CHANNEL_RESULT: the guests the
// OpenVMM #1829 mitigation is for ("Some guests ignore interrupts before they receive the OpenResult
// message", vmbus_server lib.rs handle_open).
// Rescind (drivers/hv/channel_mgmt.c vmbus_onoffer_rescind): vmbus_reset_channel_cb and
// vmbus_rescind_cleanup, which sets channel->rescind and completes the waitevent of a message waiting on
// the channel ("The rescinded channel may be blocked waiting for a response from the host; take care of
// that"), so __vmbus_open wakes, sees newchannel->rescind and returns -ENODEV. That came with Linux
// ccb61f8a99e6 ("Drivers: hv: vmbus: Fix a rescind handling bug": "once the channel is rescinded, the
// host does not respond to any requests on that channel. Deal with the case where the guest may be
// blocked waiting for a response from the host"). `rescindWakesOpen: false` is the code before it: the
// open waits for a result that never comes. That wake-up only finds a waiter already on chn_msg_list: a
// rescind handled after the offer but before the probe's __vmbus_open has queued its waiter ("the host
// immediately rescinds a channel that has been offered", the case "Drivers: hv: vmbus: Fix a rescind
// issue", Nov 2017, describes) has nothing to wake, and the open posted after it is never answered.
// Linux today tests newchannel->rescind after list_add_tail and before vmbus_post_msg
// (`rescindCheckedBeforePost`, default true). The probe is its own step (`probe`, spontaneous: the
// offer is handled in vmbus_onoffer's work item, the driver's probe runs after vmbus_device_register),
// so the rescind can be handled in between. After the rescind the device is removed and the relid
// released (hv_process_channel_removal: vmbus_channel_unmap_relid, then vmbus_release_relid sends
// CHANNELMSG_RELID_RELEASED); a reoffer of the same relid starts over.
// Close (vmbus_close -> vmbus_close_internal): vmbus_reset_channel_cb, then CHANNELMSG_CLOSECHANNEL; no
// answer is awaited. `opens: n` closes and reopens the channel after each exchange, n opens in all.
// The test's timeout: the driver must finish its protocol within DRIVER_TIMEOUT_MS (an `after` timer in
// the `test` region), as the boot test of OpenVMM #715 waited 360 s.
//
// Use: `vmbusDriverActor({ style, relid, server, interrupts, reader, writer, protocol })`; make it the
// `messageHandler` of the interrupt component and the consumer of the inbound ring's reader. Spontaneous
// step: `probe`. Events:
// { type: 'vmbusMessage', message } (called by the DPC), { type: 'packet', packet } (called by the reader).
// Simplified: one driver sees every VMBus message and ignores those for other relids; GPADLs, the
// requestor and ring initialisation are not modelled (the rings are reused as they are across opens, so
// a reopen is only sound once both rings are empty); on a rescind of an open channel, the CLOSECHANNEL
// the driver's remove would send is left out (the host ignores it in Revoked, channels.rs
// handle_close_channel).
import { enqueueActions, setup } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call, fail, post } from '../checker/index.ts';
import type { ActorSpec } from '../checker/index.ts';
import type { GuestStyle } from './vmbusGuest.ts';

/** The test's timeout (OpenVMM #715: the boot test timed out after 360 s). */
export const DRIVER_TIMEOUT_MS = 360_000;

/** One step of the driver's protocol: write a packet to the host, or wait for one from it. */
export type ProtocolStep = { send: string } | { expect: string };

export interface VmbusDriverInput {
  style: GuestStyle;
  /** The channel's relid (child_relid), also its event flag. */
  relid: number;
  vp?: number;
  server: string;
  /** The interrupt dispatch component (models/linuxVmbusInterrupt.ts) holding the channel table. */
  interrupts: string;
  /** The inbound (host-to-guest) ring's reader. */
  reader: string;
  /** The outbound (guest-to-host) ring's writer. */
  writer: string;
  protocol: ProtocolStep[];
  /** Linux ccb61f8a99e6: a rescind wakes a waiting open (default true). */
  rescindWakesOpen?: boolean;
  /** __vmbus_open tests newchannel->rescind before posting OPEN_CHANNEL (default true, Linux today). */
  rescindCheckedBeforePost?: boolean;
  /** When onchannel_callback is set: 'open' (__vmbus_open, default) or 'openResult'. */
  callbackAt?: 'open' | 'openResult';
  /** Opens in all, with a close between (default 1). */
  opens?: number;
}

interface VmbusDriverContext extends Required<VmbusDriverInput> {
  /** The next protocol step. */
  step: number;
  /** Opens completed. */
  opened: number;
  /** Rescinds seen. */
  rescinds: number;
  /** channel->rescind of the current channel object. */
  rescinded: boolean;
}

type Message = { type: string; relid?: number } & Record<string, unknown>;

type VmbusDriverEvent =
  | { type: 'probe' }
  | { type: 'vmbusMessage'; message: Message }
  | { type: 'packet'; packet: string }
  | { type: 'exchangeDone' };

const forMe = (type: string) => ({ context, event }: { context: VmbusDriverContext; event: VmbusDriverEvent }) =>
  event.type === 'vmbusMessage' && event.message.type === type && (event.message.relid ?? context.relid) === context.relid;
const otherRelid = ({ context, event }: { context: VmbusDriverContext; event: VmbusDriverEvent }) =>
  event.type === 'vmbusMessage' && event.message.relid !== undefined && event.message.relid !== context.relid;
const current = (c: VmbusDriverContext): ProtocolStep | undefined => c.protocol[c.step];

export const vmbusDriverMachine = setup({
  types: {} as { context: VmbusDriverContext; events: VmbusDriverEvent; input: VmbusDriverInput; emitted: AnyEventObject },
  actions: {
    open: enqueueActions(({ context, enqueue }) => {
      if (context.callbackAt === 'open') enqueue(call(context.interrupts, { type: 'setCallback', relid: context.relid }));
      enqueue(post(context.server, { type: 'openChannel', vp: context.vp, flag: context.relid }));
    }),
    mapAndOpen: enqueueActions(({ context, enqueue }) => {
      // vmbus_onoffer -> vmbus_process_offer: a new channel object for the relid; the driver's probe opens it.
      enqueue(call(context.interrupts, { type: 'mapRelid', relid: context.relid }));
      enqueue.assign({ step: 0, opened: 0, rescinded: false });
    }),
    opened: enqueueActions(({ context, enqueue }) => {
      if (context.callbackAt === 'openResult') enqueue(call(context.interrupts, { type: 'setCallback', relid: context.relid }));
      if (context.style === 'windows') enqueue(call(context.reader, { type: 'poll' }));
      enqueue.assign({ step: 0, opened: context.opened + 1 });
    }),
    sendNext: enqueueActions(({ context, enqueue }) => {
      const s = current(context) as { send: string };
      enqueue(post(context.writer, { type: 'send', packet: s.send }));
      enqueue.assign({ step: context.step + 1 });
    }),
    advance: enqueueActions(({ context, enqueue }) => { enqueue.assign({ step: context.step + 1 }); }),
    close: enqueueActions(({ context, enqueue }) => {
      // vmbus_close_internal: vmbus_reset_channel_cb, then CHANNELMSG_CLOSECHANNEL.
      enqueue(call(context.interrupts, { type: 'resetCallback', relid: context.relid }));
      enqueue(post(context.server, { type: 'closeChannel' }));
    }),
    rescind: enqueueActions(({ context, enqueue }) => {
      enqueue(call(context.interrupts, { type: 'rescind', relid: context.relid }));
      enqueue.assign({ rescinds: context.rescinds + 1, rescinded: true });
    }),
    release: enqueueActions(({ context, enqueue }) => {
      // hv_process_channel_removal: vmbus_channel_unmap_relid, vmbus_release_relid.
      enqueue(call(context.interrupts, { type: 'unmapRelid', relid: context.relid }));
      enqueue(post(context.server, { type: 'relIdReleased' }));
    }),
  },
  guards: {
    protocolDone: ({ context }) => context.step >= context.protocol.length,
    nextIsSend: ({ context }) => { const s = current(context); return s !== undefined && 'send' in s; },
    expected: ({ context, event }) => {
      const s = current(context);
      return event.type === 'packet' && s !== undefined && 'expect' in s && s.expect === event.packet;
    },
    moreOpens: ({ context }) => context.opened < context.opens,
    rescindWakesOpen: ({ context }) => context.rescindWakesOpen,
    // __vmbus_open, after list_add_tail: if (newchannel->rescind) -> -ENODEV, nothing posted.
    rescindSeenBeforePost: ({ context }) => context.rescinded && context.rescindCheckedBeforePost,
    rescinded: ({ context }) => context.rescinded,
  },
}).createMachine({
  id: 'vmbusDriver',
  context: ({ input }) => {
    if (!Number.isInteger(input.relid) || input.relid < 1 || input.relid >= 2048) throw new Error(`VMBus driver: relid ${input.relid} is out of range (1..2047)`);
    if (!Array.isArray(input.protocol)) throw new Error('VMBus driver: protocol must be a list of { send } and { expect } steps');
    for (const s of input.protocol) if (!(typeof (s as { send?: unknown }).send === 'string' || typeof (s as { expect?: unknown }).expect === 'string')) throw new Error(`VMBus driver: protocol step ${JSON.stringify(s)} is neither { send: packet } nor { expect: packet }`);
    const opens = input.opens ?? 1;
    if (!Number.isInteger(opens) || opens < 1) throw new Error(`VMBus driver: opens must be a positive integer, not ${JSON.stringify(input.opens)}`);
    return { vp: 0, rescindWakesOpen: true, rescindCheckedBeforePost: true, callbackAt: 'open' as const, ...input, opens, step: 0, opened: 0, rescinds: 0, rescinded: false };
  },
  type: 'parallel',
  states: {
    channel: {
      initial: 'waitOffer',
      on: {
        vmbusMessage: [
          { guard: otherRelid },
          { actions: fail(({ event }) => `driver got unexpected VMBus message '${(event as { message: Message }).message.type}'`) },
        ],
        // A run of the reader already under way when the callback was reset may still hand a packet over.
        packet: {},
      },
      states: {
        waitOffer: {
          on: { vmbusMessage: { guard: forMe('offerChannel'), target: 'probing', actions: 'mapAndOpen' } },
        },
        // The channel is offered; the driver's probe (and its vmbus_open) has not run yet.
        probing: {
          on: {
            probe: [
              { guard: 'rescindSeenBeforePost', target: 'waitOffer', actions: 'release' },
              // No check (or no rescind yet): OPEN_CHANNEL goes out; a rescind already handled woke nobody.
              { guard: 'rescinded', target: 'blockedInOpen', actions: 'open' },
              { target: 'opening', actions: 'open' },
            ],
            // vmbus_onoffer_rescind: channel->rescind set, no waiter on the list yet; it waits for the probe.
            vmbusMessage: { guard: forMe('rescindChannelOffer'), actions: 'rescind' },
          },
        },
        opening: {
          on: {
            vmbusMessage: [
              { guard: forMe('openChannelResult'), target: 'open', actions: 'opened' },
              // __vmbus_open: woken by vmbus_rescind_cleanup, newchannel->rescind -> -ENODEV; the device is removed.
              { guard: ({ context, event }) => forMe('rescindChannelOffer')({ context, event }) && context.rescindWakesOpen, target: 'waitOffer', actions: ['rescind', 'release'] },
              // Before ccb61f8a99e6: wait_for_completion never returns.
              { guard: forMe('rescindChannelOffer'), target: 'blockedInOpen', actions: 'rescind' },
            ],
          },
        },
        // Linux before ccb61f8a99e6: the probe is stuck in vmbus_open on a rescinded channel; the relid is never released.
        blockedInOpen: {},
        open: {
          always: [
            { guard: 'protocolDone', target: 'exchanged' },
            { guard: 'nextIsSend', actions: 'sendNext' },
          ],
          on: {
            packet: [
              { guard: 'expected', actions: 'advance' },
              { actions: fail(({ event }) => `driver got unexpected packet '${(event as { packet: string }).packet}'`) },
            ],
            vmbusMessage: { guard: forMe('rescindChannelOffer'), target: 'waitOffer', actions: ['rescind', 'release'] },
          },
        },
        exchanged: {
          always: [
            { guard: 'moreOpens', target: 'opening', actions: ['close', 'open'] },
            { target: 'done', actions: enqueueActions(({ enqueue }) => { enqueue.raise({ type: 'exchangeDone' }); }) },
          ],
        },
        done: {
          tags: ['end'],
          on: { vmbusMessage: { guard: forMe('rescindChannelOffer'), target: 'waitOffer', actions: ['rescind', 'release'] } },
        },
      },
    },
    // The test waiting for the driver's exchange.
    test: {
      initial: 'waiting',
      states: {
        waiting: {
          after: { [DRIVER_TIMEOUT_MS]: 'timedOut' },
          on: { exchangeDone: 'finished' },
        },
        finished: { tags: ['end'], on: { exchangeDone: {} } },
        timedOut: { tags: ['end'], on: { exchangeDone: {} } },
      },
    },
  },
});

export function vmbusDriverActor(input: VmbusDriverInput): ActorSpec {
  return { machine: vmbusDriverMachine, input, spontaneous: [{ type: 'probe' }] };
}
