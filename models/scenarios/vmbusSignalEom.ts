// Linux's end-of-message against the hypervisor's message delivery, at the granularity of the SIM
// slot's loads and stores (models/simMessageSlot.ts): vmbus_signal_eom must make its HVMSG_NONE store
// visible before it reads msg_pending, or it is store buffering against the hypervisor, which sets
// msg_pending and re-checks message_type: the guest reads msg_pending clear, the hypervisor still sees
// the slot occupied, nobody writes EOM and the next message stays queued.
import { defineScenario, defineSystem, invariant, stall } from '../../checker/index.ts';
import type { MemoryModelName, SystemDefinition } from '../../checker/index.ts';
import { linuxMessageHandlerActor, lostSimMessage, simHypervisorActor, simSlotCells } from '../simMessageSlot.ts';
import type { EomOrdering } from '../simMessageSlot.ts';

const MESSAGES = ['m1', 'm2'];
const SLOT = 'sint2';

export function vmbusSignalEom(memory: MemoryModelName, eom: EomOrdering): SystemDefinition {
  return defineSystem({
    name: `vmbus-signal-eom (${memory})`,
    memory,
    actors: {
      hypervisor: simHypervisorActor({ slot: SLOT, messages: MESSAGES, interruptTarget: 'guest' }),
      guest: linuxMessageHandlerActor({ slot: SLOT, hypervisor: 'hypervisor', eom }),
    },
    cells: simSlotCells(SLOT),
    properties: {
      lostMessage: lostSimMessage('hypervisor', 'guest'),
      allHandled: stall((g) => (g.actors.guest.context as { handled: string[] }).handled.length < MESSAGES.length && 'the guest has not handled every message'),
      inOrder: invariant((g) => {
        const handled = (g.actors.guest.context as { handled: string[] }).handled;
        return handled.every((m, i) => m === MESSAGES[i]) || `the guest handled ${JSON.stringify(handled)}`;
      }, { actors: ['guest'] }),
    },
  });
}

export const vmbusSignalEomScenario = defineScenario({
  name: 'vmbus-signal-eom',
  description: 'Linux vmbus_signal_eom (drivers/hv/hyperv_vmbus.h): free the SynIC message slot, a full barrier, then read msg_pending and write EOM; two messages for one SINT',
  variants: [
    {
      name: 'cmpxchg', description: 'Linux today: cmpxchg(message_type, old, HVMSG_NONE), fully ordered, then msg_pending',
      expected: 'verified', memory: 'arm', expectedUnder: { sc: 'verified', tso: 'verified' },
      parameters: { eom: 'cmpxchg' }, system: () => vmbusSignalEom('arm', 'cmpxchg'),
    },
    {
      name: 'store-mb', description: 'message_type = HVMSG_NONE; mb(); then msg_pending',
      expected: 'verified', memory: 'arm', expectedUnder: { sc: 'verified', tso: 'verified' },
      parameters: { eom: 'store-mb' }, system: () => vmbusSignalEom('arm', 'store-mb'),
    },
    {
      name: 'no-eom-barrier', description: 'message_type = HVMSG_NONE with no barrier before the msg_pending load: the load passes the buffered store while the hypervisor sets msg_pending and still sees the slot occupied; no EOM, the next message stays queued (violated under tso and arm: lostMessage; verified under sc)',
      expected: 'violated', expectedProperty: 'lostMessage', memory: 'tso', expectedUnder: { sc: 'verified', arm: 'violated' },
      parameters: { eom: 'store' }, system: () => vmbusSignalEom('tso', 'store'),
    },
  ],
});
