// One SynIC message slot (a SINT's entry in the SIM page) as shared memory, with the hypervisor's
// delivery and Linux's end-of-message at the granularity of their loads and stores: what the
// message-level SynIC of models/synic.ts (which keeps the slot in its own context and clears it and
// reads MessagePending in one `clearSlot` call) cannot express, the ordering of vmbus_signal_eom.
//
// Cells: `<slot>.message_type` (the message's name; null is HVMSG_NONE; simplified: the type stands
// for the whole message, payload included) and `<slot>.msg_pending` (message_flags.msg_pending).
//
// Hypervisor (TLFS "SynIC Messages"; the spec's order as Linux KVM arch/x86/kvm/hyperv.c
// synic_deliver_msg states it: "setting .msg_pending before checking .message_type"): with a message
// queued, load message_type; a free slot gets the message (msg_pending = 0, then message_type) and an
// interrupt; an occupied one gets msg_pending = 1, a full fence, and message_type is checked again
// (free now: deliver; still occupied: wait for the guest's EOM, which rescans). Simplified: one
// delivery attempt is one step (KVM: "the entire update is atomic from guest POV"); the hypervisor's
// own accesses are taken as ordered.
//
// Guest (Linux drivers/hv/vmbus_drv.c vmbus_isr -> vmbus_on_msg_dpc, then vmbus_signal_eom in
// drivers/hv/hyperv_vmbus.h, include/asm-generic/mshyperv.h before 2025), one step each:
//   read   READ_ONCE(message_type): HVMSG_NONE -> return; else handle the message
//   clear  `eom: 'cmpxchg'` (Linux today): cmpxchg(message_type, old, HVMSG_NONE), fully ordered ("The
//          cmpxchg() above does an implicit memory barrier to ensure the write to MessageType ...
//          happens before we read the MessagePending"); a failed cmpxchg returns. `'store-mb'`: a plain
//          store of HVMSG_NONE, then mb(). `'store'`: the plain store with the barrier left out (the bug)
//   pending load msg_pending; set -> write the EOM MSR (a `call` of `eom` to the hypervisor)
import { assign, enqueueActions, setup } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call, cmpxchg, load, post, smp_mb, smp_store_mb, stall, write } from '../checker/index.ts';
import type { ActorSpec, CellValue, GlobalView, Property } from '../checker/index.ts';

export type EomOrdering = 'cmpxchg' | 'store-mb' | 'store';
export const EOM_ORDERINGS: readonly EomOrdering[] = ['cmpxchg', 'store-mb', 'store'];

export const simTypeCell = (slot: string) => `${slot}.message_type`;
export const simPendingCell = (slot: string) => `${slot}.msg_pending`;

/** The cells of an empty slot, to spread into a system's `cells`. */
export function simSlotCells(slot: string): Record<string, CellValue> {
  return { [simTypeCell(slot)]: null, [simPendingCell(slot)]: 0 };
}

export interface SimHypervisorInput {
  slot: string;
  /** Messages to deliver, in order. */
  messages: string[];
  /** The guest VP that takes the SINT interrupt ({ type: 'sint' }). */
  interruptTarget: string;
}

const value = (e: AnyEventObject) => e.value as CellValue;

export const simHypervisorMachine = setup({
  types: {} as { context: SimHypervisorInput; input: SimHypervisorInput; events: AnyEventObject; emitted: AnyEventObject },
  guards: {
    nothingQueued: ({ context }) => context.messages.length === 0,
    slotFree: ({ event }) => value(event) === null,
  },
  actions: {
    loadType: enqueueActions(({ context, enqueue }) => { enqueue(load(simTypeCell(context.slot), 'slotType')); }),
    deliver: enqueueActions(({ context, enqueue }) => {
      enqueue(write(simPendingCell(context.slot), 0));
      enqueue(write(simTypeCell(context.slot), context.messages[0]));
      enqueue(post(context.interruptTarget, { type: 'sint' }));
      enqueue.assign({ messages: context.messages.slice(1) });
    }),
    // "setting .msg_pending before checking .message_type", with a full fence between.
    markPending: enqueueActions(({ context, enqueue }) => {
      enqueue(smp_store_mb(simPendingCell(context.slot), 1));
      enqueue(load(simTypeCell(context.slot), 'slotTypeAgain'));
    }),
  },
}).createMachine({
  id: 'simHypervisor',
  context: ({ input }) => ({ ...input }),
  initial: 'check',
  states: {
    check: {
      always: { guard: 'nothingQueued', target: 'idle' },
      on: { step: { target: 'checking', actions: 'loadType' }, eom: {} },
    },
    checking: {
      on: {
        slotType: [{ guard: 'slotFree', target: 'check', actions: 'deliver' }, { target: 'rechecking', actions: 'markPending' }],
      },
    },
    rechecking: {
      on: { slotTypeAgain: [{ guard: 'slotFree', target: 'check', actions: 'deliver' }, { target: 'waitEom' }] },
    },
    idle: { tags: ['end'], on: { eom: {} } },
    // An EOM rescans the queue (TLFS); one that finds nothing to do changes nothing.
    waitEom: { on: { eom: 'check' } },
  },
});

export interface LinuxMessageHandlerInput {
  slot: string;
  /** The hypervisor actor the EOM MSR write reaches. */
  hypervisor: string;
  /** How vmbus_signal_eom frees the slot (default 'cmpxchg', Linux today). */
  eom?: EomOrdering;
}

interface LinuxMessageHandlerContext extends LinuxMessageHandlerInput {
  /** The messages handled, in order. */
  handled: string[];
  /** message_type as vmbus_on_msg_dpc read it (vmbus_signal_eom's old_msg_type). */
  oldType: CellValue;
  /** A SINT interrupt came while the DPC ran. */
  rerun: boolean;
}

export const linuxMessageHandlerMachine = setup({
  types: {} as { context: LinuxMessageHandlerContext; input: LinuxMessageHandlerInput; events: AnyEventObject; emitted: AnyEventObject },
  guards: {
    none: ({ event }) => value(event) === null,
    cmpxchgFailed: ({ context, event }) => value(event) !== context.oldType,
    pending: ({ event }) => value(event) === 1,
    usesCmpxchg: ({ context }) => (context.eom ?? 'cmpxchg') === 'cmpxchg',
  },
  actions: {
    readType: enqueueActions(({ context, enqueue }) => { enqueue(load(simTypeCell(context.slot), 'messageType')); }),
    handle: assign({ handled: ({ context, event }) => [...context.handled, value(event) as string], oldType: ({ event }) => value(event) }),
    clear: enqueueActions(({ context, enqueue }) => {
      const eom = context.eom ?? 'cmpxchg';
      if (eom === 'cmpxchg') { enqueue(cmpxchg(simTypeCell(context.slot), context.oldType, null, 'cleared')); return; }
      enqueue(write(simTypeCell(context.slot), null));
      if (eom === 'store-mb') enqueue(smp_mb());
    }),
    readPending: enqueueActions(({ context, enqueue }) => { enqueue(load(simPendingCell(context.slot), 'msgPending')); }),
    writeEom: enqueueActions(({ context, enqueue }) => { enqueue(call(context.hypervisor, { type: 'eom' })); }),
    forget: assign({ oldType: null }),
  },
}).createMachine({
  id: 'linuxMessageHandler',
  context: ({ input }) => ({ ...input, handled: [], oldType: null, rerun: false }),
  initial: 'idle',
  // A SINT interrupt while the DPC runs: the DPC runs again afterwards (tasklet rescheduled).
  on: { sint: { actions: assign({ rerun: true }) } },
  states: {
    idle: { tags: ['end', 'waitsForInterrupt'], on: { sint: 'read' } },
    // vmbus_on_msg_dpc: message_type = READ_ONCE(msg->header.message_type); HVMSG_NONE -> return.
    read: { on: { step: { target: 'reading', actions: 'readType' } } },
    reading: { on: { messageType: [{ guard: 'none', target: 'done' }, { target: 'clear', actions: 'handle' }] } },
    // vmbus_signal_eom: free the slot.
    clear: {
      on: {
        step: [
          { guard: 'usesCmpxchg', target: 'clearing', actions: 'clear' },
          { target: 'pending', actions: 'clear' },
        ],
      },
    },
    clearing: { on: { cleared: [{ guard: 'cmpxchgFailed', target: 'done', actions: 'forget' }, { target: 'pending' }] } },
    // if (msg->header.message_flags.msg_pending) hv_set_msr(HV_MSR_EOM, 0)
    pending: { on: { step: { target: 'pendingRead', actions: 'readPending' } } },
    pendingRead: { on: { msgPending: [{ guard: 'pending', target: 'done', actions: ['forget', 'writeEom'] }, { target: 'done', actions: 'forget' }] } },
    done: { always: [{ guard: ({ context }) => context.rerun, target: 'read', actions: assign({ rerun: false }) }, { target: 'idle' }] },
  },
});

/** The hypervisor's actor spec: its `step` is one delivery attempt. */
export function simHypervisorActor(input: SimHypervisorInput): ActorSpec {
  return { machine: simHypervisorMachine, input, spontaneous: [{ type: 'step' }] };
}

/** The guest's actor spec. */
export function linuxMessageHandlerActor(input: LinuxMessageHandlerInput): ActorSpec {
  if (input.eom !== undefined && !EOM_ORDERINGS.includes(input.eom)) throw new Error(`message handler: unknown eom ordering '${input.eom}' (expected ${EOM_ORDERINGS.join(', ')})`);
  return { machine: linuxMessageHandlerMachine, input, spontaneous: [{ type: 'step' }] };
}

/**
 * `lostSimMessage(hypervisor, guest)`: at a state where nothing else can happen, the hypervisor still
 * holds a message for a slot it waits to see freed, and the guest, idle, will write no EOM.
 */
export function lostSimMessage(hypervisor: string, guest: string): Property {
  return stall((g: GlobalView) => {
    const queued = (g.actors[hypervisor].context as SimHypervisorInput).messages;
    if (queued.length === 0 || !g.actors[guest].hasTag('waitsForInterrupt') || g.inFlight[guest].length > 0) return false;
    return `message '${queued[0]}' waits in the hypervisor's queue for an EOM that ${guest} will not write`;
  });
}
