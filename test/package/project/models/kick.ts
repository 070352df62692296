// A user's scenario with a settable parameter, written against the package: `vcpus` virtual processors
// (vp[0], vp[1], ...) each count one event into a shared counter. Racy, the load and the store are
// separate steps, so with two or more vCPUs one count can overwrite another; atomic, they are one step.
import { assign, setup } from 'xstate';
import { cellsOf, defineScenario, defineSystem, defineVariant, invariant, param, write } from 'vmbus-check';

function vp(atomic: boolean) {
  const count = write('events', ({ context, event }) => (atomic ? (cellsOf(event).events as number) : context.seen) + 1);
  return setup({ types: {} as { context: { seen: number } } }).createMachine({
    context: { seen: 0 },
    initial: 'load',
    states: {
      load: { on: { run: atomic ? { target: 'done', actions: count } : { target: 'store', actions: assign({ seen: ({ event }) => cellsOf(event).events as number }) } } },
      store: { on: { run: { target: 'done', actions: count } } },
      done: { type: 'final' },
    },
  });
}

function kick(vcpus: number, atomic: boolean) {
  const names = Array.from({ length: vcpus }, (_, i) => `vp[${i}]`);
  const actor = { machine: vp(atomic), spontaneous: [{ type: 'run' }], reads: ['events'] };
  return defineSystem({
    actors: Object.fromEntries(names.map((n) => [n, actor])),
    cells: { events: 0 },
    properties: {
      noLostEvent: invariant((g) => !names.every((n) => g.actors[n].status === 'done') || g.cells.events === vcpus || `${g.cells.events} of ${vcpus} events counted`),
    },
  });
}

const params = { vcpus: param.integer(2, { min: 1, max: 4, description: 'virtual processors counting an event' }) };

export const scenario = defineScenario({
  name: 'kick',
  description: 'vCPUs count events into a shared counter',
  variants: [
    defineVariant({ name: 'racy', description: 'load and store are separate steps', expected: 'violated', expectedProperty: 'noLostEvent', params, system: ({ vcpus }) => kick(vcpus, false) }),
    defineVariant({ name: 'atomic', description: 'load and store are one step', expected: 'verified', params, system: ({ vcpus }) => kick(vcpus, true) }),
  ],
});
