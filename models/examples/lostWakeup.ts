// The lost-wakeup race (the classic sleep/wakeup bug, e.g. Tanenbaum, "Modern Operating Systems",
// section 2.3.4): a consumer checks `count == 0`, and before it goes to sleep the producer increments
// count and sends a wakeup that nobody waits for. The consumer then sleeps forever with an item ready.
// `fixed` checks and sleeps in one atomic step (what a condition variable's wait does with its lock).
import { setup } from 'xstate';
import { defineScenario, vocabularyFor } from '../../checker/index.ts';

// The system's names, declared before its machines: a misspelt actor or cell below is a type error.
const { cellsOf, defineSystem, post, reachable, stall, write } = vocabularyFor<{ actors: 'consumer' | 'producer'; cells: 'count' }>();

export function lostWakeup(fixed = false) {
  const consumer = setup({}).createMachine({
    id: 'consumer',
    initial: 'check',
    states: {
      check: {
        on: {
          run: fixed
            ? [
                { guard: ({ event }) => cellsOf(event).count === 0, target: 'asleep' },
                { target: 'consume' },
              ]
            : [
                { guard: ({ event }) => cellsOf(event).count === 0, target: 'goingToSleep' },
                { target: 'consume' },
              ],
          wakeup: {}, // a wakeup while awake is dropped: the heart of the bug
        },
      },
      goingToSleep: { on: { run: 'asleep', wakeup: {} } },
      asleep: { on: { wakeup: 'check' }, after: { 1000: 'gaveUp' } },
      consume: { on: { run: { target: 'done', actions: write('count', 0) }, wakeup: {} } },
      gaveUp: { tags: ['end'] },
      done: { tags: ['end'], on: { wakeup: {} } },
    },
  });
  const producer = setup({}).createMachine({
    id: 'producer',
    initial: 'produce',
    states: {
      produce: { on: { run: { target: 'wake', actions: write('count', 1) } } },
      wake: { on: { run: { target: 'done', actions: post('consumer', { type: 'wakeup' }) } } },
      done: { type: 'final' },
    },
  });
  return defineSystem({
    name: fixed ? 'lost-wakeup-fixed' : 'lost-wakeup',
    actors: {
      consumer: { machine: consumer, spontaneous: [{ type: 'run' }], reads: ['count'] },
      producer: { machine: producer, spontaneous: [{ type: 'run' }] },
    },
    cells: { count: 0 },
    properties: {
      lostWakeup: stall((g) => g.cells.count !== 0 && g.actors.consumer.matches('asleep') && 'an item is ready but the consumer sleeps'),
      // Not vacuous: the consumer is asleep when the producer's wakeup is on its way (the race the fix must survive).
      wakeupWhileAsleep: reachable((g) => g.actors.consumer.matches('asleep') && g.inFlight.consumer.length > 0, { actors: ['consumer'], inFlight: ['consumer'] }),
    },
  });
}

// The variants as a scenario; exported as `scenario`, so this file is also a model module for the CLI.
export const scenario = defineScenario({
  name: 'lost-wakeup',
  description: 'A consumer checks for work, then sleeps; a wakeup sent in between is lost',
  variants: [
    {
      name: 'buggy',
      description: 'check and sleep are separate steps: the producer can slip in between',
      expected: 'violated',
      expectedProperty: 'lostWakeup',
      parameters: { atomicSleep: false },
      system: () => lostWakeup(false),
    },
    {
      name: 'fixed',
      description: 'check and sleep are one atomic step, as a condition variable wait is',
      expected: 'verified',
      parameters: { atomicSleep: true },
      system: () => lostWakeup(true),
    },
  ],
});
