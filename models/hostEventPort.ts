// The host's port for one channel's guest-to-host signals: OpenVMM `SynicPortAccess::add_event_port`
// (vm/devices/vmbus/vmbus_server/src/lib.rs), registered for the channel's connection ID. The guest
// signals with HvSignalEvent(connection_id) (Linux drivers/hv/channel.c vmbus_setevent ->
// hv_do_fast_hypercall8(HVCALL_SIGNAL_EVENT, ...)); the hypervisor routes it to the port, whose event
// wakes the device's incoming ring (OpenVMM `guest_to_host_event`). While no port is registered for the
// connection ID, the hypercall has nowhere to go (TLFS HvCallSignalEvent: HV_STATUS_INVALID_CONNECTION_ID)
// and the signal is lost; Linux ignores the hypercall's status.
// When the server creates it changed twice:
//   #649 (commit ec7cfcb63, "delay interrupt creation until open response"): in complete_open, after
//        the device was notified; still so at #662 (ddb531623) and #717 (e85384dec), lib.rs complete_open;
//   #1850 (commit 943b003a7, "revert to creating interrupts before channel open"): when the open request
//        arrives, before the device is notified ("N.B. The event port must be created before the device is
//        notified of the open ... so that the guest can send interrupts").
//
// Use: `hostEventPortActor({ target })`, where `target` is the host-side reader's interrupt. Events, all
// `call`s: { type: 'create' } (add_event_port; again after a close, for a reopen), { type: 'close' } (the
// port dropped at close or revoke),
// { type: 'signal' } (the guest's HvSignalEvent). A signal that finds no port changes nothing, as on the
// host: a trace marks it ignored (a lost arrow in the diagram).
// Simplified: one connection ID per port; monitored (MNF) signalling is not modelled.
import { enqueueActions, setup } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call } from '../checker/index.ts';
import type { ActorSpec } from '../checker/index.ts';
import type { Signal } from './ringWriter.ts';

export interface HostEventPortInput {
  /** What a signal on the created port does: the host reader's interrupt. */
  target: Signal;
}

type HostEventPortContext = HostEventPortInput;

type HostEventPortEvent = { type: 'create' } | { type: 'close' } | { type: 'signal' };

export const hostEventPortMachine = setup({
  types: {} as { context: HostEventPortContext; events: HostEventPortEvent; input: HostEventPortInput; emitted: AnyEventObject },
  actions: {
    wake: enqueueActions(({ context, enqueue }) => { enqueue(call(context.target.to, context.target.event)); }),
  },
}).createMachine({
  id: 'hostEventPort',
  context: ({ input }) => ({ ...input }),
  initial: 'notCreated',
  states: {
    notCreated: { tags: ['end'], on: { create: 'created', signal: {}, close: {} } },
    created: { tags: ['end'], on: { signal: { actions: 'wake' }, close: 'closed' } },
    // A reopen (or the open of a reoffered channel) registers the port again.
    closed: { tags: ['end'], on: { create: 'created', signal: {}, close: {} } },
  },
});

export function hostEventPortActor(input: HostEventPortInput): ActorSpec {
  return { machine: hostEventPortMachine, input };
}
