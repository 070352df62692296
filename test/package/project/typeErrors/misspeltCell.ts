// A user's typed model with one mistake: the cell 'count' is misspelt in a write. The package check
// runs tsc on this file and requires exactly that error (and no other), so the typed vocabulary works
// from the packed package's .d.ts files.
import { setup } from 'xstate';
import { vocabularyFor } from 'vmbus-check';

const { write, cellsOf, invariant, defineSystem } = vocabularyFor<{ actors: 'a' | 'b'; cells: 'count' }>();

const worker = setup({}).createMachine({
  initial: 'run',
  states: {
    run: { on: { step: { target: 'done', actions: write('cuont', ({ event }) => (cellsOf(event).count as number) + 1) } } },
    done: { type: 'final' },
  },
});

export const system = defineSystem({
  actors: { a: { machine: worker, reads: ['count'] }, b: { machine: worker, reads: ['count'] } },
  cells: { count: 0 },
  properties: { bounded: invariant((g) => (g.cells.count as number) <= 2) },
});
