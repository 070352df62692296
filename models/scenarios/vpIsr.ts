// A minimal VMBus channel-interrupt handler for one VP, local to the scenarios sint-coalescing and
// modify-channel (the library's Linux interrupt dispatch component is written separately; these two
// scenarios need only the event-flag scan). Linux drivers/hv/vmbus_drv.c vmbus_isr -> vmbus_chan_sched,
// for VMBus >= VERSION_WIN8 (the SIEF page of this CPU, the VMBus SINT's area):
//   for_each_set_bit(relid, recv_int_page, maxbits): sync_test_and_clear_bit (not set any more:
//   continue); relid 0 ("Special case - vmbus channel protocol msg"): continue; relid2channel (none:
//   continue); schedule the channel's callback (HV_CALL_BATCHED: hv_begin_read and the tasklet, which
//   the ring reader does on `interrupt`). A rescinded channel and a NULL callback are not modelled.
// `scan: 'first-bit'` is a known-wrong handler that dispatches only the lowest set bit and leaves the
// rest for the next interrupt, which under APIC coalescing never comes. With the SynIC's 'apic'
// delivery the handler first takes the interrupt (`acceptInterrupt`, the IRR bit clears).
// Simplified: the whole handler is one step (taking the interrupt, the scan and the dispatch); SIM
// messages are not handled (no control message goes through this VP's slot in these scenarios); an
// offline CPU takes no interrupt ({ type: 'offline' }, from hv_synic_cleanup).
import { assign, enqueueActions, setup } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call } from '../../checker/index.ts';
import type { ActorSpec } from '../../checker/index.ts';

export interface VpIsrInput {
  synic: string;
  sint: number;
  /** The ring reader of each channel, by relid (its event flag). */
  channels: Record<string, string>;
  scan: 'all-bits' | 'first-bit';
  /** The SynIC delivers with 'apic': take the interrupt first. */
  acceptInterrupts: boolean;
}

interface VpIsrContext extends VpIsrInput {
  online: boolean;
}

type VpIsrEvent =
  | { type: 'sint'; sint: number }
  | { type: 'flagsRead'; flags: number[] }
  | { type: 'flagTested'; flag: number; wasSet: boolean }
  | { type: 'offline' };

export const vpIsrMachine = setup({
  types: {} as { context: VpIsrContext; events: VpIsrEvent; input: VpIsrInput; emitted: AnyEventObject },
  actions: {
    isr: enqueueActions(({ context, enqueue }) => {
      if (!context.online) return;
      if (context.acceptInterrupts) enqueue(call(context.synic, { type: 'acceptInterrupt', sint: context.sint }));
      enqueue(call(context.synic, { type: 'readFlags', sint: context.sint }));
    }),
    scan: enqueueActions(({ context, event, enqueue }) => {
      const set = (event as { flags: number[] }).flags;
      for (const flag of context.scan === 'all-bits' ? set : set.slice(0, 1)) enqueue(call(context.synic, { type: 'testAndClearFlag', sint: context.sint, flag }));
    }),
    dispatch: enqueueActions(({ context, event, enqueue }) => {
      const { flag, wasSet } = event as { flag: number; wasSet: boolean };
      const reader = context.channels[String(flag)];
      if (wasSet && flag !== 0 && reader !== undefined) enqueue(call(reader, { type: 'interrupt' }));
    }),
  },
}).createMachine({
  id: 'vpIsr',
  context: ({ input }) => ({ ...input, online: true }),
  initial: 'running',
  states: {
    running: {
      tags: ['end'],
      on: {
        sint: { actions: 'isr' },
        flagsRead: { actions: 'scan' },
        flagTested: { actions: 'dispatch' },
        offline: { actions: assign({ online: false }) },
      },
    },
  },
});

export function vpIsrActor(input: VpIsrInput): ActorSpec {
  return { machine: vpIsrMachine, input };
}
