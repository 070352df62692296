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
// The rest of the lifecycle (OpenVMM channels.rs at 1488a37b7, `ChannelState` and the handlers named
// beside each rule; Linux drivers/hv/channel_mgmt.c for the guest's side):
//   close     CLOSE_CHANNEL in Open -> Closing, the device is told to close (handle_close_channel); lib.rs
//             drops the channel's ChannelOpenState (both ports: `_event_port`, `guest_event_port`) as it
//             sends the close (notify, Action::Close); the device's completion -> Closed (handle_close,
//             close_complete). An OPEN_CHANNEL while Closing -> ClosingReopen, opened as soon as the
//             close completes (handle_open_channel; close_complete calls open_channel).
//   revoke    the device goes away (lib.rs handle_revoke -> channels.rs revoke): from Closed, Opening,
//             Open, Closing or ClosingReopen -> Revoked with RESCIND_CHANNEL_OFFER sent (send_rescind);
//             both ports are closed (handle_revoke removes the channel with its open state) and the
//             device told { type: 'revoke' }. The spontaneous `revoke`
//             step, enabled with `revoke: { max, in? }`.
//   revoked   "once the channel is rescinded, the host does not respond to any requests on that channel"
//             (Linux ccb61f8a99e6, "Drivers: hv: vmbus: Fix a rescind handling bug"): OPEN_CHANNEL and
//             CLOSE_CHANNEL are ignored in Revoked/Reoffered (handle_open_channel, handle_close_channel),
//             and a device's late open completion is dropped (lib.rs handle_response checks the offer's
//             seq; open_complete logs "invalid open complete"), so an open in flight is never answered.
//   reoffer   the device is offered again with the same key before the guest released the old offer:
//             Revoked -> Reoffered (offer_channel: "Save the offer for reoffering immediately after the
//             child releases it"). The spontaneous `reoffer` step, enabled with `reoffer: true`.
//   release   REL_ID_RELEASED (Linux vmbus_release_relid, sent from hv_process_channel_removal):
//             Reoffered -> Closed with the offer sent again under the same channel ID ("Do not release
//             the channel ID", client_release_channel); Revoked -> the channel is removed and its ID
//             freed; with `reoffer: true` the device is offered again (a new offer from ClientReleased),
//             and AssignedChannels::allocate hands out the lowest free ID: the same relid again. Closed
//             -> released (the guest dropped a channel it never opened).
// Use: `serverChannelActor({ armPortIn, synic, sint, device, eventPort })`, spontaneous `offer`.
// The device receives { type: 'open' } (post, ChannelRequest::Open) and answers with a posted
// { type: 'completeOpen' } (ServerTask::handle_open).
// Close: the device posts { type: 'completeClose' } after { type: 'close' } (ChannelRequest::Close).
// Each request after a revoke carries the offer's seq (the first offer's, 0, is left implicit), which
// the device echoes; a completion whose seq is not the current offer's is dropped (lib.rs
// handle_response), so a revoked open's late answer cannot complete the reoffered channel's open.
// Guest messages: { type: 'openChannel', vp, flag }, { type: 'closeChannel' }, { type: 'relIdReleased' }.
// To the guest: offerChannel, openChannelResult, rescindChannelOffer, each with the relid.
// Simplified: the connection (INITIATE_CONTACT, REQUEST_OFFERS) is already up, GPADLs are not modelled,
// the open always succeeds, the event flag comes with the OPEN_CHANNEL message, and pending_messages
// is the SynIC's own host-side queue (synic.ts). One channel per actor; the relid stays the same across
// reoffers (the lowest free ID, with no other channel taking it meanwhile).
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
  /** The host may revoke the channel (the spontaneous `revoke`): at most `max` times, in the states
   * listed (default every state that has a guest reference: closed, opening, open, closing). */
  revoke?: { max: number; in?: RevocableState[] };
  /** The device is offered again after a revoke (Reoffered, or a new offer once released). */
  reoffer?: boolean;
}

export type RevocableState = 'closed' | 'opening' | 'open' | 'closing';
const REVOCABLE: readonly RevocableState[] = ['closed', 'opening', 'open', 'closing'];

interface ServerChannelContext extends ServerChannelInput {
  /** Where the guest asked to be signalled (from OPEN_CHANNEL). */
  target: { vp: number; flag: number } | null;
  // The lifecycle's fields are absent until first set, so a channel that is never closed or revoked keeps
  // the context it had before they existed (committed traces record it).
  /** ClosingReopen: the OPEN_CHANNEL that arrived while the close was in progress. */
  reopen?: { vp: number; flag: number } | null;
  revocations?: number;
  /** The offer's instance (lib.rs OfferInstanceId.seq): a new one per reoffer, sent with each device request. */
  seq?: number;
}

type ServerChannelEvent =
  | { type: 'offer' }
  | { type: 'openChannel'; vp: number; flag: number }
  | { type: 'completeOpen'; seq?: number }
  | { type: 'closeChannel' }
  | { type: 'completeClose'; seq?: number }
  | { type: 'revoke' }
  | { type: 'reoffer' }
  | { type: 'relIdReleased' }
  | { type: 'postResult' };

const relidOf = (c: ServerChannelContext) => c.relid ?? 1;
const seqOf = (c: ServerChannelContext) => c.seq ?? 0;
/** A device request, with the offer's seq once a revoke has made one (the first offer's is 0). */
const request = (c: ServerChannelContext, type: string) => (c.seq === undefined ? { type } : { type, seq: c.seq });

export const serverChannelMachine = setup({
  types: {} as { context: ServerChannelContext; events: ServerChannelEvent; input: ServerChannelInput; emitted: AnyEventObject },
  actions: {
    sendOffer: enqueueActions(({ context, enqueue }) => {
      enqueue(call(context.synic, { type: 'postMessage', sint: context.sint, message: { type: 'offerChannel', relid: relidOf(context) } }));
    }),
    openChannel: enqueueActions(({ context, event, enqueue }) => {
      // From ClosingReopen the request is the one saved while the close was in progress.
      const e = (event.type === 'openChannel' ? event : context.reopen!) as { vp: number; flag: number };
      const target = { vp: e.vp, flag: e.flag };
      enqueue.assign(context.reopen === undefined ? { target } : { target, reopen: null });
      // #1850 (943b003a7): add_event_port when the open request arrives, before the device is notified.
      if (context.hostEventPort !== undefined && (context.hostPortIn ?? 'open_channel') === 'open_channel') enqueue(call(context.hostEventPort, { type: 'create' }));
      // #717 (e85384d): GuestEventPort::set in open_channel, before ChannelRequest::Open reaches the device.
      if (context.armPortIn === 'open_channel') enqueue(call(context.eventPort, { type: 'arm', vp: target.vp, sint: context.sint, flag: target.flag }));
      enqueue(post(context.device, request(context, 'open')));
    }),
    completeOpen: enqueueActions(({ context, enqueue }) => {
      const t = context.target!;
      // #649 (ec7cfcb63) to #1850: add_event_port in complete_open, after the device may have started talking.
      if (context.hostEventPort !== undefined && context.hostPortIn === 'complete_open') enqueue(call(context.hostEventPort, { type: 'create' }));
      // #662 (ddb5316): GuestEventPort::set moved into complete_open, after the device accepted the open.
      if (context.armPortIn === 'complete_open') enqueue(call(context.eventPort, { type: 'arm', vp: t.vp, sint: context.sint, flag: t.flag }));
      // channels.rs open_complete: OPEN_CHANNEL_RESULT to the guest.
      enqueue(call(context.synic, { type: 'postMessage', sint: context.sint, message: { type: 'openChannelResult', relid: relidOf(context), status: 0 } }));
    }),
    // handle_close_channel: Open -> Closing, Action::Close to the device.
    closeChannel: enqueueActions(({ context, enqueue }) => { enqueue(post(context.device, request(context, 'close'))); }),
    saveReopen: enqueueActions(({ event, enqueue }) => {
      const e = event as { vp: number; flag: number };
      enqueue.assign({ reopen: { vp: e.vp, flag: e.flag } });
    }),
    closePorts: enqueueActions(({ context, enqueue }) => {
      enqueue(call(context.eventPort, { type: 'close' }));
      if (context.hostEventPort !== undefined) enqueue(call(context.hostEventPort, { type: 'close' }));
      enqueue.assign({ target: null });
    }),
    // channels.rs revoke -> send_rescind; the device is gone (lib.rs handle_revoke).
    revoke: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ revocations: (context.revocations ?? 0) + 1, reopen: null, seq: seqOf(context) + 1 });
      enqueue(call(context.synic, { type: 'postMessage', sint: context.sint, message: { type: 'rescindChannelOffer', relid: relidOf(context) } }));
      enqueue(post(context.device, { type: 'revoke' }));
    }),
  },
  guards: {
    mayRevoke: ({ context }, params: { state: RevocableState }) =>
      context.revoke !== undefined && (context.revocations ?? 0) < context.revoke.max && (context.revoke.in ?? REVOCABLE).includes(params.state),
    reoffers: ({ context }) => context.reoffer === true,
    // lib.rs handle_response: "Validate the sequence to ensure the response is not for a revoked channel".
    // A completion without a seq answers a request without one: the first offer's, seq 0.
    currentSeq: ({ context, event }) => ((event as { seq?: number }).seq ?? 0) === seqOf(context),
  },
}).createMachine({
  id: 'serverChannel',
  context: ({ input }) => {
    if (input.revoke !== undefined) {
      if (!Number.isInteger(input.revoke.max) || input.revoke.max < 0) throw new Error(`server channel: revoke.max must be a non-negative integer, not ${JSON.stringify(input.revoke.max)}`);
      for (const st of input.revoke.in ?? []) if (!REVOCABLE.includes(st)) throw new Error(`server channel: cannot revoke in '${st}' (expected ${REVOCABLE.join(', ')})`);
    }
    return { ...input, target: null };
  },
  initial: 'clientReleased',
  // The SynIC's answer to postMessage: a retained or dropped message is the SynIC's concern (synic.ts).
  // A device's completion for a revoked offer (stale seq) or in a state that expects none is dropped
  // (lib.rs handle_response; channels.rs open_complete / close_complete log "invalid open complete").
  on: { postResult: {}, completeOpen: {}, completeClose: {} },
  states: {
    clientReleased: { on: { offer: { target: 'closed', actions: 'sendOffer' } } },
    closed: {
      on: {
        openChannel: { target: 'opening', actions: 'openChannel' },
        revoke: { guard: { type: 'mayRevoke', params: { state: 'closed' } }, target: 'revoked', actions: 'revoke' },
        relIdReleased: 'released',
      },
    },
    opening: {
      on: {
        completeOpen: { guard: 'currentSeq', target: 'open', actions: 'completeOpen' },
        // The device was notified; its completion, if it comes, is dropped (Revoked ignores it).
        revoke: { guard: { type: 'mayRevoke', params: { state: 'opening' } }, target: 'revoked', actions: ['closePorts', 'revoke'] },
      },
    },
    open: {
      tags: ['end'],
      on: {
        closeChannel: { target: 'closing', actions: ['closePorts', 'closeChannel'] },
        revoke: { guard: { type: 'mayRevoke', params: { state: 'open' } }, target: 'revoked', actions: ['closePorts', 'revoke'] },
      },
    },
    closing: {
      on: {
        completeClose: { guard: 'currentSeq', target: 'closed' },
        openChannel: { target: 'closingReopen', actions: 'saveReopen' },
        revoke: { guard: { type: 'mayRevoke', params: { state: 'closing' } }, target: 'revoked', actions: ['closePorts', 'revoke'] },
      },
    },
    closingReopen: {
      on: {
        completeClose: { guard: 'currentSeq', target: 'opening', actions: 'openChannel' },
        revoke: { guard: { type: 'mayRevoke', params: { state: 'closing' } }, target: 'revoked', actions: ['closePorts', 'revoke'] },
      },
    },
    revoked: {
      on: {
        openChannel: {}, closeChannel: {},
        reoffer: { guard: 'reoffers', target: 'reoffered' },
        relIdReleased: [{ guard: 'reoffers', target: 'clientReleased' }, { target: 'released' }],
      },
    },
    reoffered: {
      on: {
        openChannel: {}, closeChannel: {},
        relIdReleased: { target: 'closed', actions: 'sendOffer' },
      },
    },
    // The channel is gone from the server (removed after a revoke, or released by the guest).
    released: { tags: ['end'] },
  },
});

export function serverChannelActor(input: ServerChannelInput): ActorSpec {
  const spontaneous = [{ type: 'offer' }];
  if (input.revoke !== undefined && input.revoke.max > 0) spontaneous.push({ type: 'revoke' });
  if (input.reoffer === true) spontaneous.push({ type: 'reoffer' });
  return { machine: serverChannelMachine, input, spontaneous };
}
