// The host's port for signalling one channel's event to the guest: OpenVMM `GuestEventPort`
// (vmm_core/virt_whp/src/synic.rs: EmulatedGuestEventPort, OffloadedGuestEventPortNoTrigger; OpenHCL's
// UhEventPort has the same shape). Its parameters (vtl, vp, sint, flag) are an Option that starts None;
// `set` arms it, `clear` disarms it. The interrupt closure reads the parameters at signal time and does
// nothing while they are None: a signal to an unarmed port is lost, not latched (OpenVMM #715).
// When armed, a signal is HvSignalEvent on the target VP's SynIC (GlobalSynic::signal_event), whose
// result the port ignores.
//
// Use: `guestEventPortActor({ synics: ['synic'] })` (the SynIC actor of each VP, indexed by VP number).
// Events, all `call`s: { type: 'arm', vp, sint, flag } (GuestEventPort::set), { type: 'close' }
// (clear), { type: 'signal' } (Interrupt::deliver, e.g. a ring writer's signal). No replies.
// Simplified: VTL is not modelled (one VTL); arming cannot fail (#717 makes a failed arm fail the open).
import { setup, assign, enqueueActions } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call } from '../checker/index.ts';
import type { ActorSpec } from '../checker/index.ts';

export interface GuestEventPortInput {
  /** The SynIC actor of each VP, indexed by VP number. */
  synics: string[];
}

interface Target {
  vp: number;
  sint: number;
  flag: number;
}

interface GuestEventPortContext extends GuestEventPortInput {
  target: Target | null;
}

type GuestEventPortEvent =
  | ({ type: 'arm' } & Target)
  | { type: 'close' }
  | { type: 'signal' }
  | { type: 'signalResult' };

export const guestEventPortMachine = setup({
  types: {} as { context: GuestEventPortContext; events: GuestEventPortEvent; input: GuestEventPortInput; emitted: AnyEventObject },
  actions: {
    arm: assign({
      target: ({ context, event }) => {
        const e = event as Target;
        // GuestEventPort::set names a VP, a SINT and a flag the SynIC has: anything else is a model error.
        if (context.synics[e.vp] === undefined) throw new Error(`event port armed for VP ${e.vp}, which has no SynIC actor (synics: ${context.synics.join(', ')})`);
        if (!Number.isInteger(e.sint) || e.sint < 0 || e.sint >= 16) throw new Error(`event port armed for SINT ${e.sint}, out of range (0..15)`);
        if (!Number.isInteger(e.flag) || e.flag < 0 || e.flag >= 2048) throw new Error(`event port armed for event flag ${e.flag}, out of range (0..2047)`);
        return { vp: e.vp, sint: e.sint, flag: e.flag };
      },
    }),
    disarm: assign({ target: null }),
    signalEvent: enqueueActions(({ context, enqueue }) => {
      const t = context.target!;
      const synic = context.synics[t.vp];
      if (synic === undefined) throw new Error(`event port armed for VP ${t.vp}, which has no SynIC actor`);
      enqueue(call(synic, { type: 'signalEvent', sint: t.sint, flag: t.flag }));
    }),
  },
}).createMachine({
  id: 'guestEventPort',
  context: ({ input }) => {
    if (!Array.isArray(input.synics) || input.synics.length === 0) throw new Error('guest event port: synics must name the SynIC actor of at least one VP');
    return { ...input, target: null };
  },
  initial: 'notCreated',
  on: {
    arm: { target: '.armed', actions: 'arm' },
    close: { target: '.closed', actions: 'disarm' },
    // The port ignores HvSignalEvent's status (EmulatedGuestEventPort::interrupt).
    signalResult: {},
  },
  states: {
    notCreated: {
      tags: ['end'],
      // EmulatedGuestEventPort::interrupt: parameters None -> the signal does nothing (OpenVMM #715).
      on: { signal: {} },
    },
    armed: {
      tags: ['end'],
      on: { signal: { actions: 'signalEvent' } },
    },
    closed: {
      tags: ['end'],
      on: { signal: {} },
    },
  },
});

export function guestEventPortActor(input: GuestEventPortInput): ActorSpec {
  return { machine: guestEventPortMachine, input };
}
