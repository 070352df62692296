// Symmetry reduction (checker/symmetry.ts), switched on by hand: against the unreduced search on
// kvm-vcpu-kick, whose vCPU/requester pairs never interact, so the orbits are counted independently:
// n identical independent pairs of k states each have C(k + n - 1, n) orbits (multisets of n of k).
import { describe, expect, test } from 'vitest';
import { createMachine } from 'xstate';
import { compileSystem, defineSystem, explore, invariant, post, reachable, symmetryGroup, SYMMETRY_SWITCHED_OFF, SystemDefinitionError, write } from '../checker/index.ts';
import type { SystemDefinition } from '../checker/index.ts';
import { kvmVcpuKick, kvmVcpuKickScenario } from '../models/scenarios/kvmVcpuKick.ts';
import { replayViolation } from './reference/replay.ts';
import { UNREDUCED } from './support/unreduced.ts';

const variant = (name: string) => kvmVcpuKickScenario.variants.find((v) => v.name === name)!;
const summary = (r: ReturnType<typeof explore>) => ({ verdict: r.verdict, violated: r.violations.map((v) => [v.property, v.steps.length]), bounds: r.bounds.map((b) => b.kind) });

describe('symmetry reduction', () => {
  test('is on by default where declared; switched off, it says so', () => {
    const r = explore(variant('correct').system(), { ...UNREDUCED, memory: 'sc' });
    expect(r.stats.states).toBe(40 * 40);
    expect(r.stats.symmetry).toMatchObject({ applied: false, note: SYMMETRY_SWITCHED_OFF });
    const byDefault = explore(variant('correct').system(), { memory: 'sc' });
    expect([byDefault.stats.states, byDefault.stats.symmetry?.applied]).toEqual([(40 * 41) / 2, true]);
  });

  // The pairs share nothing, so n pairs reach k^n states and C(k + n - 1, n) orbits, k being one pair's
  // count: the benchmarks' counts for three and four pairs rest on this (bench/run.ts).
  for (const [name, memory, onePair] of [['correct', 'sc', 40], ['correct', 'tso', 61], ['correct-arm', 'arm', 88]] as const) {
    test(`${name} (${memory}), 2 pairs: the same verdict in C(k+1, 2) orbits, standing for the k^2 states`, () => {
      const pair = explore(kvmVcpuKick(memory, { vcpuBarrier: true, requesterBarrier: true, request: true }, 1), UNREDUCED);
      expect(pair.stats.states).toBe(onePair);
      const system = variant(name).system();
      const off = explore(system, { ...UNREDUCED, memory });
      const on = explore(system, { ...UNREDUCED, memory, symmetry: true });
      expect(off.stats.states).toBe(onePair * onePair);
      expect(on.stats.states).toBe((onePair * (onePair + 1)) / 2);
      expect(on.stats.symmetry?.represented).toBe(off.stats.states);
      expect(summary(on)).toEqual(summary(off));
    });
  }

  test('correct under its own memory model (tso), 2 pairs: the same verdict, the orbits standing for every state', () => {
    const system = variant('correct').system();
    const off = explore(system, UNREDUCED);
    const on = explore(system, { ...UNREDUCED, symmetry: true });
    expect(summary(on)).toEqual(summary(off));
    expect(on.stats.states).toBeLessThan(off.stats.states);
    expect(on.stats.symmetry?.represented).toBe(off.stats.states);
  });

  test('the one-pair variants (vgic) declare no group: not applied, and said so', () => {
    const r = explore(variant('vgic-no-kick-when-queued').system(), { ...UNREDUCED, symmetry: true });
    expect(r.verdict).toBe('violated');
    expect(r.stats.symmetry).toMatchObject({ applied: false, note: expect.stringMatching(/declares no symmetry/) });
  });

  for (const name of ['kick-without-request', 'no-vcpu-barrier', 'no-vcpu-barrier-arm', 'no-requester-barrier-arm']) {
    test(`${name}: the same violated properties, counterexamples as short, and they replay concretely`, () => {
      const system = variant(name).system();
      const off = explore(system, { ...UNREDUCED, allViolations: true });
      const on = explore(system, { ...UNREDUCED, allViolations: true, symmetry: true });
      expect(on.verdict).toBe('violated');
      expect(summary(on)).toEqual(summary(off));
      for (const v of on.violations) expect(replayViolation(system, v)).toBe(v.steps.length);
    });
  }
});

// Declarations the reduction must refuse, each of which the reduced search once judged wrongly.
describe('symmetry reduction refuses what it cannot permute', () => {
  // Two counters m[0], m[1] of 0..39; the invariant singles out m[0]. Only the orbit {0, 39} breaks it,
  // and its representative (the smaller count first) does not: a sample of the states stored missed it.
  const counters = (properties: SystemDefinition['properties']) => {
    const counter = (i: number) => createMachine({
      id: `m${i}`, initial: 'c0',
      states: Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`c${k}`, k === 39 ? { type: 'final' as const } : { on: { tick: `c${k + 1}` } }])),
    });
    return defineSystem({
      actors: { 'm[0]': { machine: counter(0), spontaneous: [{ type: 'tick' }] }, 'm[1]': { machine: counter(1), spontaneous: [{ type: 'tick' }] } },
      properties,
      symmetry: [symmetryGroup(2, (i) => [`m[${i}]`])],
    });
  };
  const firstNotAhead = invariant((g) => !(g.actors['m[0]'].matches('c39') && g.actors['m[1]'].matches('c0')));

  test('a property that singles out a member, where the state breaking it is stored late', () => {
    const system = counters({ firstNotAhead });
    expect(explore(system, UNREDUCED).verdict).toBe('violated');
    expect(() => explore(system, { ...UNREDUCED, symmetry: true })).toThrow(SystemDefinitionError);
    // The message says which members the image that showed it moved where.
    expect(() => explore(system, { ...UNREDUCED, symmetry: true })).toThrow('invariant firstNotAhead judges a state and the same state with its members moved ("m[0]" to "m[1]", "m[1]" to "m[0]") differently');
    // The declaration is what asks for the reduction: on by default, it is refused too.
    expect(() => explore(system)).toThrow(SystemDefinitionError);
  });

  // The same counters with a goal, symmetric and reached at once: the audit leaves the goal alone from
  // then on (the search judges it no more), and still refuses the invariant.
  test('a goal reached early leaves the audit of the other properties as it was', () => {
    const system = counters({ ticked: reachable((g) => g.actors['m[0]'].matches('c1') || g.actors['m[1]'].matches('c1')), firstNotAhead });
    expect(() => explore(system, { ...UNREDUCED, symmetry: true })).toThrow('invariant firstNotAhead judges a state and the same state with its members moved');
  });

  // Each member writes its flag, then tells the hub (in no group) its name; the hub never gets to it.
  // The event in the hub's queue is not renamed with the members, so an image showed a false violation.
  test('a member posting its own name to an actor in no group', () => {
    const member = (i: number) => createMachine({
      id: `m${i}`, initial: 'idle',
      states: { idle: { on: { go: { target: 'told', actions: [write(`flag[${i}]`, 1), post('hub', { type: 'hello', from: `m[${i}]` })] } } }, told: { type: 'final' } },
    });
    const hub = createMachine({ id: 'hub', initial: 'asleep', states: { asleep: { tags: ['end'], on: { hello: 'asleep' } } } });
    const system = defineSystem({
      actors: { 'm[0]': { machine: member(0), spontaneous: [{ type: 'go' }] }, 'm[1]': { machine: member(1), spontaneous: [{ type: 'go' }] }, hub: { machine: hub } },
      cells: { 'flag[0]': 0, 'flag[1]': 0 },
      properties: {
        // Whoever the hub's queue names has set its flag: true in every reachable state.
        toldAfterFlag: invariant((g) => g.inFlight.hub.every((e) => g.cells[`flag[${(e as unknown as { from: string }).from.slice(2, 3)}]`] === 1)),
      },
      symmetry: [symmetryGroup(2, (i) => [`m[${i}]`, `flag[${i}]`])],
    });
    expect(explore(system, UNREDUCED).verdict).toBe('verified');
    expect(() => explore(system, { ...UNREDUCED, symmetry: true })).toThrow(/sends 'hello' naming 'm\[\d\]' to hub, which is in no group/);
  });
});

describe('an actor in no group posting to members', () => {
  const member = (i: number) => createMachine({ id: `m${i}`, initial: 'idle', states: { idle: { on: { ping: { target: 'pinged', actions: write(`flag[${i}]`, 1) } } }, pinged: { type: 'final' } } });
  const system = (hubPosts: string[]) => defineSystem({
    actors: {
      'm[0]': { machine: member(0) }, 'm[1]': { machine: member(1) },
      hub: { machine: createMachine({ id: 'hub', initial: 'h0', states: { h0: { on: { go: { target: 'h1', actions: hubPosts.map((to) => post(to, { type: 'ping' })) } } }, h1: { type: 'final' } } }), spontaneous: [{ type: 'go' }] },
    },
    cells: { 'flag[0]': 0, 'flag[1]': 0 },
    deadlock: false,
    // Not both pinged: true only if the hub posts to one member alone.
    properties: { notBoth: invariant((g) => g.cells['flag[0]'] === 0 || g.cells['flag[1]'] === 0) },
    symmetry: [symmetryGroup(2, (i) => [`m[${i}]`, `flag[${i}]`])],
  });

  test('alike to all, in any order: reduced, with the unreduced verdict', () => {
    for (const order of [['m[0]', 'm[1]'], ['m[1]', 'm[0]']]) {
      const off = explore(system(order), { ...UNREDUCED, allViolations: true });
      const on = explore(system(order), { ...UNREDUCED, allViolations: true, symmetry: true });
      expect(off.verdict).toBe('violated');
      expect(summary(on)).toEqual(summary(off));
      expect(on.stats.states).toBeLessThan(off.stats.states);
    }
  });

  test('to one member only: refused (it would tell them apart)', () => {
    expect(explore(system(['m[0]']), UNREDUCED).verdict).toBe('verified');
    expect(() => explore(system(['m[0]']), { ...UNREDUCED, symmetry: true })).toThrow(/posts to members of group 0 but not alike to all/);
  });
});

describe('a compiled system explored again', () => {
  // m[1] writes 2 where m[0] writes 1: not symmetric. Its transitions, memoised by an unreduced run,
  // were never computed again, so the members were never compared and the reduction went ahead.
  const member = (i: number) => createMachine({ id: `m${i}`, initial: 'idle', states: { idle: { on: { go: { target: 'done', actions: write(`flag[${i}]`, i + 1) } } }, done: { type: 'final' } } });
  const system = () => defineSystem({
    actors: { 'm[0]': { machine: member(0), spontaneous: [{ type: 'go' }] }, 'm[1]': { machine: member(1), spontaneous: [{ type: 'go' }] } },
    cells: { 'flag[0]': 0, 'flag[1]': 0 },
    symmetry: [symmetryGroup(2, (i) => [`m[${i}]`, `flag[${i}]`])],
  });

  test('a fresh one is refused', () => {
    expect(() => explore(system(), { ...UNREDUCED, symmetry: true })).toThrow(/behave differently/);
  });

  test('one explored before gets no reduction, and says why', () => {
    const sys = compileSystem(system());
    expect(explore(sys, UNREDUCED).stats.states).toBe(4);
    const again = explore(sys, { ...UNREDUCED, symmetry: true });
    expect(again.stats.states).toBe(4);
    expect(again.stats.symmetry).toMatchObject({ applied: false, note: expect.stringMatching(/explored before/) });
  });
});

