// The ARM model forgets what no actor can observe (memoryModel.ts armv8: dropped writes, `normalize`;
// checker/loadedCells.ts). On random straight-line programs over four cells, with every kind of load,
// store, fence and RMW, and actors that finish or stay running, it must reach exactly the (local
// state, context with every loaded value, cell) projections of the plain Promising-ARM model, which
// keeps every write and every view as they are, and never more states.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setup } from 'xstate';
import { cmpxchg, compileSystem, defineSystem, explore, invariant, load, smp_load_acquire, write } from '../checker/index.ts';
import type { SystemDefinition } from '../checker/index.ts';
import { scanLoadedCells } from '../checker/loadedCells.ts';
import { UNREDUCED } from './support/unreduced.ts';
import { op, programMachine } from './support/litmusPrograms.ts';
import type { Op } from './support/litmusPrograms.ts';

interface Program { ops: Op[]; ends: 'final' | 'end' }

const program = (maxOps: number): fc.Arbitrary<Program> =>
  fc.record({ ops: fc.array(op, { minLength: 1, maxLength: maxOps }), ends: fc.constantFrom('final' as const, 'end' as const) });
const machine = (name: string, p: Program) => programMachine(name, p.ops, p.ends);

/** The projections every reachable state shows, collected by an invariant that always holds. */
function reachable(programs: Program[], plain: boolean): { projections: Set<string>; states: number; verdict: string } {
  const projections = new Set<string>();
  const actors: SystemDefinition['actors'] = {};
  programs.forEach((p, i) => { actors[`t${i}`] = { machine: machine(`t${i}`, p), spontaneous: [{ type: 'run' }] }; });
  const def = defineSystem({
    name: 'random arm programs', memory: 'arm', actors, cells: { x: 0, y: 0, z: 0, w: 0 }, history: 40, storeBuffer: 10,
    properties: { record: invariant((g) => { projections.add(JSON.stringify([Object.values(g.actors).map((s) => [s.value, s.context]), g.cells])); return true; }) },
  });
  const sys = compileSystem(def);
  const r = explore(plain ? { ...sys, loadable: null } : sys, UNREDUCED);
  return { projections, states: r.stats.states, verdict: r.verdict };
}

describe('the ARM state reduction', () => {
  const same = (programs: Program[]) => {
    const plain = reachable(programs, true);
    const reduced = reachable(programs, false);
    expect(plain.verdict).toBe('verified'); // no bound hit, so the sets are whole
    expect(reduced.verdict).toBe('verified');
    expect([...reduced.projections].sort()).toEqual([...plain.projections].sort());
    expect(reduced.states).toBeLessThanOrEqual(plain.states);
  };
  // Found by the first property: dropping a write renumbered the views but not the bounds being
  // compared against, so a later write was dropped while t0 could still read it.
  const renumberedBounds: Program[] = [
    { ops: [{ k: 'store', cell: 'z', value: 1, release: false }, { k: 'load', cell: 'w', acquire: false }], ends: 'final' },
    { ops: [{ k: 'cmpxchg', cell: 'w', value: 1 }, { k: 'load', cell: 'z', acquire: false }, { k: 'fence', kind: 'full' }], ends: 'final' },
  ];

  it('reaches exactly what the plain model reaches, in no more states: two longer programs', () => {
    fc.assert(fc.property(fc.array(program(6), { minLength: 2, maxLength: 2 }), same), { numRuns: 100, seed: 20261202, examples: [[renumberedBounds]] });
  });

  it('reaches exactly what the plain model reaches, in no more states: three programs', () => {
    fc.assert(fc.property(fc.array(program(4), { minLength: 3, maxLength: 3 }), same), { numRuns: 50, seed: 20261202 });
  });

  it('keeps two independent vCPU pairs of kvm-vcpu-kick to the product of one pair', async () => {
    // Two pairs share no cell, so nothing one pair does is observable to the other: the reduced
    // state space is the product of the single-pair one (88 states, checked directly).
    const { kvmVcpuKick } = await import('../models/scenarios/kvmVcpuKick.ts');
    const o = { vcpuBarrier: true, requesterBarrier: true, request: true };
    const one = explore(kvmVcpuKick('arm', o, 1), UNREDUCED);
    const two = explore(kvmVcpuKick('arm', o, 2), UNREDUCED);
    expect(one.verdict).toBe('verified');
    expect(two.verdict).toBe('verified');
    expect(two.stats.states).toBe(one.stats.states ** 2);
  });
});

describe('the scan of what a machine loads', () => {
  it('finds the cells of loads, acquire loads and RMWs, in transitions, entry and named actions', () => {
    const m = setup({ actions: { peek: load('y') } }).createMachine({
      initial: 'a', entry: smp_load_acquire('z'),
      states: { a: { entry: 'peek', on: { go: { target: 'b', actions: [write('w', 1), cmpxchg('x', 0, 1)] } } }, b: { type: 'final' } },
    });
    expect([...scanLoadedCells(m)!].sort()).toEqual(['x', 'y', 'z']);
  });

  it('gives up (any cell) on a cell computed at run time, or an emit it cannot see through', async () => {
    const { emit, enqueueActions } = await import('xstate');
    const dynamic = setup({}).createMachine({ initial: 'a', states: { a: { on: { go: { actions: load(({ context }: any) => context.c) } } } } });
    const raw = setup({}).createMachine({ initial: 'a', states: { a: { on: { go: { actions: emit({ type: 'anything' }) as any } } } } });
    const queued = setup({}).createMachine({ initial: 'a', states: { a: { on: { go: { actions: enqueueActions(() => {}) } } } } });
    expect(scanLoadedCells(dynamic)).toBeNull();
    expect(scanLoadedCells(raw)).toBeNull();
    expect(scanLoadedCells(queued)).toBeNull();
  });

  it('refuses, as a modelError, a load the scan did not foresee (never explores on a wrong footprint)', () => {
    // Simulate a gap in the scan: the scanned footprint says t0 loads nothing.
    const m = setup({}).createMachine({ initial: 'a', states: { a: { on: { run: { target: 'b', actions: load('x') } } }, b: { on: { loaded: 'c' } }, c: {} } });
    const sys = compileSystem(defineSystem({ name: 'gap', memory: 'arm', actors: { t0: { machine: m, spontaneous: [{ type: 'run' }] } }, cells: { x: 0 } }));
    const r = explore({ ...sys, loadable: [new Uint8Array(1)] }, UNREDUCED);
    expect(r.verdict).toBe('violated');
    expect(r.violations[0].property).toBe('modelError');
    expect(r.violations[0].message).toMatch(/loads cell 'x', which vmbus-check's scan of its machine did not find/);
  });
});
