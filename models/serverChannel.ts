// One channel of the host's VMBus server (OpenVMM vm/devices/vmbus/vmbus_server: channels.rs for the
// ChannelState machine, lib.rs ServerTaskInner for open_channel / complete_open):
//   ClientReleased --offer--> Closed (OFFER_CHANNEL sent) --OPEN_CHANNEL--> Opening (open_channel; the
//   device is notified) --device accepts--> Open (complete_open; OPEN_CHANNEL_RESULT sent).
// Where the guest event port is armed (GuestEventPort::set) is the parameter `armPortIn`:
//   'open_channel'  before the device is notified: the code before #662 and after the fix #717
//                   (commit e85384d, "move guest event port creation back to open_channel")
//   'complete_open' after the device accepted the open: the regression of #662 (commit ddb5316), which
//                   lets a device that speaks first signal an unarmed port (OpenVMM #715)
// Where the guest-to-host event port is created (synic.add_event_port, models/hostEventPort.ts) is the
// parameter `hostPortIn`:
//   'complete_open' after the device was notified: from #649 (ec7cfcb63) through #662 and #717
//                   (e85384d, lib.rs complete_open still calls add_event_port), so #717 fixed only the
//                   host-to-guest direction
//   'open_channel'  when the open request arrives, before the device is notified: #1850 (943b003a7)
// (At OpenVMM HEAD, open_channel creates the host-to-guest port with its parameters,
// new_guest_event_port, #1073.)
// Control messages to the guest are SynIC messages on the VMBus SINT (vmbus_core/src/protocol.rs); messages
// from the guest arrive as posted events ({ type: 'openChannel', vp, flag }).
//
// Use: `serverChannelActor({ armPortIn, synic, sint, device, eventPort })`, spontaneous `offer`.
// The device receives { type: 'open' } (post, ChannelRequest::Open) and answers with a posted
// { type: 'completeOpen' } (ServerTask::handle_open).
// Simplified: the connection (INITIATE_CONTACT, REQUEST_OFFERS) is already up, GPADLs are not modelled,
// the open always succeeds, the event flag comes with the OPEN_CHANNEL message, and pending_messages
// is the SynIC's own host-side queue (synic.ts).
import { setup, enqueueActions } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call, post } from '../checker/index.ts';
import type { ActorSpec } from '../checker/index.ts';

export type ArmPortIn = 'open_channel' | 'complete_open';
export type HostPortIn = 'open_channel' | 'complete_open';

export interface ServerChannelInput {
  armPortIn: ArmPortIn;
  /** The SynIC actor carrying control messages to the guest. */
  synic: string;
  /** The VMBus message SINT (Linux VMBUS_MESSAGE_SINT = 2). */
  sint: number;
  /** The host device behind the channel. */
  device: string;
  eventPort: string;
  /** Where the guest-to-host port is created (default 'open_channel', #1850). */
  hostPortIn?: HostPortIn;
  /** The guest-to-host event port actor (models/hostEventPort.ts); none: not modelled. */
  hostEventPort?: string;
  /** The channel's relid, sent in OFFER_CHANNEL. */
  relid?: number;
}

interface ServerChannelContext extends ServerChannelInput {
  /** Where the guest asked to be signalled (from OPEN_CHANNEL). */
  target: { vp: number; flag: number } | null;
}

type ServerChannelEvent =
  | { type: 'offer' }
  | { type: 'openChannel'; vp: number; flag: number }
  | { type: 'completeOpen' }
  | { type: 'postResult' };

export const serverChannelMachine = setup({
  types: {} as { context: ServerChannelContext; events: ServerChannelEvent; input: ServerChannelInput; emitted: AnyEventObject },
  actions: {
    sendOffer: enqueueActions(({ context, enqueue }) => {
      enqueue(call(context.synic, { type: 'postMessage', sint: context.sint, message: { type: 'offerChannel', relid: context.relid ?? 1 } }));
    }),
    openChannel: enqueueActions(({ context, event, enqueue }) => {
      const e = event as { vp: number; flag: number };
      const target = { vp: e.vp, flag: e.flag };
      enqueue.assign({ target });
      // #1850 (943b003a7): add_event_port when the open request arrives, before the device is notified.
      if (context.hostEventPort !== undefined && (context.hostPortIn ?? 'open_channel') === 'open_channel') enqueue(call(context.hostEventPort, { type: 'create' }));
      // #717 (e85384d): GuestEventPort::set in open_channel, before ChannelRequest::Open reaches the device.
      if (context.armPortIn === 'open_channel') enqueue(call(context.eventPort, { type: 'arm', vp: target.vp, sint: context.sint, flag: target.flag }));
      enqueue(post(context.device, { type: 'open' }));
    }),
    completeOpen: enqueueActions(({ context, enqueue }) => {
      const t = context.target!;
      // #649 (ec7cfcb63) to #1850: add_event_port in complete_open, after the device may have started talking.
      if (context.hostEventPort !== undefined && context.hostPortIn === 'complete_open') enqueue(call(context.hostEventPort, { type: 'create' }));
      // #662 (ddb5316): GuestEventPort::set moved into complete_open, after the device accepted the open.
      if (context.armPortIn === 'complete_open') enqueue(call(context.eventPort, { type: 'arm', vp: t.vp, sint: context.sint, flag: t.flag }));
      // channels.rs open_complete: OPEN_CHANNEL_RESULT to the guest.
      enqueue(call(context.synic, { type: 'postMessage', sint: context.sint, message: { type: 'openChannelResult', relid: context.relid ?? 1, status: 0 } }));
    }),
  },
}).createMachine({
  id: 'serverChannel',
  context: ({ input }) => ({ ...input, target: null }),
  initial: 'clientReleased',
  // The SynIC's answer to postMessage: a retained or dropped message is the SynIC's concern (synic.ts).
  on: { postResult: {} },
  states: {
    clientReleased: { on: { offer: { target: 'closed', actions: 'sendOffer' } } },
    closed: { on: { openChannel: { target: 'opening', actions: 'openChannel' } } },
    opening: { on: { completeOpen: { target: 'open', actions: 'completeOpen' } } },
    open: { tags: ['end'] },
  },
});

export function serverChannelActor(input: ServerChannelInput): ActorSpec {
  return { machine: serverChannelMachine, input, spontaneous: [{ type: 'offer' }] };
}
