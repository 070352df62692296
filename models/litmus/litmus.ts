// The classic litmus tests (Alglave, Maranget, Tautschnig, "Herding cats", TOPLAS 2014; the herd7 and
// diy7 test names), written with the public API: each thread is an XState machine that takes one
// instruction per step, and the outcome is a `stall` property judged when everything has finished and
// every store buffer has drained, so "violated" means "the outcome is reachable".
import { assign, setup } from 'xstate';
import type { AnyStateMachine } from 'xstate';
import {
  defineSystem, fence, load, smp_load_acquire, smp_store_release, stall, write,
} from '../../checker/index.ts';
import type { ActorSpec, FenceName, GlobalView, MemoryModelName, SystemDefinition } from '../../checker/index.ts';

export type Instruction =
  | { st: string; v: number; release?: boolean }
  | { ld: string; r: string; acquire?: boolean }
  | { fence: FenceName };

export interface LitmusTest {
  name: string;
  /** The outcome in the words of the literature. */
  outcome: string;
  threads: Instruction[][];
  /** Whether the outcome holds of the final registers (`r`) and memory (`m`). */
  holds: (r: Record<string, number>, m: Record<string, number>) => boolean;
  /** Whether herd7's model allows the outcome, per memory model (the issue's table, "Herding cats"). */
  allowed: Record<MemoryModelName, boolean>;
  /** Why the `arm` model cannot match the hardware on this test, when it cannot. */
  armLimitation?: string;
}

/** One machine per thread: state i runs instruction i on the spontaneous event `run`. */
function threadMachine(program: Instruction[]): AnyStateMachine {
  const states: Record<string, any> = {};
  program.forEach((ins, i) => {
    const next = `i${i + 1}`;
    if ('st' in ins) {
      states[`i${i}`] = { on: { run: { target: next, actions: ins.release ? smp_store_release(ins.st, ins.v) : write(ins.st, ins.v) } } };
    } else if ('ld' in ins) {
      states[`i${i}`] = { on: { run: { target: `w${i}`, actions: ins.acquire ? smp_load_acquire(ins.ld) : load(ins.ld) } } };
      states[`w${i}`] = { on: { loaded: { target: next, actions: assign(({ context, event }: any) => ({ regs: { ...context.regs, [ins.r]: event.value } })) } } };
    } else {
      states[`i${i}`] = { on: { run: { target: next, actions: fence(ins.fence) } } };
    }
  });
  states[`i${program.length}`] = { type: 'final' };
  return setup({}).createMachine({ context: { regs: {} as Record<string, number> }, initial: 'i0', states });
}

/** The litmus test as a system: property `outcome` is violated exactly when the outcome is reachable. */
export function litmusSystem(test: LitmusTest, memory: MemoryModelName): SystemDefinition {
  const cells: Record<string, number> = {};
  for (const t of test.threads) for (const ins of t) if ('st' in ins) cells[ins.st] = 0; else if ('ld' in ins) cells[ins.ld] = 0;
  const actors: Record<string, ActorSpec> = {};
  test.threads.forEach((t, i) => { actors[`P${i}`] = { machine: threadMachine(t), spontaneous: [{ type: 'run' }] }; });
  const finalOutcome = (g: GlobalView) => {
    const regs: Record<string, number> = {};
    for (const name of Object.keys(actors)) Object.assign(regs, g.actors[name].context.regs);
    return test.holds(regs, g.cells as Record<string, number>) && `${test.name}: ${test.outcome}`;
  };
  return defineSystem({ name: test.name, memory, actors, cells, properties: { outcome: stall(finalOutcome) } });
}

const st = (cell: string, v: number, release = false): Instruction => ({ st: cell, v, release });
const ld = (cell: string, r: string, acquire = false): Instruction => ({ ld: cell, r, acquire });
const mb: Instruction = { fence: 'full' };
const wmb: Instruction = { fence: 'store' };
const rmb: Instruction = { fence: 'load' };

const ARM_LB = 'the arm model has no promises, so a load is never satisfied after a later store of its thread (load buffering)';

export const LITMUS_TESTS: LitmusTest[] = [
  {
    name: 'SB', outcome: 'both loads read 0', threads: [[st('x', 1), ld('y', 'r0')], [st('y', 1), ld('x', 'r1')]],
    holds: (r) => r.r0 === 0 && r.r1 === 0, allowed: { sc: false, tso: true, arm: true },
  },
  {
    name: 'SB+mbs', outcome: 'both loads read 0', threads: [[st('x', 1), mb, ld('y', 'r0')], [st('y', 1), mb, ld('x', 'r1')]],
    holds: (r) => r.r0 === 0 && r.r1 === 0, allowed: { sc: false, tso: false, arm: false },
  },
  {
    name: 'MP', outcome: 'flag seen, data stale', threads: [[st('x', 1), st('y', 1)], [ld('y', 'r0'), ld('x', 'r1')]],
    holds: (r) => r.r0 === 1 && r.r1 === 0, allowed: { sc: false, tso: false, arm: true },
  },
  {
    name: 'MP+wmb+rmb', outcome: 'flag seen, data stale', threads: [[st('x', 1), wmb, st('y', 1)], [ld('y', 'r0'), rmb, ld('x', 'r1')]],
    holds: (r) => r.r0 === 1 && r.r1 === 0, allowed: { sc: false, tso: false, arm: false },
  },
  {
    name: 'MP+rel+acq', outcome: 'flag seen, data stale', threads: [[st('x', 1), st('y', 1, true)], [ld('y', 'r0', true), ld('x', 'r1')]],
    holds: (r) => r.r0 === 1 && r.r1 === 0, allowed: { sc: false, tso: false, arm: false },
  },
  {
    name: 'MP+wmb', outcome: 'flag seen, data stale', threads: [[st('x', 1), wmb, st('y', 1)], [ld('y', 'r0'), ld('x', 'r1')]],
    holds: (r) => r.r0 === 1 && r.r1 === 0, allowed: { sc: false, tso: false, arm: true },
  },
  {
    name: 'MP+rmb', outcome: 'flag seen, data stale', threads: [[st('x', 1), st('y', 1)], [ld('y', 'r0'), rmb, ld('x', 'r1')]],
    holds: (r) => r.r0 === 1 && r.r1 === 0, allowed: { sc: false, tso: false, arm: true },
  },
  {
    name: 'LB', outcome: 'both loads read 1', threads: [[ld('x', 'r0'), st('y', 1)], [ld('y', 'r1'), st('x', 1)]],
    holds: (r) => r.r0 === 1 && r.r1 === 1, allowed: { sc: false, tso: false, arm: true }, armLimitation: ARM_LB,
  },
  {
    name: '2+2W', outcome: 'both first stores last', threads: [[st('x', 1), st('y', 2)], [st('y', 1), st('x', 2)]],
    holds: (_r, m) => m.x === 1 && m.y === 1, allowed: { sc: false, tso: false, arm: true },
  },
  {
    name: 'IRIW', outcome: 'readers disagree on the order of the writes',
    threads: [[st('x', 1)], [st('y', 1)], [ld('x', 'r0'), ld('y', 'r1')], [ld('y', 'r2'), ld('x', 'r3')]],
    holds: (r) => r.r0 === 1 && r.r1 === 0 && r.r2 === 1 && r.r3 === 0, allowed: { sc: false, tso: false, arm: true },
  },
  {
    name: 'IRIW+rmbs', outcome: 'readers disagree on the order of the writes',
    threads: [[st('x', 1)], [st('y', 1)], [ld('x', 'r0'), rmb, ld('y', 'r1')], [ld('y', 'r2'), rmb, ld('x', 'r3')]],
    holds: (r) => r.r0 === 1 && r.r1 === 0 && r.r2 === 1 && r.r3 === 0, allowed: { sc: false, tso: false, arm: false },
  },
  {
    name: 'IRIW+acqs', outcome: 'readers disagree on the order of the writes',
    threads: [[st('x', 1)], [st('y', 1)], [ld('x', 'r0', true), ld('y', 'r1')], [ld('y', 'r2', true), ld('x', 'r3')]],
    holds: (r) => r.r0 === 1 && r.r1 === 0 && r.r2 === 1 && r.r3 === 0, allowed: { sc: false, tso: false, arm: false },
  },
  {
    name: 'WRC+rel+acq', outcome: 'stale read at the end',
    threads: [[st('x', 1)], [ld('x', 'r0'), st('y', 1, true)], [ld('y', 'r1', true), ld('x', 'r2')]],
    holds: (r) => r.r0 === 1 && r.r1 === 1 && r.r2 === 0, allowed: { sc: false, tso: false, arm: false },
  },
  {
    name: 'WRC+mb+rmb', outcome: 'stale read at the end',
    threads: [[st('x', 1)], [ld('x', 'r0'), mb, st('y', 1)], [ld('y', 'r1'), rmb, ld('x', 'r2')]],
    holds: (r) => r.r0 === 1 && r.r1 === 1 && r.r2 === 0, allowed: { sc: false, tso: false, arm: false },
  },
  {
    name: 'R', outcome: 'final y=2 and the read of x is 0', threads: [[st('x', 1), st('y', 1)], [st('y', 2), ld('x', 'r0')]],
    holds: (r, m) => m.y === 2 && r.r0 === 0, allowed: { sc: false, tso: true, arm: true },
  },
  {
    name: 'S', outcome: 'the read of y is 1 and final x=2', threads: [[st('x', 2), st('y', 1)], [ld('y', 'r0'), st('x', 1)]],
    holds: (r, m) => r.r0 === 1 && m.x === 2, allowed: { sc: false, tso: false, arm: true },
  },
  {
    name: 'CoRR', outcome: 'the second read is older than the first', threads: [[st('x', 1)], [ld('x', 'r0'), ld('x', 'r1')]],
    holds: (r) => r.r0 === 1 && r.r1 === 0, allowed: { sc: false, tso: false, arm: false },
  },
];
