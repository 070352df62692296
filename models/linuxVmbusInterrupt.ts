// The Linux VMBus interrupt path of one VP, shared by every channel on the VMBus SINT, so a guest model
// does not carry its own copy of the ISR (Linux drivers/hv/vmbus_drv.c and drivers/hv/connection.c):
//   vmbus_isr -> vmbus_chan_sched   for each relid whose bit is set in the SIEF page (for_each_set_bit over
//                                   recv_int_page), sync_test_and_clear_bit(relid) (relid 0 is the VMBus
//                                   protocol itself: skipped); then, in this order:
//                                     relid2channel(relid) == NULL          -> skip (no channel mapped)
//                                     channel->rescind                      -> skip
//                                     channel->onchannel_callback == NULL   -> skip (under sched_lock)
//                                   else by channel->callback_mode: HV_CALL_ISR runs the callback in the
//                                   ISR; HV_CALL_BATCHED does hv_begin_read and schedules the tasklet;
//                                   HV_CALL_DIRECT schedules the tasklet. All three are the channel
//                                   callback's `call` (the ring reader, models/ringReader.ts, does the
//                                   mode's hv_begin_read on `interrupt`, so the mode is the reader's).
//   vmbus_isr (then)                the message SINT: the message DPC (vmbus_on_msg_dpc) reads the SIM slot,
//                                   hands the message to the VMBus driver and frees the slot with
//                                   vmbus_signal_eom (clear message_type; EOM if MessagePending).
// The channel table is the driver's to change, each a `call` from the guest driver (models/vmbusDriver.ts):
//   { type: 'mapRelid', relid }      vmbus_process_offer -> vmbus_channel_map_relid: relid2channel finds a
//                                    new channel object, rescind clear, no callback yet
//   { type: 'setCallback', relid }   __vmbus_open (drivers/hv/channel.c): onchannel_callback set, before
//                                    OPEN_CHANNEL is sent
//   { type: 'resetCallback', relid } vmbus_reset_channel_cb (vmbus_close_internal; and vmbus_onoffer_rescind
//                                    since "Drivers: hv: vmbus: Reset the channel callback in
//                                    vmbus_onoffer_rescind()", Dexuan Cui, 2018)
//   { type: 'rescind', relid }       vmbus_onoffer_rescind -> vmbus_rescind_cleanup: channel->rescind = true
//                                    (with vmbus_reset_channel_cb first)
//   { type: 'unmapRelid', relid }    hv_process_channel_removal -> vmbus_channel_unmap_relid, before
//                                    vmbus_release_relid
//
// Use: `linuxVmbusInterruptActor({ synic, sint, messageHandler, channels: [{ relid, callback }] })`; make it
// the SynIC's `interruptTarget`. The message handler receives { type: 'vmbusMessage', message } by `call`.
// Spontaneous step: `dpc`. Each channel's callback is a Signal (e.g. { to: 'guestReader', event: {
// type: 'interrupt' } }). Idle between interrupts; tagged `end`.
// Simplified: one VP; the DPC is scheduled on every interrupt (vmbus_isr schedules it only when the SIM
// slot is occupied; a DPC that finds the slot empty does nothing) and reads, handles and frees a message
// in one step; the channel work items of channel_mgmt.c (offer, rescind) run in the handler's step;
// channels are listed up front by relid (the relids the host will offer), and only their bits are
// tested: a bit of an unlisted relid stays set, where Linux's scan would clear it and skip it.
import { enqueueActions, setup } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call } from '../checker/index.ts';
import type { ActorSpec } from '../checker/index.ts';
import type { Signal } from './ringWriter.ts';

export interface LinuxInterruptChannel {
  /** The channel's relid: its SIEF bit (the guest gives child_relid as the event flag). */
  relid: number;
  /** The channel callback (vmbus_chan_sched's callback or tasklet). */
  callback: Signal;
}

export interface LinuxVmbusInterruptInput {
  /** This VP's SynIC actor. */
  synic: string;
  /** The VMBus SINT (Linux VMBUS_MESSAGE_SINT = 2). */
  sint: number;
  /** Receives each VMBus control message: the guest's VMBus driver. */
  messageHandler: string;
  channels: LinuxInterruptChannel[];
}

/** What relid2channel finds for a relid, and the fields vmbus_chan_sched tests. */
export interface ChannelEntry {
  mapped: boolean;
  rescind: boolean;
  callbackSet: boolean;
  /** Callbacks run (channel->interrupts). */
  interrupts: number;
}

interface LinuxVmbusInterruptContext extends LinuxVmbusInterruptInput {
  table: Record<string, ChannelEntry>;
  dpcPending: boolean;
}

type Message = { type: string } & Record<string, unknown>;

type LinuxVmbusInterruptEvent =
  | { type: 'sint'; sint: number }
  | { type: 'flagTested'; flag: number; wasSet: boolean }
  | { type: 'dpc' }
  | { type: 'slotContents'; message: Message | null; messagePending: boolean }
  | { type: 'slotCleared'; messagePending: boolean }
  | { type: 'mapRelid' | 'setCallback' | 'resetCallback' | 'rescind' | 'unmapRelid'; relid: number };

const FRESH: ChannelEntry = { mapped: false, rescind: false, callbackSet: false, interrupts: 0 };

function entryOf(c: LinuxVmbusInterruptContext, relid: number): ChannelEntry {
  const e = c.table[String(relid)];
  if (e === undefined) throw new Error(`VMBus interrupt: relid ${relid} is not one of the channels listed (${c.channels.map((x) => x.relid).join(', ')})`);
  return e;
}

function withEntry(c: LinuxVmbusInterruptContext, relid: number, change: (e: ChannelEntry) => ChannelEntry): Record<string, ChannelEntry> {
  return { ...c.table, [String(relid)]: change(entryOf(c, relid)) };
}

export const linuxVmbusInterruptMachine = setup({
  types: {} as { context: LinuxVmbusInterruptContext; events: LinuxVmbusInterruptEvent; input: LinuxVmbusInterruptInput; emitted: AnyEventObject },
  actions: {
    isr: enqueueActions(({ context, enqueue }) => {
      // vmbus_chan_sched: for_each_set_bit, ascending relids; each test-and-clear answers flagTested.
      for (const ch of context.channels) enqueue(call(context.synic, { type: 'testAndClearFlag', sint: context.sint, flag: ch.relid }));
      enqueue.assign({ dpcPending: true });
    }),
    schedule: enqueueActions(({ context, event, enqueue }) => {
      const { flag, wasSet } = event as { flag: number; wasSet: boolean };
      if (!wasSet) return;
      const e = entryOf(context, flag);
      // relid2channel, channel->rescind, onchannel_callback == NULL: each a skip, in the code's order.
      if (!e.mapped || e.rescind || !e.callbackSet) return;
      const ch = context.channels.find((x) => x.relid === flag)!;
      enqueue.assign({ table: withEntry(context, flag, (x) => ({ ...x, interrupts: x.interrupts + 1 })) });
      enqueue(call(ch.callback.to, ch.callback.event));
    }),
    readSlot: enqueueActions(({ context, enqueue }) => {
      enqueue.assign({ dpcPending: false });
      enqueue(call(context.synic, { type: 'readSlot', sint: context.sint }));
    }),
    handleSlot: enqueueActions(({ context, event, enqueue }) => {
      const { message } = event as { message: Message | null };
      if (message === null) return;
      enqueue(call(context.messageHandler, { type: 'vmbusMessage', message }));
      // vmbus_signal_eom: clear message_type; the reply carries MessagePending.
      enqueue(call(context.synic, { type: 'clearSlot', sint: context.sint }));
    }),
    eomIfPending: enqueueActions(({ context, event, enqueue }) => {
      if ((event as { messagePending: boolean }).messagePending) enqueue(call(context.synic, { type: 'eom' }));
    }),
    mapRelid: enqueueActions(({ context, event, enqueue }) => {
      // A new channel object (vmbus_onoffer -> alloc_channel): a reoffered relid starts clean.
      enqueue.assign({ table: withEntry(context, (event as { relid: number }).relid, () => ({ ...FRESH, mapped: true })) });
    }),
    setCallback: enqueueActions(({ context, event, enqueue }) => {
      enqueue.assign({ table: withEntry(context, (event as { relid: number }).relid, (x) => ({ ...x, callbackSet: true })) });
    }),
    resetCallback: enqueueActions(({ context, event, enqueue }) => {
      enqueue.assign({ table: withEntry(context, (event as { relid: number }).relid, (x) => ({ ...x, callbackSet: false })) });
    }),
    rescind: enqueueActions(({ context, event, enqueue }) => {
      // vmbus_onoffer_rescind: vmbus_reset_channel_cb, then vmbus_rescind_cleanup sets channel->rescind.
      enqueue.assign({ table: withEntry(context, (event as { relid: number }).relid, (x) => ({ ...x, callbackSet: false, rescind: true })) });
    }),
    unmapRelid: enqueueActions(({ context, event, enqueue }) => {
      enqueue.assign({ table: withEntry(context, (event as { relid: number }).relid, () => ({ ...FRESH })) });
    }),
  },
  guards: {
    dpcPending: ({ context }) => context.dpcPending,
  },
}).createMachine({
  id: 'linuxVmbusInterrupt',
  context: ({ input }) => {
    if (!Number.isInteger(input.sint) || input.sint < 0 || input.sint >= 16) throw new Error(`VMBus interrupt: SINT ${input.sint} is out of range (0..15)`);
    if (!Array.isArray(input.channels) || input.channels.length === 0) throw new Error('VMBus interrupt: list at least one channel');
    const table: Record<string, ChannelEntry> = {};
    for (const ch of input.channels) {
      // Relid 0 is the VMBus protocol's own (vmbus_chan_sched skips it); a SIEF page has 2048 bits per SINT.
      if (!Number.isInteger(ch.relid) || ch.relid < 1 || ch.relid >= 2048) throw new Error(`VMBus interrupt: relid ${ch.relid} is out of range (1..2047)`);
      if (table[String(ch.relid)] !== undefined) throw new Error(`VMBus interrupt: relid ${ch.relid} is listed twice`);
      table[String(ch.relid)] = { ...FRESH };
    }
    return { ...input, table, dpcPending: false };
  },
  initial: 'running',
  states: {
    running: {
      tags: ['end'],
      on: {
        sint: { actions: 'isr' },
        flagTested: { actions: 'schedule' },
        dpc: { guard: 'dpcPending', actions: 'readSlot' },
        slotContents: { actions: 'handleSlot' },
        slotCleared: { actions: 'eomIfPending' },
        mapRelid: { actions: 'mapRelid' },
        setCallback: { actions: 'setCallback' },
        resetCallback: { actions: 'resetCallback' },
        rescind: { actions: 'rescind' },
        unmapRelid: { actions: 'unmapRelid' },
      },
    },
  },
});

export function linuxVmbusInterruptActor(input: LinuxVmbusInterruptInput): ActorSpec {
  return { machine: linuxVmbusInterruptMachine, input, spontaneous: [{ type: 'dpc' }] };
}
