// Systems shared by the liveness tests.
import { setup } from 'xstate';
import { cellsOf, defineSystem, leadsTo, write } from '../../checker/index.ts';
import type { Fairness, SystemDefinition } from '../../checker/index.ts';

const run = [{ type: 'run' }];

/** Test-and-set lock: a waiting process enters when it finds the lock free. */
const tasProcess = setup({}).createMachine({
  initial: 'idle',
  states: {
    idle: { on: { run: 'waiting' } },
    waiting: { on: { run: { guard: ({ event }) => cellsOf(event).lock === 0, target: 'critical', actions: write('lock', 1) } } },
    critical: { on: { run: { target: 'idle', actions: write('lock', 0) } } },
  },
});

const bEnters = leadsTo((g) => g.actors.b.matches('waiting') && 'b waits for the lock', (g) => g.actors.b.matches('critical'));

export function tasMutex(fairness: Fairness): SystemDefinition {
  return defineSystem({
    actors: { a: { machine: tasProcess, spontaneous: run, reads: ['lock'] }, b: { machine: tasProcess, spontaneous: run, reads: ['lock'] } },
    cells: { lock: 0 },
    fairness,
    properties: { bEnters },
  });
}

