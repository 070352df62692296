// The parallel search (ExploreOptions.threads, checker/parallelSearch.ts) against the sequential explorer
// and the brute-force reference: the same states for verified runs, the same verdicts, and for a
// violation a counterexample that replays and is as short as any the reference finds (the parallel
// search finishes the level of its first violation, then reports the shortest).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compileSystem, Execution, explore, exploreAsync } from '../checker/index.ts';
import { PartitionSearch, SHARED } from '../checker/partitionSearch.ts';
import { countDistinct, portableStates } from '../checker/portableStates.ts';
import { createKeyLog, SharedKeys, TransferError } from '../checker/sharedKeys.ts';
import type { CompiledSystem } from '../checker/compile.ts';
import { mailboxes, ringOfStores } from '../bench/models.ts';
import type { Step } from '../checker/index.ts';
import type { CheckResult, ExploreOptions, MemoryModelName, SystemDefinition } from '../checker/index.ts';
import { builtinScenarios } from '../models/scenarios/index.ts';
import { bruteForce } from './reference/bruteForce.ts';
import { buildSystem, systemDataArb } from './reference/randomSystem.ts';
import { replayViolation } from './reference/replay.ts';
import { recipeModule, scenarioVariant, withUnreachableGoal } from './support/parallelRecipes.ts';
import { UNREDUCED } from './support/unreduced.ts';

const twoThreads = (exportName: string, data: unknown): ExploreOptions => ({ threads: { count: 2, system: { module: recipeModule, export: exportName, data } } });

/** Checks `par` against the reference's enumeration of `def`. */
function agreesWithReference(def: SystemDefinition, par: CheckResult): void {
  const ref = bruteForce(def);
  expect(ref.gaveUp).toBe(false);
  if (par.verdict === 'verified') {
    expect(ref.violated.size).toBe(0);
    expect(par.stats.states).toBe(ref.states);
    expect(par.stats.transitions).toBe(ref.transitions);
    return;
  }
  expect(par.verdict).toBe('violated');
  const [v] = par.violations;
  const shows = replayViolation(def, v);
  // As short as the shortest counterexample of any property.
  expect(shows).toBe(ref.shortest.get(v.property));
  expect(shows).toBe(Math.min(...ref.shortest.values()));
  // Every state of depth up to the last level's successors, and no other.
  const upTo = ref.statesAtDepth.slice(0, par.stats.depth + 1).reduce((n, k) => n + k, 0);
  expect(par.stats.states).toBe(upTo);
}

/** Whether goal `property` of `def` holds after `steps` from the initial state. */
function goalHoldsAfter(def: SystemDefinition, property: string, steps: Step[]): boolean {
  const ex = new Execution(def);
  let state = ex.initial().state!;
  for (const step of steps) state = ex.apply(state, step)!.state!;
  return ex.goalHolds(property, state) === true;
}

describe('random systems: two threads, one thread and the reference', () => {
  // Fixed samples (not a property run): each parallel search starts two threads, which takes a while.
  const samples = fc.sample(systemDataArb, { numRuns: 12, seed: 20261202 });
  test('same verdicts; verified: same states and transitions; violated: a shortest counterexample that replays', async () => {
    const verdicts: string[] = [];
    for (const data of samples) {
      const def = buildSystem(data);
      const seq = explore(def, UNREDUCED);
      const par = await exploreAsync(def, { ...UNREDUCED, ...twoThreads('randomSystem', data) });
      expect(par.stats.threads).toEqual({ used: 2 });
      expect(par.verdict).toBe(seq.verdict);
      verdicts.push(par.verdict);
      if (seq.verdict === 'verified') expect([par.stats.states, par.stats.transitions]).toEqual([seq.stats.states, seq.stats.transitions]);
      else expect(replayViolation(def, par.violations[0])).toBeLessThanOrEqual(replayViolation(def, seq.violations[0]));
      agreesWithReference(def, par);
    }
    // The sample has both kinds of run.
    expect(new Set(verdicts)).toEqual(new Set(['verified', 'violated']));
  }, 30_000);
  test('under tso (store buffers carried between threads): the same', async () => {
    for (const data of samples.slice(0, 8)) {
      const def: SystemDefinition = { ...buildSystem(data), memory: 'tso' };
      const seq = explore(def, UNREDUCED);
      const par = await exploreAsync(def, { ...UNREDUCED, ...twoThreads('randomSystem', data) });
      expect([par.verdict, par.stats.threads?.used]).toEqual([seq.verdict, 2]);
      if (seq.verdict === 'verified') expect([par.stats.states, par.stats.transitions]).toEqual([seq.stats.states, seq.stats.transitions]);
      agreesWithReference(def, par);
    }
  }, 30_000);
});

describe('ids shared between threads (checker/sharedKeys.ts)', () => {
  const tablesOf = (sys: CompiledSystem) => [
    ...sys.actors.map((a) => ({ name: `local states of ${a.name}`, table: a.states.table, rebuild: (key: string) => a.states.rebuild(key) })),
    { name: 'cell values', table: sys.ns.values, rebuild: (key: string) => JSON.parse(key) },
    { name: 'events', table: sys.ns.events, rebuild: (key: string) => JSON.parse(key) },
  ];
  test.each([
    ['a tso ring of stores (store buffers)', () => ringOfStores(3, 2, 'tso')],
    ['mailboxes (queued events)', () => mailboxes(3, 2, 2)],
  ])('%s: a thread that joins the log after another searched means the same by every vector', (_, system) => {
    // One thread searches the whole graph; a second compilation of the system then joins the log and
    // takes in the ids the first gave. Every stored vector must be the same state in both (by the
    // independent portable form of checker/portableStates.ts, which reads each id's key).
    const a = compileSystem(system());
    const log = createKeyLog();
    const search = new PartitionSearch(a, 0, 1, new Int32Array(new SharedArrayBuffer(SHARED.length(1) * 4)), { maxStates: Infinity, maxDepth: Infinity }, log, () => {});
    search.start();
    for (let d = 0; ; d++) {
      search.beginLevel(d);
      search.expandSlice(Infinity);
      if (search.report(false).queued === 0) break;
    }
    const states: Int32Array[] = [];
    for (let i = 0; i < search.store.count; i++) { const v = new Int32Array(a.layout.width); search.store.read(i, v); states.push(v); }
    expect(states.length).toBe(explore(system(), UNREDUCED).stats.states);
    const b = compileSystem(system());
    const before = b.ns.values.size + b.ns.events.size + b.actors.reduce((n, x) => n + x.states.size, 0);
    const keys = new SharedKeys(log, tablesOf(b));
    keys.attach();
    // The second took in what the first interned while searching (rebuilt from the keys alone).
    expect(b.ns.values.size + b.ns.events.size + b.actors.reduce((n, x) => n + x.states.size, 0)).toBeGreaterThan(before);
    const pa = portableStates(a, states)!, pb = portableStates(b, states)!;
    for (let i = 0; i < states.length; i++) expect(countDistinct([pa, pb], (part, k) => k === i, 10)).toBe(1);
    expect(countDistinct([pa, pb], () => true, Infinity)).toBe(states.length);
    // A key new to both, interned by the second, is the first's next id when the first takes it in.
    const id = b.ns.values.intern('only-here');
    expect(a.ns.values.idOfKey('"only-here"')).toBeUndefined();
    search.beginLevel(99);
    expect(a.ns.values.idOfKey('"only-here"')).toBe(id);
  });
  test('threads whose systems interned different ids when built: a TransferError, so the search runs on one thread', () => {
    const log = createKeyLog();
    const a = compileSystem(mailboxes(2, 2, 2));
    new SharedKeys(log, tablesOf(a)).attach();
    const b = compileSystem(mailboxes(2, 2, 2));
    b.ns.values.intern('extra');
    expect(() => new SharedKeys(log, tablesOf(b)).attach()).toThrow(TransferError);
  });
  test('a full log: a TransferError, not a wrong id', () => {
    const a = compileSystem(mailboxes(2, 2, 2));
    const keys = new SharedKeys(createKeyLog(64, 4096), tablesOf(a));
    keys.attach();
    expect(() => { for (let i = 0; i < 100; i++) a.ns.values.intern(i + 1000); }).toThrow(TransferError);
  });
});

describe('built-in scenarios', () => {
  const cases: [string, string, MemoryModelName][] = [
    ['kvm-vcpu-kick', 'correct', 'tso'],
    ['kvm-vcpu-kick', 'no-vcpu-barrier', 'tso'],
    ['linux-ring-barriers', 'no-mask-rmb', 'tso'],
    ['peterson', 'correct', 'sc'],
    ['peterson', 'broken', 'sc'],
    ['lost-wakeup', 'buggy', 'sc'],
  ];
  test.each(cases)('%s %s under %s: as the sequential explorer', async (scenario, variant, memory) => {
    const def = scenarioVariant({ scenario, variant });
    const seq = explore(def, { ...UNREDUCED, memory });
    const par = await exploreAsync(def, { ...UNREDUCED, ...twoThreads('scenarioVariant', { scenario, variant }), memory });
    expect(par.stats.threads).toEqual({ used: 2 });
    expect(par.verdict).toBe(seq.verdict);
    const withMemory = { ...def, memory };
    if (seq.verdict === 'verified') {
      expect([par.stats.states, par.stats.transitions]).toEqual([seq.stats.states, seq.stats.transitions]);
      // Reachability goals: reached alike, by a witness as short, that leads where the goal holds.
      expect(par.goals.map((g) => [g.property, g.reached, g.steps?.length])).toEqual(seq.goals.map((g) => [g.property, g.reached, g.steps?.length]));
      for (const g of par.goals) if (g.steps) expect(goalHoldsAfter(withMemory, g.property, g.steps)).toBe(true);
      return;
    }
    const [v] = par.violations;
    expect(v.property).toBe(seq.violations[0].property);
    expect(v.steps.length).toBeLessThanOrEqual(seq.violations[0].steps.length);
    expect(replayViolation(withMemory, v)).toBe(replayViolation(withMemory, seq.violations[0]));
  }, 20_000);
});

describe('bounds', () => {
  const def = () => scenarioVariant({ scenario: 'vtl2-servicing', variant: 'mask-and-drain-hyperv' });
  const recipe = twoThreads('scenarioVariant', { scenario: 'vtl2-servicing', variant: 'mask-and-drain-hyperv' });
  test('a reachability goal no state reaches: unreached, as on one thread', async () => {
    const unreachable = withUnreachableGoal();
    const seq = explore(unreachable, UNREDUCED);
    const par = await exploreAsync(unreachable, { ...UNREDUCED, ...twoThreads('withUnreachableGoal', undefined) });
    expect([seq.verdict, seq.stats.states]).toEqual(['unreached', 34]);
    expect([par.verdict, par.stats.states, par.stats.threads?.used]).toEqual(['unreached', 34, 2]);
    expect(par.goals.map((g) => g.reached)).toEqual(seq.goals.map((g) => g.reached));
  });
  test('threads that build another system than the one given: an error, not a verdict', async () => {
    await expect(exploreAsync(withUnreachableGoal(), { ...UNREDUCED, ...twoThreads('scenarioVariant', { scenario: 'peterson', variant: 'correct' }) })).rejects.toThrow(/not the system given/);
  });
  test('a depth limit: bounded, with the states the sequential search stores up to it', async () => {
    const seq = explore(def(), { ...UNREDUCED, maxDepth: 6 });
    const par = await exploreAsync(def(), { ...UNREDUCED, ...recipe, maxDepth: 6 });
    expect([par.verdict, par.bounds.map((b) => b.kind), par.stats.states]).toEqual(['bounded', ['maxDepth'], seq.stats.states]);
  });
  test('a state limit and an abort: bounded', async () => {
    const capped = await exploreAsync(def(), { ...UNREDUCED, ...recipe, maxStates: 500 });
    expect([capped.verdict, capped.bounds.map((b) => b.kind)]).toEqual(['bounded', ['maxStates']]);
    const controller = new AbortController();
    controller.abort();
    const stopped = await exploreAsync(def(), { ...UNREDUCED, ...recipe, signal: controller.signal });
    expect([stopped.verdict, stopped.bounds.map((b) => b.kind)]).toEqual(['bounded', ['interrupted']]);
  });
});

describe('afterSeconds: one thread first, the threads only for a search still running then', () => {
  const sizes: [number, number, number] = [3, 6, 3];
  // The one-thread search each is compared with, searched once for all three.
  let seqRun: ReturnType<typeof explore> | undefined;
  const sequential = () => (seqRun ??= explore(mailboxes(...sizes), UNREDUCED));
  test('a search not over by then starts over on the threads and stores the states of one thread', async () => {
    const seq = sequential();
    const par = await exploreAsync(mailboxes(...sizes), { ...UNREDUCED, threads: { count: 2, system: { module: recipeModule, export: 'mailboxModel', data: sizes }, afterSeconds: 0.01 } });
    expect(seq.stats.seconds).toBeGreaterThan(0.01);
    expect(par.stats.threads?.used).toBe(2);
    expect(par.stats.threads?.startedOverAfter).toBeGreaterThanOrEqual(0.01);
    expect([par.verdict, par.stats.states, par.stats.transitions, par.bounds]).toEqual([seq.verdict, seq.stats.states, seq.stats.transitions, []]);
    expect(par.stats.seconds).toBeGreaterThan(par.stats.threads!.startedOverAfter!);
  }, 20_000);
  test('a search over by then is the one-thread search, and says so', async () => {
    const seq = sequential();
    const par = await exploreAsync(mailboxes(...sizes), { ...UNREDUCED, threads: { count: 2, system: { module: recipeModule, export: 'mailboxModel', data: sizes }, afterSeconds: 60 } });
    expect([par.verdict, par.stats.states, par.bounds]).toEqual([seq.verdict, seq.stats.states, []]);
    expect(par.stats.threads).toEqual({ used: 1, reason: 'over on one thread within 60 s' });
  });
  test('a time limit within afterSeconds: one thread only, and why', async () => {
    const par = await exploreAsync(mailboxes(...sizes), { ...UNREDUCED, timeLimitSeconds: 30, threads: { count: 2, system: { module: recipeModule, export: 'mailboxModel', data: sizes }, afterSeconds: 60 } });
    expect([par.verdict, par.stats.states, par.stats.threads]).toEqual([sequential().verdict, sequential().stats.states, { used: 1, reason: 'the time limit of 30 s ends within the 60 s searched on one thread first' }]);
  });
  test('a time limit counts from the start: the threads get what is left of it', async () => {
    const par = await exploreAsync(mailboxes(3, 10, 3), { ...UNREDUCED, timeLimitSeconds: 0.3, threads: { count: 2, system: { module: recipeModule, export: 'mailboxModel', data: [3, 10, 3] }, afterSeconds: 0.1 } });
    expect([par.verdict, par.bounds.map((b) => b.kind)]).toEqual(['bounded', ['timeLimit']]);
    expect(par.stats.seconds).toBeLessThan(3);
  }, 20_000);
});

describe('what runs on one thread', () => {
  test('arm, liveness, coverage and collecting all violations say why', async () => {
    const kick = { scenario: 'kvm-vcpu-kick', variant: 'correct' };
    const reasonOf = async (options: ExploreOptions, variant = kick) => (await exploreAsync(scenarioVariant(variant), { ...UNREDUCED, ...twoThreads('scenarioVariant', variant), ...options, maxStates: 2000 })).stats.threads;
    expect(await reasonOf({ memory: 'arm' })).toEqual({ used: 1, reason: 'the threads cannot exchange states under arm' });
    expect(await reasonOf({ coverage: true })).toEqual({ used: 1, reason: 'coverage is counted on one thread' });
    expect(await reasonOf({ allViolations: true })).toEqual({ used: 1, reason: 'all violations are collected on one thread' });
    expect(await reasonOf({ partialOrder: true })).toEqual({ used: 1, reason: 'partial-order reduction runs on one thread' });
    expect(await reasonOf({}, { scenario: 'vtl2-servicing', variant: 'mask-and-drain-hyperv' })).toEqual({ used: 1, reason: 'liveness properties need the whole graph in one thread' });
  });
});
