// How the Hyper-V host's VMBus server posts messages to a guest SINT: it holds them while the SINT is
// masked and retries after the guest unmasks it. This, not the SynIC, is what preserves VMBus messages
// across VTL2 servicing on a Hyper-V host: the TLFS SynIC keeps nothing across a VP reset ("All message
// queues of a virtual processor are empty upon creation or reset"), and the #962 commit (OpenVMM
// 7001a13, "vmbus_client: pause/resume") says the old VTL2 client relied on the host to stop posting
// while the SINT is masked and to retry after unmask, which Hyper-V does and OpenVMM does not. OpenVMM
// issue #954: "It does not appear to repro with a Hyper-V host, which has a workaround for preserving
// vmbus messages across VTL2 servicing."
//
// The component sits between a server and the SynIC: the server calls it as it would call the SynIC
// ({ type: 'postMessage', sint, message } -> { type: 'postResult', sint, status: 'success' }); it keeps
// the messages in order and posts the oldest in its own step, `port.post`, with `unlessMasked` (the SynIC
// takes nothing while the SINT is masked and answers 'sintMasked'). A masked answer stops posting until
// the SynIC reports { type: 'sintUnmasked' } (make this actor one of the SynIC's `unmaskObservers`).
//
// Simplified: how the Hyper-V host learns that a SINT is masked or unmasked is not public; the model
// gives it the SINT's mask bit at post time and an unmask notification. A full hypervisor buffer
// (insufficientBuffers) keeps the message for a later retry.
import { assign, setup } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call, reply } from '../checker/index.ts';
import type { ActorSpec } from '../checker/index.ts';
import type { SynicEvent, SynicMessage } from './synic.ts';

export interface HypervMessagePortInput {
  synic: string;
  sint: number;
}

export interface HypervMessagePortContext extends HypervMessagePortInput {
  /** Messages accepted from the server and not yet taken by the SynIC, oldest first. */
  held: SynicMessage[];
  /** The last post found the SINT masked: wait for `sintUnmasked`. */
  blockedByMask: boolean;
}

type PortEvent =
  | { type: 'postMessage'; sint: number; message: SynicMessage }
  | { type: 'port.post' }
  | { type: 'postResult'; status: string }
  | { type: 'sintUnmasked'; sint: number };

export const hypervMessagePortMachine = setup({
  types: {} as { context: HypervMessagePortContext; events: PortEvent; input: HypervMessagePortInput; emitted: AnyEventObject },
  guards: {
    canPost: ({ context }) => context.held.length > 0 && !context.blockedByMask,
    taken: ({ event }) => (event as { status: string }).status === 'success',
    masked: ({ event }) => (event as { status: string }).status === 'sintMasked',
    forThisSint: ({ context, event }) => (event as { sint: number }).sint === context.sint,
  },
  actions: {
    accept: assign({ held: ({ context, event }) => [...context.held, (event as { message: SynicMessage }).message] }),
    acknowledge: reply(({ event }) => ({ type: 'postResult', sint: (event as { sint: number }).sint, status: 'success' })),
    postOldest: call(({ context }) => context.synic, ({ context }) => ({ type: 'postMessage', sint: context.sint, message: context.held[0], unlessMasked: true }) satisfies SynicEvent),
    dropOldest: assign({ held: ({ context }) => context.held.slice(1) }),
    block: assign({ blockedByMask: true }),
    unblock: assign({ blockedByMask: false }),
  },
}).createMachine({
  id: 'hypervMessagePort',
  context: ({ input }) => ({ ...input, held: [], blockedByMask: false }),
  initial: 'idle',
  states: {
    idle: {
      tags: ['end'],
      on: {
        postMessage: { actions: ['accept', 'acknowledge'] },
        'port.post': { guard: 'canPost', target: 'posting', actions: 'postOldest' },
        sintUnmasked: { guard: 'forThisSint', actions: 'unblock' },
      },
    },
    // Inside the posting step: the SynIC's answer arrives as a reply.
    posting: {
      on: {
        postResult: [
          { guard: 'taken', target: 'idle', actions: 'dropOldest' },
          { guard: 'masked', target: 'idle', actions: 'block' },
          { target: 'idle' },
        ],
      },
    },
  },
});

/** An actor spec for the Hyper-V host's message port, with its `port.post` step. */
export function hypervMessagePortActor(input: HypervMessagePortInput): ActorSpec {
  return { machine: hypervMessagePortMachine, input, spontaneous: [{ type: 'port.post' }] };
}
