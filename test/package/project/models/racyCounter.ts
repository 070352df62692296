// A user's model, importing the package as the README shows: two workers increment a shared counter.
// Racy, the load and the store are separate steps, so one increment can overwrite the other.
import { assign, setup } from 'xstate';
import { cellsOf, defineScenario, defineSystem, explore, invariant, write } from 'vmbus-check';
import type { CheckResult, SystemDefinition } from 'vmbus-check';
import { builtinScenarios, lostInterrupt } from 'vmbus-check/models';
import { renderTimeline, TRACE_FORMAT } from 'vmbus-check/traces';

function worker(atomic: boolean) {
  const increment = write('count', ({ context, event }) => (atomic ? (cellsOf(event).count as number) : context.loaded) + 1);
  return setup({ types: {} as { context: { loaded: number } } }).createMachine({
    context: { loaded: 0 },
    initial: 'load',
    states: {
      load: {
        on: {
          run: atomic
            ? { target: 'done', actions: increment }
            : { target: 'store', actions: assign({ loaded: ({ event }) => cellsOf(event).count as number }) },
        },
      },
      store: { on: { run: { target: 'done', actions: increment } } },
      done: { type: 'final' },
    },
  });
}

export function counter(atomic: boolean): SystemDefinition {
  const actor = { machine: worker(atomic), spontaneous: [{ type: 'run' }], reads: ['count'] };
  return defineSystem({
    actors: { a: actor, b: actor },
    cells: { count: 0 },
    properties: {
      noLostUpdate: invariant((g) =>
        !(g.actors.a.status === 'done' && g.actors.b.status === 'done') || g.cells.count === 2 || `count is ${g.cells.count} after two increments`),
    },
  });
}

export const scenario = defineScenario({
  name: 'counter',
  description: 'Two workers increment a shared counter',
  variants: [
    { name: 'racy', description: 'load and store are separate steps', expected: 'violated', expectedProperty: 'noLostUpdate', parameters: { atomic: false }, system: () => counter(false) },
    { name: 'atomic', description: 'load and store are one step', expected: 'verified', parameters: { atomic: true }, system: () => counter(true) },
  ],
});

// The library's types reach a user's code: a result, the models, the trace renderers.
const result: CheckResult = explore(counter(false));
export const summary = `${TRACE_FORMAT} ${result.verdict} ${builtinScenarios.length} ${typeof renderTimeline} ${typeof lostInterrupt}`;
