// Under arm a liveness lasso may need a load to return a stale value forever, which the hardware rules
// out (a store becomes visible in finite time) and the model does not (checker/staleReads.ts): such a
// violation names the loads and carries a caveat, so it is not taken for a run that happens.
import { describe, expect, test } from 'vitest';
import { setup } from 'xstate';
import { cellsOf, defineSystem, eventually, explore, write } from '../checker/index.ts';
import type { SystemDefinition } from '../checker/index.ts';
import { compileSystem } from '../checker/compile.ts';
import { Execution } from '../checker/execution.ts';
import { materialize } from '../checker/globalView.ts';
import { staleForever } from '../checker/staleReads.ts';
import { UNREDUCED } from './support/unreduced.ts';

/** r spins on flag until it reads `until`; w stores the flag values `writes` in turn, then stops, or (`loop`) starts over. */
function spin(memory: 'sc' | 'tso' | 'arm', writes: number[], until: number, loop: boolean): SystemDefinition {
  const states: Record<string, unknown> = {};
  writes.forEach((value, i) => {
    const last = i === writes.length - 1;
    states[`s${i}`] = { on: { tick: { target: last ? (loop ? 's0' : 'done') : `s${i + 1}`, actions: write('flag', value) } } };
  });
  states.done = { tags: ['end'] };
  const writer = setup({}).createMachine({ initial: 's0', states } as any);
  const waiter = setup({}).createMachine({
    initial: 'spinning',
    states: { spinning: { on: { tick: [{ guard: ({ event }: any) => cellsOf(event).flag === until, target: 'seen' }, { target: 'spinning' }] } }, seen: { tags: ['end'] } },
  } as any);
  return defineSystem({
    memory, fairness: 'weak', cells: { flag: 0 },
    actors: { w: { machine: writer, spontaneous: [{ type: 'tick' }] }, r: { machine: waiter, spontaneous: [{ type: 'tick' }], reads: ['flag'] } },
    properties: { seen: eventually((g) => g.actors.r.matches('seen')) },
  });
}

describe('a lasso that needs a load stale forever (arm)', () => {
  test('a spin-wait on a flag set once: violated under arm only, with the stale load named and the caveat', () => {
    // Under sc the flag is in memory once stored; under tso weak fairness makes w flush its store
    // buffer; so r reads 1 on every fair run. Under arm r may read the old 0 at every turn.
    for (const memory of ['sc', 'tso'] as const) expect(explore(spin(memory, [1], 1, false), UNREDUCED).verdict).toBe('verified');
    const r = explore(spin('arm', [1], 1, false), UNREDUCED);
    expect(r.verdict).toBe('violated');
    expect(r.memoryCaveat).toBe('without load buffering; a lasso needs a load stale forever');
    expect(r.violations[0].message).toMatch(/but it needs r's load of flag to return 0 while memory holds 1 forever \(no step of the cycle stores to flag\)/);
    const exec = new Execution(spin('arm', [1], 1, false));
    expect(staleForever(exec, r.violations[0].steps, r.violations[0].cycleStart!)).toEqual([{ actor: 'r', cell: 'flag', value: 0, latest: 1 }]);
    // Judged again from its steps (replay, a trace tried on another variant), it says the same.
    const states = [exec.initial().state!];
    for (const step of r.violations[0].steps) states.push(exec.apply(states[states.length - 1], step)!.state!);
    expect(exec.lassoJudgement('seen', states, r.violations[0].steps, r.violations[0].cycleStart!)).toEqual({ violated: true, message: r.violations[0].message });
  });

  test('a flag never set to what the waiter waits for: violated under every model, and no load stays stale forever', () => {
    // w stores 1 then 0 forever and r waits for 2: r spins on every run. Its cycle stores to flag, so
    // whatever r reads there, old writes drop out of the history as it repeats: nothing is stale forever.
    for (const memory of ['sc', 'tso', 'arm'] as const) {
      const r = explore(spin(memory, [1, 0], 2, true), UNREDUCED);
      expect(r.verdict).toBe('violated');
      expect(r.violations[0].message).not.toMatch(/forever \(no step/);
      expect(r.memoryCaveat ?? '').not.toMatch(/stale/);
    }
  });

  test('the lasso\'s loads are judged on the cycle only, and only for cells the cycle does not store to', () => {
    // r reads the old 0 once (step 3), then the 1 w stored, and never reaches `seen` because it waits
    // for 2; w's last store made 1 the latest, and r's reads on the cycle return 1.
    const system = spin('arm', [1], 2, false);
    const steps = [
      { actor: 'w', kind: 'spontaneous', event: { type: 'tick' } },
      { actor: 'w', kind: 'flush', event: { type: 'vmbus-check.flush', cell: 'flag' } },
      { actor: 'r', kind: 'spontaneous', event: { type: 'tick' }, choices: [0] },
      { actor: 'r', kind: 'spontaneous', event: { type: 'tick' }, choices: [1] },
      // Its view now past the 0, its load has one value left: nothing to choose.
      { actor: 'r', kind: 'spontaneous', event: { type: 'tick' } },
    ] as const;
    const sys = compileSystem(system);
    // The steps replay (staleForever names nothing for steps that do not).
    const exec = new Execution(sys);
    let v = exec.initial().state!;
    for (const step of steps) v = exec.apply(v, step as never)!.state!;
    expect(materialize(sys, v).actors.r.value).toBe('spinning');
    expect(staleForever(exec, steps as never, 4)).toEqual([]);
    expect(staleForever(exec, steps.slice(0, 3) as never, 2)).toEqual([{ actor: 'r', cell: 'flag', value: 0, latest: 1 }]);
    // The same stale read, on a cycle that also stores to flag (w's store and its flush): repeated, it
    // adds writes to flag and old ones drop out, so the read is not stale forever.
    expect(staleForever(exec, steps.slice(0, 3) as never, 0)).toEqual([]);
  });
});
