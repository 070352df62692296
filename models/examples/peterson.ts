// Peterson's mutual exclusion for two processes (G. L. Peterson, "Myths about the mutual exclusion
// problem", IPL 12(3), 1981): flag[i] := true; turn := j; await !flag[j] || turn == i; critical; flag[i] := false.
// Each shared-memory access is its own step, as in the textbook interleaving model. The `broken` variant
// swaps the first two stores (turn := j before flag[i] := true), the classic mistake that lets both in.
import { setup, assign } from 'xstate';
import { defineScenario, vocabularyFor } from '../../checker/index.ts';
import type { TypedActorSpec } from '../../checker/index.ts';

// The system's names, declared before its machines: a misspelt process or cell below is a type error.
type Process = 0 | 1;
type Cell = `flag${Process}` | 'turn';
const { cellsOf, defineSystem, invariant, reachable, write } = vocabularyFor<{ actors: `p${Process}`; cells: Cell }>();

export function petersonProcess(me: Process, broken: boolean) {
  const other = (1 - me) as Process;
  const myFlag = `flag${me}` as const;
  const otherFlag = `flag${other}` as const;
  const setFlag = { target: broken ? 'wait' : 'setTurn', actions: write(myFlag, true) };
  const setTurn = { target: broken ? 'setFlag' : 'wait', actions: write('turn', other) };
  return setup({ types: {} as { events: { type: 'step'; cells?: Record<string, unknown> } } }).createMachine({
    id: `peterson${me}`,
    initial: 'idle',
    states: {
      idle: { on: { step: broken ? 'setTurn' : 'setFlag' } },
      setFlag: { on: { step: setFlag } },
      setTurn: { on: { step: setTurn } },
      wait: {
        on: {
          step: {
            guard: ({ event }) => cellsOf(event)[otherFlag] === false || cellsOf(event).turn === me,
            target: 'critical',
          },
        },
      },
      critical: { on: { step: { target: 'idle', actions: write(myFlag, false) } } },
    },
  });
}

export function peterson(broken = false) {
  const proc = (me: Process): TypedActorSpec<Cell> => ({
    machine: petersonProcess(me, broken),
    spontaneous: [{ type: 'step' }],
    reads: ['flag0', 'flag1', 'turn'],
  });
  return defineSystem({
    name: broken ? 'peterson-broken' : 'peterson',
    actors: { p0: proc(0), p1: proc(1) },
    cells: { flag0: false, flag1: false, turn: 0 },
    properties: {
      mutualExclusion: invariant((g) =>
        !(g.actors.p0.matches('critical') && g.actors.p1.matches('critical')) || 'p0 and p1 are both in the critical section', { actors: ['p0', 'p1'] }),
      // Not vacuous: both processes contend at the wait at once.
      bothWait: reachable((g) => g.actors.p0.matches('wait') && g.actors.p1.matches('wait'), { actors: ['p0', 'p1'] }),
    },
  });
}

// The variants as a scenario; exported as `scenario`, so this file is also a model module for the CLI.
export const scenario = defineScenario({
  name: 'peterson',
  description: "Peterson's mutual exclusion for two processes over shared flags and a turn cell",
  variants: [
    {
      name: 'correct',
      description: 'flag[i] := true, then turn := j: never both in the critical section',
      expected: 'verified',
      parameters: { storeOrder: 'flag-then-turn' },
      system: () => peterson(false),
    },
    {
      name: 'broken',
      description: 'turn := j before flag[i] := true: both processes can enter',
      expected: 'violated',
      expectedProperty: 'mutualExclusion',
      parameters: { storeOrder: 'turn-then-flag' },
      system: () => peterson(true),
    },
  ],
});
