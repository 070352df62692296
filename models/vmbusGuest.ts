// A guest on one VP running the VMBus driver and the shutdown IC driver, in one of two styles:
//   'linux'   reads a channel's inbound ring only when its event arrives (drivers/hv: vmbus_isr ->
//             vmbus_chan_sched -> the channel callback);
//   'windows' polls the inbound ring once after the channel opens, then relies on interrupts
//             ("windows guests always poll the ring after channel open", per the OpenVMM #715 discussion).
// Interrupt path (Linux drivers/hv/vmbus_drv.c vmbus_isr, which checks events before messages, the
// order Windows guests on Hyper-V use, as its comment says): test-and-clear the channel's SIEF flag; if it was set, vmbus_chan_sched
// does hv_begin_read and schedules the callback (a `call` of the ring reader's `interrupt`); then the
// message DPC (vmbus_on_msg_dpc) reads the SIM slot, handles the message and releases the slot with
// vmbus_signal_eom (clear message_type, EOM if MessagePending).
// Linux __vmbus_open (drivers/hv/channel.c) sets the channel callback before sending OPEN_CHANNEL, so
// ring data is read from then on, even before OPEN_CHANNEL_RESULT arrives.
// Boot: the guest must finish the shutdown IC exchange before the test's boot timeout (OpenVMM #715:
// the test timed out after 360 s), an `after` timer in the `boot` region.
//
// Use: `vmbusGuestActor({ style, synic, sint, flag, server, reader, writer })`; make it the consumer of
// the host-to-guest ring's reader and the interrupt target of its SynIC. Spontaneous step: `dpc`.
// Simplified: the SynIC and VMBus connection are set up already (SINT unmasked), the DPC reads,
// handles and releases a message in one step, the IC driver answers each request at once, and only
// one channel exists.
import { setup, assign, enqueueActions } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call, fail, post } from '../checker/index.ts';
import type { ActorSpec } from '../checker/index.ts';

export type GuestStyle = 'linux' | 'windows';

/** The test's boot timeout (OpenVMM #715: "TIMEOUT at 360 s"). */
export const BOOT_TIMEOUT_MS = 360_000;

export interface VmbusGuestInput {
  style: GuestStyle;
  vp?: number;
  /** This VP's SynIC actor. */
  synic: string;
  /** The VMBus SINT (Linux VMBUS_MESSAGE_SINT = 2). */
  sint: number;
  /** The channel's event flag (its relid). */
  flag: number;
  server: string;
  /** The reader of the host-to-guest ring. */
  reader: string;
  /** The writer of the guest-to-host ring. */
  writer: string;
}

interface VmbusGuestContext extends Required<VmbusGuestInput> {
  dpcPending: boolean;
}

type Message = { type: string } & Record<string, unknown>;

type VmbusGuestEvent =
  | { type: 'sint'; sint: number }
  | { type: 'dpc' }
  | { type: 'flagTested'; wasSet: boolean }
  | { type: 'slotContents'; message: Message | null; messagePending: boolean }
  | { type: 'slotCleared'; messagePending: boolean }
  | { type: 'vmbusMessage'; message: Message }
  | { type: 'packet'; packet: string };

const messageIs = (type: string) => ({ event }: { event: VmbusGuestEvent }) => event.type === 'vmbusMessage' && event.message.type === type;
const packetIs = (packet: string) => ({ event }: { event: VmbusGuestEvent }) => event.type === 'packet' && event.packet === packet;

export const vmbusGuestMachine = setup({
  types: {} as { context: VmbusGuestContext; events: VmbusGuestEvent; input: VmbusGuestInput; emitted: AnyEventObject },
  actions: {
    isr: enqueueActions(({ context, enqueue }) => {
      // vmbus_chan_sched: sync_test_and_clear_bit on the channel's SIEF flag.
      enqueue(call(context.synic, { type: 'testAndClearFlag', sint: context.sint, flag: context.flag }));
      // Then the SIM slot: the message DPC runs later (simplified: scheduled on every interrupt).
      enqueue.assign({ dpcPending: true });
    }),
    scheduleChannel: enqueueActions(({ context, event, enqueue }) => {
      // vmbus_chan_sched: by the channel's read mode, hv_begin_read (HV_CALL_BATCHED only) and the callback; the reader does both on `interrupt`.
      if ((event as { wasSet: boolean }).wasSet) enqueue(call(context.reader, { type: 'interrupt' }));
    }),
    readSlot: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ dpcPending: false });
      enqueue(call(context.synic, { type: 'readSlot', sint: context.sint }));
    }),
    handleSlot: enqueueActions(({ context, event, enqueue }) => {
      const { message } = event as { message: Message | null };
      if (message === null) return;
      enqueue.raise({ type: 'vmbusMessage', message });
      // vmbus_signal_eom: clear message_type; the reply carries MessagePending.
      enqueue(call(context.synic, { type: 'clearSlot', sint: context.sint }));
    }),
    eomIfPending: enqueueActions(({ context, event, enqueue }) => {
      if ((event as { messagePending: boolean }).messagePending) enqueue(call(context.synic, { type: 'eom' }));
    }),
    openChannel: enqueueActions(({ context, enqueue }) => {
      // __vmbus_open: the callback is set, then OPEN_CHANNEL names the target VP (and, simplified, the flag).
      enqueue(post(context.server, { type: 'openChannel', vp: context.vp, flag: context.flag }));
    }),
    pollAfterOpen: enqueueActions(({ context, enqueue }) => {
      if (context.style === 'windows') enqueue(call(context.reader, { type: 'poll' }));
    }),
    reply: enqueueActions(({ context, event, enqueue }) => {
      const answer = { versionRequest: 'versionResponse', shutdownRequest: 'shutdownResponse' }[(event as { packet: string }).packet];
      enqueue(post(context.writer, { type: 'send', packet: answer }));
    }),
  },
  guards: {
    dpcPending: ({ context }) => context.dpcPending,
  },
}).createMachine({
  id: 'vmbusGuest',
  context: ({ input }) => {
    if (!Number.isInteger(input.flag) || input.flag < 0 || input.flag >= 2048) throw new Error(`VMBus guest: event flag ${input.flag} is out of range (0..2047)`);
    if (!Number.isInteger(input.sint) || input.sint < 0 || input.sint >= 16) throw new Error(`VMBus guest: SINT ${input.sint} is out of range (0..15)`);
    return { vp: 0, ...input, dpcPending: false };
  },
  type: 'parallel',
  on: {
    sint: { actions: 'isr' },
    flagTested: { actions: 'scheduleChannel' },
    dpc: { guard: 'dpcPending', actions: 'readSlot' },
    slotContents: { actions: 'handleSlot' },
    slotCleared: { actions: 'eomIfPending' },
  },
  states: {
    // The channel as the VMBus driver sees it (Linux vmbus_open; OFFER -> OPEN_CHANNEL -> OPEN_RESULT).
    channel: {
      initial: 'waitOffer',
      on: { vmbusMessage: { actions: fail(({ event }) => `guest got unexpected VMBus message '${(event as { message: Message }).message.type}'`) } },
      states: {
        waitOffer: { on: { vmbusMessage: { guard: messageIs('offerChannel'), target: 'opening', actions: 'openChannel' } } },
        opening: { on: { vmbusMessage: { guard: messageIs('openChannelResult'), target: 'open', actions: 'pollAfterOpen' } } },
        open: {},
      },
    },
    // The shutdown IC driver and the boot test waiting on it.
    boot: {
      initial: 'waiting',
      states: {
        waiting: {
          after: { [BOOT_TIMEOUT_MS]: 'timedOut' },
          on: {
            packet: [
              { guard: packetIs('versionRequest'), actions: 'reply' },
              { guard: packetIs('shutdownRequest'), target: 'booted', actions: 'reply' },
              { actions: fail(({ event }) => `guest got unexpected packet '${(event as { packet: string }).packet}'`) },
            ],
          },
        },
        // The shutdown IC answered: the boot test's wait is over.
        booted: {
          tags: ['end'],
          on: { packet: { actions: fail(({ event }) => `guest got packet '${(event as { packet: string }).packet}' after the shutdown exchange`) } },
        },
        timedOut: { tags: ['end'], on: { packet: {} } },
      },
    },
  },
});

export function vmbusGuestActor(input: VmbusGuestInput): ActorSpec {
  return { machine: vmbusGuestMachine, input, spontaneous: [{ type: 'dpc' }] };
}
