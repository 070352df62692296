// The explorer against an independent, plainly written brute-force enumerator (test/reference/), on
// hand-counted systems and on randomly generated small ones.
//
// Like with like: in collect mode (allViolations) the explorer never stores the successor of a step
// that fails (assertion, unhandledEvent, modelError, queueOverflow) or that hits a full FIFO, but it
// does store and expand states that break an invariant, stall or deadlock; the reference follows the
// same definition of "reachable" (every state reachable from the initial state through steps that end
// normally), so state and transition counts are compared on every system, violating or not. In
// first-violation mode the explorer stops early, so only the violation it reports is compared.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { assign, createMachine, setup } from 'xstate';
import { cellsOf, defineSystem, explore, exploreAsync, fence, invariant, post, write } from '../checker/index.ts';
import { bruteForce, canon, referenceReplay } from './reference/bruteForce.ts';
import { buildSystem, systemDataArb } from './reference/randomSystem.ts';
import { replayViolation } from './reference/replay.ts';
import { UNREDUCED } from './support/unreduced.ts';
import { kvmVcpuKick, kvmVcpuKickScenario } from '../models/scenarios/kvmVcpuKick.ts';

describe('hand-counted systems', () => {
  test('two independent three-state chains: 3 x 3 = 9 states, 12 transitions, verified', () => {
    // From (i, j) each actor not yet final can step: sum over the grid of [i<2] + [j<2] = 6 + 6.
    const chain = createMachine({ id: 'chain', initial: 's0', states: { s0: { on: { tick: 's1' } }, s1: { on: { tick: 's2' } }, s2: { type: 'final' } } });
    const def = defineSystem({ actors: { a: { machine: chain, spontaneous: [{ type: 'tick' }] }, b: { machine: chain, spontaneous: [{ type: 'tick' }] } } });
    const ref = bruteForce(def);
    expect([ref.states, ref.transitions, [...ref.violated]]).toEqual([9, 12, []]);
    const r = explore(def, UNREDUCED);
    expect([r.verdict, r.stats.states, r.stats.transitions]).toEqual(['verified', 9, 12]);
  });

  test('a sender posting two messages to a receiver that handles only the first', () => {
    // Sender: s0 -go/post a-> s1 -go/post b-> s2 (end). Receiver: wait -a-> got (end), no transition
    // for b there. States: (s0,[],wait) (s1,[a],wait) (s1,[],got) (s2,[a,b],wait) (s2,[b],got) = 5;
    // delivering b in `got` is unhandledEvent. Transitions: 1 + 2 + 1 + 1 + 1 = 6.
    const sender = createMachine({
      id: 'sender', initial: 's0',
      states: { s0: { on: { go: { target: 's1', actions: post('receiver', { type: 'a' }) } } }, s1: { on: { go: { target: 's2', actions: post('receiver', { type: 'b' }) } } }, s2: { tags: ['end'] } },
    });
    const receiver = createMachine({ id: 'receiver', initial: 'wait', states: { wait: { on: { a: 'got' } }, got: { tags: ['end'] } } });
    const def = defineSystem({ actors: { sender: { machine: sender, spontaneous: [{ type: 'go' }] }, receiver: { machine: receiver } } });
    const ref = bruteForce(def);
    expect([ref.states, ref.transitions, [...ref.violated], ref.shortest.get('unhandledEvent')]).toEqual([5, 6, ['unhandledEvent'], 4]);
    const r = explore(def, { ...UNREDUCED, allViolations: true });
    expect([r.verdict, r.stats.states, r.stats.transitions]).toEqual(['violated', 5, 6]);
    expect(r.violations.map((v) => [v.property, v.steps.length])).toEqual([['unhandledEvent', 4]]);
  });
});

// The vocabulary's explicit loads, atomics (cmpxchg, test_and_clear_bit) and smp_store_mb, as the KVM
// vCPU-kick model uses them, under sc and tso: the reference's own reading of them against the engine's.
describe('loads and atomics: kvm-vcpu-kick', () => {
  const correct = { vcpuBarrier: true, requesterBarrier: true, request: true };
  const cases = [
    ...kvmVcpuKickScenario.variants.map((v) => ({ name: v.name, build: (vcpus: number) => v.system({ vcpus }) })),
    { name: 'correct under sc', build: (vcpus: number) => kvmVcpuKick('sc', correct, vcpus) },
  ];
  for (const c of cases) {
    for (const vcpus of [1, 2]) {
      const system = c.build(vcpus);
      if (system.memory === 'arm') continue;
      test(`${c.name}, ${vcpus} pair${vcpus > 1 ? 's' : ''} (${system.memory}): the same states, violated properties and shortest counterexamples`, () => {
        const e = explore(system, { ...UNREDUCED, allViolations: true });
        const ref = bruteForce(system, 50_000);
        expect(ref.gaveUp).toBe(false);
        expect(e.stats.states).toBe(ref.states);
        expect(new Set(e.violations.map((v) => v.property))).toEqual(ref.violated);
        for (const v of e.violations) expect(v.steps.length).toBe(ref.shortest.get(v.property));
      });
    }
  }
  // One pair's counts, on which the benchmarks' products rest (bench/run.ts, test/symmetry.test.ts).
  test('one pair of correct: 40 states under sc and 61 under tso, in the reference', () => {
    expect(bruteForce(kvmVcpuKick('sc', correct, 1)).states).toBe(40);
    expect(bruteForce(kvmVcpuKick('tso', correct, 1)).states).toBe(61);
  });
});

describe('local state identity', () => {
  test('does not depend on the key order of context objects', () => {
    // Two routes to `done` build the same context with keys inserted in opposite orders; they must
    // meet in one state: start, viaA, viaB, done = 4 states (5 with order-sensitive keys).
    const m = setup({ types: {} as { context: Record<string, number> } }).createMachine({
      id: 'keys', initial: 'start', context: {},
      states: {
        start: { on: { a: 'viaA', b: 'viaB' } },
        viaA: { on: { a: { target: 'done', actions: assign(() => ({ x: 1, y: 2 })) } } },
        viaB: { on: { b: { target: 'done', actions: assign(() => ({ y: 2, x: 1 })) } } },
        done: { tags: ['end'] },
      },
    });
    const def = defineSystem({ actors: { k: { machine: m, spontaneous: [{ type: 'a' }, { type: 'b' }] } } });
    expect(bruteForce(def).states).toBe(4);
    const r = explore(def, UNREDUCED);
    expect([r.verdict, r.stats.states]).toEqual(['verified', 4]);
  });
});

describe('random systems', () => {
  test('explorer and brute-force reference agree: states, transitions, violated properties, shortest counterexamples', () => {
    const seen = { compared: 0, violated: 0, over50: 0, bounded: 0, tooBig: 0, properties: new Set<string>() };
    fc.assert(
      fc.property(systemDataArb, (data) => {
        const system = buildSystem(data);
        const ref = bruteForce(system, 1_000);
        if (ref.gaveUp) { seen.tooBig++; return; }
        seen.compared++;
        const all = explore(system, { ...UNREDUCED, allViolations: true });

        expect(new Set(all.violations.map((v) => v.property))).toEqual(ref.violated);
        expect(all.stats.states).toBe(ref.states);
        expect(all.stats.transitions).toBe(ref.transitions);
        expect(all.bounds.map((b) => b.kind)).toEqual(ref.bounded ? ['queueCapacity'] : []);
        expect(all.verdict).toBe(ref.violated.size > 0 ? 'violated' : ref.bounded ? 'bounded' : 'verified');
        // Soundness (replayed by the engine's Execution and by the reference), and BFS: each property's
        // counterexample is a shortest one for it.
        for (const v of all.violations) {
          expect(replayViolation(system, v)).toBe(ref.shortest.get(v.property));
          expect(referenceReplay(system, v.property, v.steps)).toBe(ref.shortest.get(v.property));
        }

        const first = explore(system, UNREDUCED);
        expect(first.verdict).toBe(all.verdict);
        if (first.violations.length > 0) {
          expect(first.violations).toHaveLength(1);
          const v = first.violations[0];
          expect(ref.violated.has(v.property)).toBe(true);
          expect(replayViolation(system, v)).toBe(ref.shortest.get(v.property));
          expect(first.stats.states).toBeLessThanOrEqual(all.stats.states);
        } else {
          expect(first.stats.states).toBe(all.stats.states);
        }

        // What a user gets: the reductions on by default change no verdict, violated property, bound or counterexample length.
        const reduced = explore(system, { allViolations: true });
        expect(reduced.verdict).toBe(all.verdict);
        expect(new Set(reduced.violations.map((v) => v.property))).toEqual(ref.violated);
        expect(reduced.bounds.map((b) => b.kind)).toEqual(all.bounds.map((b) => b.kind));
        for (const v of reduced.violations) expect(referenceReplay(system, v.property, v.steps)).toBe(ref.shortest.get(v.property)!);

        if (ref.violated.size > 0) seen.violated++;
        if (ref.states > 50) seen.over50++;
        if (ref.bounded) seen.bounded++;
        for (const p of ref.violated) seen.properties.add(p);
      }),
      // Found by seed 1098978486: a stall whose watchdog step overflows a queue (the stall stands).
      // Seeded: over50 below is a luck-dependent count (6 to 23 over 15 unseeded runs, against >= 5); 29 with this seed.
      { numRuns: 400, seed: 20261202, examples: [[JSON.parse(STALL_WATCHDOG_OVERFLOWS)]] },
    );
    // The generator must reach interesting behaviour, or agreement means little.
    expect(seen.compared).toBeGreaterThan(350);
    expect(seen.violated / seen.compared).toBeGreaterThan(0.25);
    expect(seen.violated / seen.compared).toBeLessThan(0.9);
    expect(seen.over50).toBeGreaterThanOrEqual(5);
    expect(seen.bounded).toBeGreaterThan(0);
    for (const p of ['assertion', 'unhandledEvent', 'modelError', 'queueOverflow', 'generatedInvariant', 'generatedStall']) {
      expect(seen.properties).toContain(p);
    }
  });

  test('under tso, explorer and the store-buffer reference agree: states, transitions, verdicts, bounds, counterexamples', () => {
    const seen = { compared: 0, violated: 0, storeBufferBound: 0, differsFromSc: 0 };
    fc.assert(
      fc.property(systemDataArb, fc.integer({ min: 1, max: 3 }), (data, storeBuffer) => {
        const system = { ...buildSystem(data), memory: 'tso' as const, storeBuffer };
        const ref = bruteForce(system, 1_000);
        if (ref.gaveUp) return;
        seen.compared++;
        const all = explore(system, { ...UNREDUCED, allViolations: true });
        expect(all.memory).toBe('tso');
        expect(new Set(all.violations.map((v) => v.property))).toEqual(ref.violated);
        expect(all.stats.states).toBe(ref.states);
        expect(all.stats.transitions).toBe(ref.transitions);
        expect(new Set(all.bounds.map((b) => b.kind))).toEqual(ref.cuts);
        expect(all.verdict).toBe(ref.violated.size > 0 ? 'violated' : ref.bounded ? 'bounded' : 'verified');
        for (const v of all.violations) {
          expect(replayViolation(system, v)).toBe(ref.shortest.get(v.property));
          expect(referenceReplay(system, v.property, v.steps)).toBe(ref.shortest.get(v.property));
        }
        if (ref.violated.size > 0) seen.violated++;
        if (ref.cuts.has('storeBuffer')) seen.storeBufferBound++;
        if (ref.states !== bruteForce(buildSystem(data), 1_000).states) seen.differsFromSc++;
      }),
      { numRuns: 150 },
    );
    expect(seen.compared).toBeGreaterThan(100);
    expect(seen.violated).toBeGreaterThan(20);
    expect(seen.storeBufferBound).toBeGreaterThan(0);
    expect(seen.differsFromSc).toBeGreaterThan(20);
  });

  test('message passing: the reference, like herd7, lets arm and only arm see the flag before the data', () => {
    // MP (Alglave, Maranget, Tautschnig, "Herding cats", TOPLAS 2014): the writer stores data then the
    // flag; the reader loads the flag then the data, in one step. Stale data after a new flag is
    // allowed on ARMv8, forbidden on x86-TSO and under SC.
    const writer = createMachine({ id: 'writer', initial: 'data', states: { data: { on: { run: { target: 'flag', actions: write('data', 1) } } }, flag: { on: { run: { target: 'done', actions: write('flag', 1) } } }, done: { type: 'final' } } });
    const reader = setup({ types: {} as { context: { saw: unknown } } }).createMachine({
      id: 'reader', context: { saw: null }, initial: 'read',
      states: { read: { on: { run: { target: 'done', actions: assign({ saw: ({ event }) => [cellsOf(event).flag, cellsOf(event).data] }) } } }, done: { type: 'final' } },
    });
    const mp = (memory: 'sc' | 'tso' | 'arm') => defineSystem({
      memory,
      actors: { writer: { machine: writer, spontaneous: [{ type: 'run' }] }, reader: { machine: reader, spontaneous: [{ type: 'run' }], reads: ['flag', 'data'] } },
      cells: { data: 0, flag: 0 },
      properties: { noStaleData: invariant((g) => JSON.stringify(g.actors.reader.context.saw) !== '[1,0]') },
    });
    for (const memory of ['sc', 'tso', 'arm'] as const) {
      const ref = bruteForce(mp(memory));
      const r = explore(mp(memory), { ...UNREDUCED, allViolations: true });
      expect([memory, ref.violated.has('noStaleData')]).toEqual([memory, memory === 'arm']);
      expect([memory, r.violations.some((v) => v.property === 'noStaleData')]).toEqual([memory, memory === 'arm']);
    }
  });

  test('under arm, explorer and the Promising-ARM reference agree: what properties see, verdicts, bounds, counterexamples', () => {
    // The explorer forgets more than the reference (memoryModel.ts `normalize`), so state counts differ;
    // what every reachable state shows a property (actors, cells, in-flight events) must not.
    const seen = { compared: 0, violated: 0, historyBound: 0 };
    // A fixed seed: the history bound shows in only a few random systems.
    fc.assert(
      fc.property(systemDataArb, fc.integer({ min: 1, max: 3 }), (data, storeBuffer) => {
        // Every actor reads both cells (its `reads`, the loads here), so more runs can tell arm from tso.
        const base = { ...buildSystem({ ...data, actors: data.actors.map((a) => ({ ...a, reads: true })) }), memory: 'arm' as const, storeBuffer, history: 7 };
        const ref = bruteForce(base, 1_500, { projections: true });
        if (ref.gaveUp) return;
        seen.compared++;
        const projections = new Set<string>();
        const names = Object.keys(base.actors);
        const system = {
          ...base,
          properties: {
            ...base.properties,
            seenByProperties: invariant((g) => {
              projections.add(canon({ actors: names.map((n) => [g.actors[n].value, g.actors[n].context, g.actors[n].status]), cells: g.cells, inFlight: g.inFlight }));
              return true;
            }),
          },
        };
        const all = explore(system, { ...UNREDUCED, allViolations: true });
        expect(all.memory).toBe('arm');
        expect(new Set(all.violations.map((v) => v.property))).toEqual(ref.violated);
        expect(new Set(all.bounds.map((b) => b.kind))).toEqual(ref.cuts);
        expect(all.verdict).toBe(ref.violated.size > 0 ? 'violated' : ref.bounded ? 'bounded' : 'verified');
        expect([...projections].sort()).toEqual([...ref.projections!].sort());
        expect(all.stats.states).toBeLessThanOrEqual(ref.states);
        for (const v of all.violations) {
          expect(replayViolation(system, v)).toBe(ref.shortest.get(v.property));
          expect(referenceReplay(system, v.property, v.steps)).toBe(ref.shortest.get(v.property));
        }
        if (ref.violated.size > 0) seen.violated++;
        if (ref.cuts.has('history')) seen.historyBound++;
      }),
      { numRuns: 120, seed: 20261202 },
    );
    expect(seen.compared).toBeGreaterThan(80);
    expect(seen.violated).toBeGreaterThan(15);
    expect(seen.historyBound).toBeGreaterThan(0);
  });

  test('under arm, on random writers and readers with fences, explorer and reference agree, and arm reorders what tso does not', () => {
    // Few of the general random systems show arm's own reorderings (a post or a fence orders most of
    // their stores), so here: writers storing to two cells step by step with random fences between, and
    // readers loading both (their `reads`) and recording what they saw.
    type Op = { cell: 'c0' | 'c1'; value: 1 | 2 } | { fence: 'full' | 'store' | 'load' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 3, arbitrary: fc.record({ cell: fc.constantFrom('c0' as const, 'c1' as const), value: fc.constantFrom(1 as const, 2 as const) }) },
      { weight: 1, arbitrary: fc.record({ fence: fc.constantFrom('full' as const, 'store' as const, 'load' as const) }) },
    );
    const writerOf = (ops: Op[]) => createMachine({
      initial: 's0',
      states: Object.fromEntries([...ops.map((o, i) => [`s${i}`, { on: { run: { target: `s${i + 1}`, actions: 'fence' in o ? fence(o.fence) : write(o.cell, o.value) } } }]), [`s${ops.length}`, { type: 'final' }]]),
    });
    const readerOf = (reads: number, order: string[]) => setup({ types: {} as { context: { saw: unknown[] } } }).createMachine({
      context: { saw: [] }, initial: 'r0',
      states: Object.fromEntries([...Array.from({ length: reads }, (_, i) => [`r${i}`, { on: { run: { target: `r${i + 1}`, actions: assign({ saw: ({ context, event }: any) => [...context.saw, order.map((c) => cellsOf(event)[c])] }) } } }]), [`r${reads}`, { type: 'final' }]]),
    });
    let differsFromTso = 0;
    fc.assert(
      fc.property(fc.array(fc.array(opArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 2 }), fc.integer({ min: 1, max: 2 }), fc.boolean(), (writers, reads, flagFirst) => {
        const order = flagFirst ? ['c1', 'c0'] : ['c0', 'c1'];
        const actors: Record<string, any> = { reader: { machine: readerOf(reads, order), spontaneous: [{ type: 'run' }], reads: order } };
        writers.forEach((ops, i) => { actors[`writer${i}`] = { machine: writerOf(ops), spontaneous: [{ type: 'run' }] }; });
        const def = (memory: 'tso' | 'arm') => defineSystem({ memory, actors, cells: { c0: 0, c1: 0 }, storeBuffer: 8, history: 12 });
        const ref = bruteForce(def('arm'), 5_000, { projections: true });
        if (ref.gaveUp) return;
        const projections = new Set<string>();
        const names = Object.keys(actors);
        const r = explore({ ...def('arm'), properties: { seen: invariant((g) => { projections.add(canon({ actors: names.map((n) => [g.actors[n].value, g.actors[n].context, g.actors[n].status]), cells: g.cells, inFlight: g.inFlight })); return true; }) } }, UNREDUCED);
        expect([r.verdict, ref.bounded]).toEqual(['verified', false]);
        expect([...projections].sort()).toEqual([...ref.projections!].sort());
        const tso = bruteForce(def('tso'), 5_000, { projections: true });
        if (canon([...tso.projections!].sort()) !== canon([...ref.projections!].sort())) differsFromTso++;
      }),
      { numRuns: 80, seed: 20261202 },
    );
    expect(differsFromTso).toBeGreaterThan(5);
  });

  test('bounds cut exactly where they say and never overclaim', () => {
    fc.assert(
      fc.property(systemDataArb, fc.nat(6), (data, maxDepth) => {
        const system = buildSystem(data);
        const ref = bruteForce(system, 1_000);
        if (ref.gaveUp || ref.states === 0) return;
        const full = explore(system, { ...UNREDUCED, allViolations: true });

        // maxDepth d: exactly the states within d steps; every violation that shows within d steps is
        // found (including a deadlock or stall at a state exactly d steps deep), and nothing else.
        const cut = explore(system, { ...UNREDUCED, maxDepth, allViolations: true });
        const within = ref.statesAtDepth.slice(0, maxDepth + 1).reduce((a, b) => a + b, 0);
        expect(cut.stats.states).toBe(within);
        const found = new Set(cut.violations.map((v) => v.property));
        for (const [p, n] of ref.shortest) if (n <= maxDepth) expect(found).toContain(p);
        for (const p of found) expect(ref.violated.has(p)).toBe(true);
        if (ref.statesAtDepth.length > maxDepth + 1) expect(cut.bounds.map((b) => b.kind)).toContain('maxDepth');
        if (cut.verdict === 'verified') expect(full.verdict).toBe('verified');

        // maxStates one short of the reachable count: never verified; the exact count: the full answer.
        if (ref.states >= 2) {
          const short = explore(system, { ...UNREDUCED, maxStates: ref.states - 1, allViolations: true });
          expect(short.verdict).not.toBe('verified');
          expect(short.bounds.map((b) => b.kind)).toContain('maxStates');
        }
        const exact = explore(system, { ...UNREDUCED, maxStates: ref.states, allViolations: true });
        expect([exact.verdict, exact.stats.states, exact.bounds]).toEqual([full.verdict, full.stats.states, full.bounds]);
      }),
      { numRuns: 300 },
    );
  });

  test('exploreAsync gives the same answer as explore', async () => {
    await fc.assert(
      fc.asyncProperty(systemDataArb, async (data) => {
        const system = buildSystem(data);
        const sync = explore(system, { ...UNREDUCED, allViolations: true, maxStates: 2_000 });
        const run = await exploreAsync(system, { ...UNREDUCED, allViolations: true, maxStates: 2_000 });
        expect([run.verdict, run.stats.states, run.stats.transitions, run.bounds]).toEqual([sync.verdict, sync.stats.states, sync.stats.transitions, sync.bounds]);
        expect(run.violations).toEqual(sync.violations);
      }),
      { numRuns: 30 },
    );
  });
});

const STALL_WATCHDOG_OVERFLOWS = '{"actors":[{"states":[{"kind":"plain","entry":[],"on":[{"event":"tick","guard":null,"target":1,"actions":[]}],"ignoreOtherMessages":true,"after":null},{"kind":"plain","entry":[],"on":[{"event":"m1","guard":null,"target":2,"actions":[]}],"ignoreOtherMessages":true,"after":{"target":0,"actions":[{"k":"post","to":1,"msg":"m1","payload":false},{"k":"post","to":1,"msg":"m1","payload":false}]}},{"kind":"plain","entry":[{"k":"post","to":0,"msg":"m1","payload":false}],"on":[{"event":"tick","guard":{"k":"ctx","value":0},"target":0,"actions":[]}],"ignoreOtherMessages":true,"after":{"target":0,"actions":[]}}],"spontaneous":["tick"],"reads":false,"queueCapacity":1,"start":0},{"states":[{"kind":"plain","entry":[{"k":"post","to":0,"msg":"m1","payload":false}],"on":[{"event":"tick","guard":{"k":"ctx","value":0},"target":1,"actions":[]}],"ignoreOtherMessages":true,"after":null},{"kind":"plain","entry":[],"on":[{"event":"tick","guard":null,"target":0,"actions":[]}],"ignoreOtherMessages":true,"after":{"target":0,"actions":[]}}],"spontaneous":["tick"],"reads":false,"queueCapacity":1,"start":1}],"invariant":null,"stall":{"value":0},"onQueueFull":"bound","deadlock":true,"sharedMachine":false}';
