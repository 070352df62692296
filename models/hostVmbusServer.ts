// The host's VMBus server seen from one connection: it may send a message to VTL2 at any time (offers,
// open results, shutdown IC traffic) and keeps the messages it cannot send yet in a pending queue. With
// the `pause_resume` feature (#962) it answers Pause with PauseResponse, queues instead of sending while
// paused, and rejects client messages other than Resume.
//
// Sources (OpenVMM `vm/devices/vmbus/vmbus_server/src/channels.rs` and `lib.rs`, PR #962 commit 7001a13):
// - `MessageSender::send_message`: queue (push_back onto `PendingMessages`) if the queue is non-empty,
//   or the connection is paused, or the SynIC did not take the message; otherwise it went out.
// - `Server::poll_flush_pending_messages`: while not paused, post from the front of the queue.
// - `ServerWithNotifier::handle_pause`: send PauseResponse with a sender made while not yet paused (so
//   it goes out, or queues behind pending messages), then set `paused`.
// - `ServerWithNotifier::handle_synic_message`: while paused, anything but Resume, Unload and
//   InitiateContact, a Pause included, is rejected (ChannelError::Paused, "Received message while
//   paused"); an accepted one clears `paused`.
// - `ServerTask::run` (vmbus_server/src/lib.rs): incoming messages are read only when no outgoing
//   message is pending (`has_pending_messages`: queue non-empty and not paused); until then it flushes.
//   So after Resume the queue is flushed before the next Pause is looked at, and PauseResponse is never
//   queued behind messages that a paused server will not flush (the variant `readsWhileFlushing`
//   drops this rule and shows the deadlock it prevents on a second servicing).
// What happens to a message the SynIC took (in the slot, retried from OpenVMM's MessageQueues, dropped
// there, or queued by the hypervisor) is models/synic.ts's business.
//
// Simplifications:
// - Unload and InitiateContact are not modelled, and the server is never saved, so `paused` surviving
//   in its saved state (channels/saved_state.rs) is not exercised.
// - A rejected client message is dropped (the real server logs a warning); `rejected` records it.
// - Client messages arrive by `call` (HvPostMessage) and are answered with a postResult: with
//   `inboxCapacity`, a full connection refuses them (insufficientBuffers), the back-pressure the #1100
//   pause-path deadlock needs. Callers must `call`, and handle the reply.
import { and, assign, enqueueActions, not, setup } from 'xstate';
import type { EventObject } from 'xstate';
import { call, post, reply } from '../checker/index.ts';
import type { SynicEvent } from './synic.ts';

export interface HostServerOptions {
  /** How many data messages the host sends to VTL2 in one run. */
  hostMessages: number;
  /** The server speaks the #962 `pause_resume` protocol. */
  pauseResume: boolean;
  /** Wrong fix: while paused the server keeps sending new messages instead of queueing them. */
  sendsWhilePaused?: boolean;
  /** Wrong change: read incoming messages even while pending outgoing messages wait to be flushed. */
  readsWhileFlushing?: boolean;
  synic: string;
  sint: number;
  /** Client messages the server's connection can hold unread (TLFS: the port's message buffers, 16 on
   * Hyper-V); a post beyond it is refused with insufficientBuffers and the client retries. Default: no limit. */
  inboxCapacity?: number;
  /** With `inboxCapacity`: the actor told { type: 'bufferFree' } when the server reads from a connection
   * that refused a post (the waker of the client's pending poll_post_message). */
  client?: string;
}

/** A VTL2 message waiting in the server's receive queue (`message_recv`). */
export interface IncomingMessage {
  type: 'message' | 'Pause' | 'Resume';
  id?: string;
}

export interface HostServerContext {
  /** Messages from VTL2 not yet read by the server task, oldest first. */
  inbox: IncomingMessage[];
  /** `PendingMessages`: messages not yet handed to the SynIC, oldest first. */
  pending: string[];
  /** How many data messages the host has sent so far. */
  sent: number;
  /** Data messages received from VTL2, in arrival order. */
  received: string[];
  /** Messages the paused server rejected: data message ids, or 'Pause' (kept to say why one is missing). */
  rejected: string[];
  paused: boolean;
  /** The message being posted inside the current step (null between steps). */
  posting: string | null;
  /** A client post was refused since the server last read: reading frees a buffer and wakes the client. */
  refusedSinceRead: boolean;
  /** The SynIC refused the last post (insufficientBuffers): flushing waits for { type: 'sintSpace' }. */
  flushBlocked: boolean;
}

export const HOST_SERVER_STEPS = ['server.sendMessage', 'server.flushPending', 'server.receiveMessage'] as const;

/** The SynIC request posting a message (models/synic.ts), typed by its API. */
function postMessage(sint: number, id: string): SynicEvent {
  return { type: 'postMessage', sint, message: id === 'PauseResponse' ? { type: 'PauseResponse' } : { type: 'hostMessage', id } };
}

export function hostVmbusServer(o: HostServerOptions) {
  type Ev = EventObject & { id?: string; status?: string };
  /** Whether `send_message` must queue rather than post. */
  const mustQueue = (c: HostServerContext, ignorePause: boolean) => c.pending.length > 0 || (c.paused && !ignorePause);
  return setup({
    types: {} as { context: HostServerContext },
    guards: {
      sendQueued: ({ context }) => context.sent < o.hostMessages && mustQueue(context, o.sendsWhilePaused === true),
      sendPosted: ({ context }) => context.sent < o.hostMessages && !mustQueue(context, o.sendsWhilePaused === true),
      canFlush: ({ context }) => context.pending.length > 0 && !context.paused && !context.flushBlocked,
      pauseResponseQueues: ({ context }) => mustQueue(context, true),
      notTaken: ({ event }) => (event as Ev).status === 'insufficientBuffers',
      canRead: ({ context }) => context.inbox.length > 0 && (o.readsWhileFlushing === true || context.pending.length === 0 || context.paused),
      readsPause: ({ context }) => context.inbox[0]?.type === 'Pause',
      readsResume: ({ context }) => context.inbox[0]?.type === 'Resume',
      rejects: ({ context }) => context.paused && o.pauseResume,
      inboxFull: ({ context }) => o.inboxCapacity !== undefined && context.inbox.length >= o.inboxCapacity,
    },
    actions: {
      queueNew: assign({ sent: ({ context }) => context.sent + 1, pending: ({ context }) => [...context.pending, `host#${context.sent + 1}`] }),
      postNew: assign({ sent: ({ context }) => context.sent + 1, posting: ({ context }) => `host#${context.sent + 1}` }),
      postHead: assign({ posting: ({ context }) => context.pending[0], pending: ({ context }) => context.pending.slice(1) }),
      callSynic: call(o.synic, ({ context }) => postMessage(o.sint, context.posting!)),
      // Only a full hypervisor buffer (Hyper-V) leaves the message with the server: back to the front.
      requeue: assign({ pending: ({ context }) => [context.posting!, ...context.pending], posting: null, flushBlocked: true }),
      posted: assign({ posting: null }),
      enqueueIncoming: assign({ inbox: ({ context, event }) => [...context.inbox, { type: event.type as IncomingMessage['type'], ...((event as Ev).id ? { id: (event as Ev).id } : {}) }] }),
      // A client message arrives by HvPostMessage (a call): the answer is the hypercall's status.
      accepted: reply({ type: 'postResult', status: 'success' }),
      refused: enqueueActions(({ enqueue }) => {
        enqueue.assign({ refusedSinceRead: true });
        enqueue(reply({ type: 'postResult', status: 'insufficientBuffers' }));
      }),
      takeIncoming: enqueueActions(({ context, enqueue }) => {
        enqueue.assign({ inbox: context.inbox.slice(1), refusedSinceRead: false });
        if (context.refusedSinceRead && o.client !== undefined) enqueue(post(o.client, { type: 'bufferFree' }));
      }),
      receive: assign({ received: ({ context }) => [...context.received, String(context.inbox[0].id)] }),
      reject: assign({ rejected: ({ context }) => [...context.rejected, context.inbox[0].id ?? context.inbox[0].type] }),
      queuePauseResponse: assign({ pending: ({ context }) => [...context.pending, 'PauseResponse'], paused: true }),
      postPauseResponse: assign({ posting: 'PauseResponse', paused: true }),
      resume: assign({ paused: false }),
    },
  }).createMachine({
    id: 'host',
    initial: 'idle',
    context: { inbox: [], pending: [], sent: 0, received: [], rejected: [], paused: false, posting: null, refusedSinceRead: false, flushBlocked: false },
    states: {
      idle: {
        on: {
          'server.sendMessage': [
            { guard: 'sendQueued', actions: 'queueNew' },
            { guard: 'sendPosted', target: 'posting', actions: ['postNew', 'callSynic'] },
          ],
          'server.flushPending': { guard: 'canFlush', target: 'posting', actions: ['postHead', 'callSynic'] },
          sintSpace: { actions: assign({ flushBlocked: false }) },
          message: [{ guard: 'inboxFull', actions: 'refused' }, { actions: ['enqueueIncoming', 'accepted'] }],
          Pause: [{ guard: 'inboxFull', actions: 'refused' }, { actions: ['enqueueIncoming', 'accepted'] }],
          Resume: [{ guard: 'inboxFull', actions: 'refused' }, { actions: ['enqueueIncoming', 'accepted'] }],
          'server.receiveMessage': [
            // channels.rs handle_synic_message (7001a13): while paused, anything but Resume, Unload and
            // InitiateContact, a second Pause included, is rejected with ChannelError::Paused.
            { guard: and(['canRead', 'rejects', not('readsResume')]), actions: ['reject', 'takeIncoming'] },
            {
              guard: and(['canRead', 'readsPause', 'pauseResponseQueues']),
              actions: ['takeIncoming', 'queuePauseResponse'],
            },
            {
              guard: and(['canRead', 'readsPause']),
              target: 'posting', actions: ['takeIncoming', 'postPauseResponse', 'callSynic'],
            },
            { guard: and(['canRead', 'readsResume']), actions: ['takeIncoming', 'resume'] },
            { guard: 'canRead', actions: ['receive', 'takeIncoming'] },
          ],
        },
      },
      // Inside the step that posts: the SynIC's answer arrives as a reply.
      posting: {
        on: { postResult: [{ guard: 'notTaken', target: 'idle', actions: 'requeue' }, { target: 'idle', actions: 'posted' }] },
      },
    },
  });
}
