// The host's VMBus server seen from one connection: it may send a message to VTL2 at any time (offers,
// open results, shutdown IC traffic), keeps outgoing messages in a queue, and posts the head to VTL2's
// SynIC. With the `pause_resume` feature (#962) it answers Pause with PauseResponse, holds new messages
// while paused, and rejects client messages other than Resume.
//
// Sources: OpenVMM `vm/devices/vmbus/vmbus_server/src/channels.rs` (connection state with a `paused`
// flag, outgoing `pending_messages`), PR #962 (commit 7001a13); facts in /work/shared/domain.md sections
// 2 and 3(b). What happens to a posted message (retried, queued, dropped) is the SynIC's business
// (models/synic.ts: OpenVMM `message_queues.rs` or the Hyper-V hypervisor queue).
//
// Simplifications:
// - Unload and InitiateContact (also allowed while paused) are not modelled, and the server is never
//   saved, so `paused` surviving in its saved state is not exercised.
// - A rejected client message is dropped (the real server logs an error); `rejected` records it.
import { assign, setup } from 'xstate';
import type { EventObject } from 'xstate';
import { call } from '../checker/index.ts';
import type { SynicEvent } from './synic.ts';

export interface HostServerOptions {
  /** How many data messages the host sends to VTL2 in one run. */
  hostMessages: number;
  /** The server speaks the #962 `pause_resume` protocol. */
  pauseResume: boolean;
  /** Wrong fix: while paused the server keeps sending new messages instead of holding them. */
  sendsWhilePaused?: boolean;
  synic: string;
  sint: number;
}

export interface HostServerContext {
  /** Messages to post to the SynIC, oldest first. */
  outbox: string[];
  /** Messages the paused server holds back until Resume. */
  held: string[];
  /** How many data messages the host has sent so far. */
  sent: number;
  /** Data messages received from VTL2, in arrival order. */
  received: string[];
  /** Data messages the paused server rejected (kept only to say why one is missing). */
  rejected: string[];
  paused: boolean;
}

export const HOST_SERVER_STEPS = ['server.sendMessage', 'server.postMessage'] as const;

/** The SynIC request posting an outbox entry (models/synic.ts), typed by its API. */
function postMessage(sint: number, id: string): SynicEvent {
  return { type: 'postMessage', sint, message: id === 'PauseResponse' ? { type: 'PauseResponse' } : { type: 'hostMessage', id } };
}

export function hostVmbusServer(o: HostServerOptions) {
  type Ev = EventObject & { id?: string; status?: string };
  return setup({
    types: {} as { context: HostServerContext },
    guards: {
      canSend: ({ context }) => context.sent < o.hostMessages,
      outboxNotEmpty: ({ context }) => context.outbox.length > 0,
      bufferFull: ({ event }) => (event as Ev).status === 'insufficientBuffers',
      rejects: ({ context }) => context.paused && o.pauseResume,
    },
    actions: {
      sendMessage: assign(({ context }) => {
        const id = `host#${context.sent + 1}`;
        // #962 server: while paused, outgoing messages are queued instead of sent.
        const hold = context.paused && !o.sendsWhilePaused;
        return {
          sent: context.sent + 1,
          outbox: hold ? context.outbox : [...context.outbox, id],
          held: hold ? [...context.held, id] : context.held,
        };
      }),
      postHead: call(o.synic, ({ context }) => postMessage(o.sint, context.outbox[0])),
      popHead: assign({ outbox: ({ context }) => context.outbox.slice(1) }),
      receive: assign({ received: ({ context, event }) => [...context.received, String((event as Ev).id)] }),
      reject: assign({ rejected: ({ context, event }) => [...context.rejected, String((event as Ev).id)] }),
      // #962 server: answer Pause with PauseResponse (behind what is already queued) and pause.
      pause: assign({ paused: true, outbox: ({ context }) => [...context.outbox, 'PauseResponse'] }),
      resume: assign({ paused: false, outbox: ({ context }) => [...context.outbox, ...context.held], held: [] }),
    },
  }).createMachine({
    id: 'host',
    initial: 'idle',
    context: { outbox: [], held: [], sent: 0, received: [], rejected: [], paused: false },
    states: {
      idle: {
        on: {
          'server.sendMessage': { guard: 'canSend', actions: 'sendMessage' },
          'server.postMessage': { guard: 'outboxNotEmpty', target: 'posting', actions: 'postHead' },
          // #962 server: while paused everything but Resume, Unload and InitiateContact is rejected.
          message: [{ guard: 'rejects', actions: 'reject' }, { actions: 'receive' }],
          Pause: { actions: 'pause' },
          Resume: { actions: 'resume' },
        },
      },
      // Inside the step of `server.postMessage`: the SynIC's answer arrives as a reply. Only a full
      // hypervisor buffer (Hyper-V) leaves the message with the server; otherwise it is the SynIC's now
      // (in the slot, in OpenVMM's MessageQueues, or dropped there).
      posting: {
        on: {
          postResult: [{ guard: 'bufferFull', target: 'idle' }, { target: 'idle', actions: 'popHead' }],
        },
      },
    },
  });
}
