// The VTL2 (OpenHCL) VMBus client across servicing: running -> save -> (the host resets VTL2's SynIC)
// -> restore -> running. Every step outside `running` is named for its servicing phase (`save.*`,
// `reset.*`, `restore.*`), both as the machine's state and as the event type of the step, so a
// counterexample says which phase a message was lost in.
//
// Sources: OpenVMM issue #954 and PR #962 (commit 7001a13), `vm/devices/vmbus/vmbus_client/src/lib.rs`:
// `ClientTask::handle_stop` (Pause, flush, Resume queued first, drain until PauseResponse; without the
// feature, `pause_message_stream` + drain), `ClientTask::can_pause_resume` (the fallback), saved_state.rs
// `handle_save` (the outgoing queue is saved) and `handle_start` (Resume is the first message sent). In
// OpenHCL `pause_message_stream` is the `hcl_pause_message_stream` ioctl (vmbus_client_hcl), which the
// #962 commit text describes as masking the SINT. PR #1100 (commit 9171c3f38): OutgoingMessages::pause
// (Resume pushed onto the front, Pause sent alone in the SendingPauseMessage state) and
// process_next_message (incoming messages read while the flush runs); see `clientVersion`.
//
// Simplifications:
// - Only the VMBus message SINT of one VP is modelled (models/synic.ts does the SynIC).
// - Host -> VTL2 messages are `{ type: 'hostMessage', id: 'host#k' }` (offers, open results, IC traffic,
//   all alike here) and `{ type: 'PauseResponse' }`; VTL2 -> host data messages are `client#k`.
// - The saved state is the machine's own context: the host keeps the saved blob across the reset, so
//   nothing in it is lost; what the reset destroys is SynIC state.
// - The VTL2 devices may queue outgoing messages until the client has saved; sending them is its own
//   step, and the client sends only while running or, right after restore, its saved queue.
// - Without pause_resume, the client at #962 time resumed the stream and flushed its outgoing queue
//   before saving (the loop #1100 removed); here it saves the queue, as later versions do. This does not
//   touch the host -> VTL2 direction, where #954's messages were lost.
import { and, assign, setup } from 'xstate';
import type { EventObject } from 'xstate';
import { call } from '../checker/index.ts';
import type { SynicEvent, SynicMessage } from './synic.ts';

export type ServicingProtocol = 'mask-and-drain' | 'pause-resume';

/** Which pause-resume client: at #962 (7001a13) or after #1100 (9171c3f38). */
export type PauseClientVersion = 'pr962' | 'pr1100';

export interface Vtl2ClientOptions {
  /** `mask-and-drain`: the client before #962. `pause-resume`: the #962 protocol. */
  protocol: ServicingProtocol;
  /** How many servicings may happen in one run (the bound on servicing). */
  servicings: number;
  /** How many data messages the VTL2 side sends to the host in one run. */
  clientMessages: number;
  /** The pause-resume client's version (default 'pr962'):
   *  'pr962'  ClientTask::handle_stop at 7001a13: send Pause behind the queued messages, await
   *           flush_messages (posting everything queued, Pause last) without reading incoming
   *           messages, then queue Resume and drain until PauseResponse;
   *  'pr1100' OutgoingMessages::pause at 9171c3f38: Resume is pushed onto the front of the queue, only
   *           Pause is sent (before the messages already queued, which are saved), and incoming
   *           messages are read while it is being sent (process_next_message races recv with flush),
   *           which fixes "a theoretical deadlock in the pause path". */
  clientVersion?: PauseClientVersion;
  /** Wrong fix: save right after sending Pause, without draining until PauseResponse. */
  saveBeforePauseResponse?: boolean;
  /** Wrong fix: queue Resume at restore, behind the messages queued while servicing, not at the front. */
  resumeQueuedAtRestore?: boolean;
  /** Wrong fix: keep the messages flushed ahead of Pause in the saved queue, so they are sent again. */
  keepsFlushedMessages?: boolean;
  /** Actor names, and the SINT VMBus messages arrive on (Linux VMBUS_MESSAGE_SINT is 2). */
  host: string;
  synic: string;
  sint: number;
}

export interface Vtl2ClientContext {
  /** Outgoing messages not yet sent (vmbus_client's queue; part of the saved state since #962). */
  outbox: string[];
  /** How many data messages the VTL2 devices have queued so far. */
  queued: number;
  /** Every host message taken from the slot, in arrival order (the conservation property reads it). */
  received: string[];
  /** Servicings begun so far. */
  servicings: number;
  /** Wrong fix keepsFlushedMessages only: the messages posted by the #962 flush, kept for the save. */
  flushed: string[];
  /** The host refused the last post (insufficientBuffers); the retry waits for { type: 'bufferFree' }
   * (poll_post_message returned Pending; simplified: the waker is the host reading a message). */
  postBlocked: boolean;
}

/** The spontaneous steps the client may take; each machine state offers only its own. */
export const VTL2_CLIENT_STEPS = [
  'running.queueMessage', 'running.sendMessage', 'running.beginServicing',
  'save.maskSint', 'save.sendPause', 'save.flushMessage', 'save.queueMessage', 'save.drainSlot', 'save.saveState',
  'reset.resetSynic',
  'restore.restoreState', 'restore.unmaskSint', 'restore.sendSavedMessage',
] as const;

/** The control messages Pause and Resume travel as themselves; everything else in the outbox is data. */
const toWire = (id: string) => (id === 'Resume' || id === 'Pause' ? { type: id } : { type: 'message', id });

/** The last save step, the same in both protocols: take the saved state; stop looking at the slot. */
const saveState = {
  on: {
    'save.queueMessage': { guard: 'canQueue', actions: 'queueMessage' },
    'save.saveState': { target: '#vtl2.reset' },
    sint: {},
  },
} as const;

export function vtl2VmbusClient(o: Vtl2ClientOptions) {
  const sint = o.sint;
  const pauseResume = o.protocol === 'pause-resume';
  type Reply = { type: string; message?: SynicMessage | null; messagePending?: boolean };
  const slotMessage = (event: EventObject) => (event as Reply).message ?? null;
  // Requests to the SynIC (models/synic.ts), typed by its API.
  const request = (e: SynicEvent): EventObject => e;
  return setup({
    types: {} as { context: Vtl2ClientContext },
    guards: {
      slotFull: ({ event }) => slotMessage(event) !== null,
      slotEmpty: ({ event }) => slotMessage(event) === null,
      slotHoldsPauseResponse: ({ event }) => slotMessage(event)?.type === 'PauseResponse',
      accepted: ({ event }) => (event as { status?: string }).status === 'success',
      pr1100: () => o.clientVersion === 'pr1100',
      saveBeforePauseResponse: () => o.saveBeforePauseResponse === true,
      messagePending: ({ event }) => (event as Reply).messagePending === true,
      canQueue: ({ context }) => context.queued < o.clientMessages,
      outboxNotEmpty: ({ context }) => context.outbox.length > 0 && !context.postBlocked,
      canPost: ({ context }) => !context.postBlocked,
      outboxEmpty: ({ context }) => context.outbox.length === 0,
      servicingLeft: ({ context }) => context.servicings < o.servicings,
    },
    actions: {
      readSlot: call(o.synic, request({ type: 'readSlot', sint })),
      recordReceived: assign({ received: ({ context, event }) => [...context.received, String(slotMessage(event)!.id)] }),
      // Linux `vmbus_signal_eom` (include/asm-generic/mshyperv.h): clear the slot's message type, then write
      // EOM only if MessagePending was set, so the SynIC delivers what waits behind the slot.
      clearSlot: call(o.synic, request({ type: 'clearSlot', sint })),
      eom: call(o.synic, request({ type: 'eom' })),
      queueMessage: assign({
        outbox: ({ context }) => [...context.outbox, `client#${context.queued + 1}`],
        queued: ({ context }) => context.queued + 1,
      }),
      // HvPostMessage to the host (a call): the host answers with the hypercall's status; a refused post
      // (insufficientBuffers: the connection's buffers are full) stays at the head and is retried.
      sendHead: call(o.host, ({ context }) => toWire(context.outbox[0])),
      dropHead: assign({ outbox: ({ context }) => context.outbox.slice(1) }),
      // #962: handle_stop sends Pause with OutgoingMessages::send, which queues it behind messages not yet
      // posted, then awaits flush_messages.
      queuePauseLast: assign({ outbox: ({ context }) => [...context.outbox, 'Pause'], flushed: [] }),
      recordFlushed: assign({ flushed: ({ context }) => (o.keepsFlushedMessages && context.outbox[0] !== 'Pause' ? [...context.flushed, context.outbox[0]] : context.flushed) }),
      // #962: after the flush, push Resume onto the (now empty) queue so that it is the first thing sent
      // after restore: the paused server rejects anything else.
      queueResumeAfterFlush: assign({
        outbox: ({ context }) => {
          const kept = o.keepsFlushedMessages ? context.flushed : [];
          return o.resumeQueuedAtRestore ? kept : ['Resume', ...kept];
        },
        flushed: [],
      }),
      // #1100 OutgoingMessages::pause: Resume goes onto the front of the queue, before what is queued.
      queueResumeFirst: assign({ outbox: ({ context }) => (o.resumeQueuedAtRestore ? context.outbox : ['Resume', ...context.outbox]) }),
      sendPause: call(o.host, { type: 'Pause' }),
      blockPosts: assign({ postBlocked: true }),
      unblockPosts: assign({ postBlocked: false }),
      // The wrong fix `resumeQueuedAtRestore` queues Resume only at restore, behind what was saved.
      queueResumeLast: assign({ outbox: ({ context }) => (o.resumeQueuedAtRestore ? [...context.outbox, 'Resume'] : context.outbox) }),
      countServicing: assign({ servicings: ({ context }) => context.servicings + 1 }),
      maskSint: call(o.synic, request({ type: 'setMasked', sint, masked: true })),
      unmaskSint: call(o.synic, request({ type: 'setMasked', sint, masked: false })),
      resetSynic: call(o.synic, request({ type: 'reset' })),
    },
  }).createMachine({
    id: 'vtl2',
    initial: 'running',
    context: { outbox: [], queued: 0, received: [], servicings: 0, flushed: [], postBlocked: false },
    // Taking a message from the slot, shared by every state that reads it: an interrupt (`sint`) makes the
    // client read the slot; a message is recorded and the slot cleared; the clear reports MessagePending.
    // The replies arrive inside the same step (`call`); states that must react differently override them.
    on: {
      sint: { actions: 'readSlot' },
      slotContents: [
        // A PauseResponse outside servicing (only a wrong fix that saves before it comes lets one arrive
        // here) carries no data: the client consumes it and moves on.
        { guard: 'slotHoldsPauseResponse', actions: 'clearSlot' },
        { guard: 'slotFull', actions: ['recordReceived', 'clearSlot'] },
        {},
      ],
      slotCleared: [{ guard: 'messagePending', actions: 'eom' }, {}],
      postResult: [{ guard: 'accepted', actions: 'dropHead' }, { actions: 'blockPosts' }],
      bufferFree: { actions: 'unblockPosts' },
    },
    states: {
      running: {
        on: {
          'running.queueMessage': { guard: 'canQueue', actions: 'queueMessage' },
          'running.sendMessage': { guard: 'outboxNotEmpty', actions: 'sendHead' },
          'running.beginServicing': { guard: 'servicingLeft', target: 'save', actions: 'countServicing' },
        },
      },
      save: pauseResume
        ? {
            initial: 'sendPause',
            states: {
              sendPause: {
                on: {
                  'save.sendPause': [
                    // #1100: only Pause is sent now; the reply says whether the host took it.
                    { guard: and(['pr1100', 'canPost']), actions: ['queueResumeFirst', 'sendPause'], target: 'sendingPause' },
                    { guard: 'pr1100', actions: 'queueResumeFirst', target: 'sendingPause' },
                    { actions: 'queuePauseLast', target: 'flushForPause' },
                  ],
                },
              },
              // #1100: Pause is being posted while incoming messages are read (the global `sint` handler).
              sendingPause: {
                on: {
                  'save.queueMessage': { guard: 'canQueue', actions: 'queueMessage' },
                  'save.sendPause': { guard: 'canPost', actions: 'sendPause' },
                  postResult: [
                    { guard: and(['accepted', 'saveBeforePauseResponse']), target: 'saveState' },
                    { guard: 'accepted', target: 'drainUntilPauseResponse' },
                    { actions: 'blockPosts' },
                  ],
                },
              },
              // #962: await flush_messages, posting the queue and Pause last, one post per step; nothing
              // reads the SINT meanwhile, so a message the host posts waits in the slot (its interrupt is
              // taken and ignored; the drain below polls the slot first).
              flushForPause: {
                always: [
                  { guard: and(['outboxEmpty', 'saveBeforePauseResponse']), target: 'saveState', actions: 'queueResumeAfterFlush' },
                  { guard: 'outboxEmpty', target: 'drainUntilPauseResponse', actions: ['queueResumeAfterFlush', 'readSlot'] },
                ],
                on: {
                  sint: {},
                  'save.flushMessage': { guard: 'outboxNotEmpty', actions: ['recordFlushed', 'sendHead'] },
                },
              },
              // #962: drain incoming messages (the SINT stays unmasked, so they interrupt as usual) until
              // PauseResponse; after it the paused server sends nothing more.
              drainUntilPauseResponse: {
                on: {
                  'save.queueMessage': { guard: 'canQueue', actions: 'queueMessage' },
                  slotContents: [
                    { guard: 'slotHoldsPauseResponse', target: 'saveState', actions: 'clearSlot' },
                    { guard: 'slotFull', actions: ['recordReceived', 'clearSlot'] },
                    {},
                  ],
                },
              },
              saveState,
            },
          }
        : {
            // The client before #962 (and its fallback without `pause_resume`): mask the VMBus SINT, drain
            // the slot by polling it, save. It relies on the host keeping messages posted meanwhile queued
            // until unmask (#954: Hyper-V does; OpenVMM's direct post cannot post to a masked SINT).
            initial: 'maskSint',
            states: {
              maskSint: { on: { 'save.maskSint': { target: 'drain', actions: 'maskSint' } } },
              drain: {
                on: {
                  'save.queueMessage': { guard: 'canQueue', actions: 'queueMessage' },
                  'save.drainSlot': { actions: 'readSlot' },
                  slotContents: [
                    { guard: 'slotEmpty', target: 'saveState' },
                    { guard: 'slotFull', actions: ['recordReceived', 'clearSlot'] },
                  ],
                },
              },
              saveState,
            },
          },
      // The host tears VTL2 down and resets its SynIC state (every SINT masked, the message slot cleared)
      // before starting the new VTL2 image (#954 commit text). The host does this; the step belongs to the
      // client because the client's phase decides when it happens. Interrupts meant for the old image are
      // lost with it.
      reset: {
        initial: 'resetSynic',
        on: { sint: {} },
        states: {
          resetSynic: { on: { 'reset.resetSynic': { target: 'synicReset', actions: 'resetSynic' } } },
          // VTL2 is down with its SynIC reset; the next step is the new image restoring the saved state.
          synicReset: { on: { 'restore.restoreState': { target: '#vtl2.restore', actions: 'queueResumeLast' } } },
        },
      },
      restore: {
        initial: 'unmaskSint',
        states: {
          // Unmasking raises nothing by itself (TLFS), so the restored client writes EOM to make the SynIC
          // rescan its queue and polls the slot once, for a message that arrived while it was masked.
          unmaskSint: {
            on: {
              sint: {},
              'restore.unmaskSint': { target: 'sendSavedMessages', actions: ['unmaskSint', 'eom', 'readSlot'] },
            },
          },
          // The restored client sends the outgoing messages it saved, oldest first (with #962, Resume
          // first), before it counts as running again.
          sendSavedMessages: {
            always: { guard: 'outboxEmpty', target: '#vtl2.running' },
            on: { 'restore.sendSavedMessage': { guard: 'outboxNotEmpty', actions: 'sendHead' } },
          },
        },
      },
    },
  });
}
