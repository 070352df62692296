// The ring benchmark as a scenario module, so that `vmbus-check check bench/ringScenario.ts` times the
// whole command (start-up included) against SPIN end to end. Sizes are fixed here: the buggy variants
// sit in a 2-channel, 8-slot ring (about 1.2 million states when correct).
import { defineScenario } from '../checker/index.ts';
import { ring } from './ringModel.ts';

const size = { channels: 2, slots: 8, values: 8 };

export const scenario = defineScenario({
  name: 'ring',
  description: 'host/port/guest rings over one event port (bench/ringModel.ts)',
  variants: [
    { name: 'correct', description: 'the VMBus signalling protocol', expected: 'verified', parameters: size, system: () => ring(size) },
    {
      name: 'shallow', description: 'the host publishes the write index before filling the slot', expected: 'violated', expectedProperty: 'assertion',
      parameters: { ...size, bug: 'publish-before-fill' }, system: () => ring({ ...size, bug: 'publish-before-fill' }),
    },
    {
      name: 'medium', description: 'the guest unmasks without re-reading the ring: a packet is stranded until the ring fills', expected: 'violated', expectedProperty: 'deadlock',
      parameters: { ...size, bug: 'no-recheck' }, system: () => ring({ ...size, bug: 'no-recheck' }),
    },
  ],
});
