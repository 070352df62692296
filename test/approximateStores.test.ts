// The approximate stores (`store: 'compact'`, `'bitstate'`; checker/frontierStore.ts, checker/seenSet.ts)
// against the full store and the brute-force reference: with no collision they explore the same states
// and find the same violations, whose counterexamples replay; a bit array too small for the state space
// misses states and says so (a high estimated probability, no verified verdict); the estimates
// themselves against direct sums and a simulation.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Execution, explore, leadsTo } from '../checker/index.ts';
import type { CheckResult, GlobalView, SystemDefinition } from '../checker/index.ts';
import { FrontierStore } from '../checker/frontierStore.ts';
import { BitstateSet, FingerprintSet, UNKNOWN_INDEX } from '../checker/seenSet.ts';
import { approximateVerdict, MAX_OMISSION_PROBABILITY } from '../checker/storeApproximation.ts';
import { builtinScenarios } from '../models/scenarios/index.ts';
import { counters } from '../bench/models.ts';
import { bruteForce, referenceLassoCheck, referenceReplay } from './reference/bruteForce.ts';
import { buildSystem, systemDataArb } from './reference/randomSystem.ts';
import { replayViolation } from './reference/replay.ts';
import { UNREDUCED } from './support/unreduced.ts';

/** What must not depend on how states are kept: the verdict aside (probabilistic), everything a report says. */
const summary = (r: CheckResult) => ({
  states: r.stats.states, transitions: r.stats.transitions, depth: r.stats.depth,
  violations: r.violations.map((v) => [v.property, v.message, v.steps.length, v.cycleStart]),
  goals: r.goals.map((g) => [g.property, g.steps?.length ?? null]),
  bounds: r.bounds.map((b) => b.kind),
});

const probabilistic = (verdict: string) => (verdict === 'verified' ? 'verified-probabilistic' : verdict);

/**
 * Every counterexample is a real run: a safety one replays to its violation (the engine's Execution,
 * test/reference/replay.ts), a liveness one is re-judged as a lasso over the states its steps pass.
 */
function expectReplays(system: SystemDefinition, r: CheckResult): void {
  for (const v of r.violations) {
    if (v.cycleStart === undefined) { expect(replayViolation(system, v)).toBeGreaterThanOrEqual(0); continue; }
    const exec = new Execution(system);
    const states = [exec.initial().state!];
    for (const step of v.steps) states.push(exec.apply(states.at(-1)!, step)!.state!);
    expect(exec.lassoJudgement(v.property, states, v.steps, v.cycleStart)).toEqual({ violated: true, message: v.message });
  }
}

describe('the seen sets', () => {
  const pair = fc.tuple(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));

  test('fingerprints: found exactly when inserted, with their index, through several rehashes; without indices, UNKNOWN_INDEX', () => {
    fc.assert(fc.property(fc.array(pair, { maxLength: 300 }), (pairs) => {
      const indexed = new FingerprintSet(true, 1);
      const plain = new FingerprintSet(false, 1);
      const reference = new Map<string, number>();
      for (const [lo, hi] of pairs) {
        // (0, 0) marks an empty slot: it is stored as (1, 0), so the two are one fingerprint.
        const key = lo === 0 && hi === 0 ? '1,0' : `${lo},${hi}`;
        const known = reference.get(key);
        expect(indexed.find(lo, hi)).toBe(known ?? -1);
        expect(plain.find(lo, hi)).toBe(known === undefined ? -1 : UNKNOWN_INDEX);
        if (known === undefined) {
          indexed.insertLast(reference.size);
          plain.insertLast(reference.size);
          reference.set(key, reference.size);
        }
      }
      for (const [key, idx] of reference) {
        const [lo, hi] = key.split(',').map(Number);
        expect(indexed.find(lo, hi)).toBe(idx);
      }
    }), { numRuns: 100 });
  });

  test('fingerprints that share their low word (one slot) are told apart by the high one', () => {
    const s = new FingerprintSet(true, 2);
    for (let hi = 0; hi < 20; hi++) { expect(s.find(8, hi)).toBe(-1); s.insertLast(hi); }
    for (let hi = 0; hi < 20; hi++) expect(s.find(8, hi)).toBe(hi);
    expect(s.find(8, 20)).toBe(-1);
  });

  test('bits: a fingerprint inserted is always found (no state is explored twice)', () => {
    fc.assert(fc.property(fc.array(pair, { maxLength: 300 }), fc.integer({ min: 3, max: 16 }), fc.integer({ min: 1, max: 5 }), (pairs, bits, k) => {
      const s = new BitstateSet(bits, k);
      for (const [lo, hi] of pairs) if (s.find(lo, hi) === -1) s.insertLast();
      for (const [lo, hi] of pairs) expect(s.find(lo, hi)).toBe(UNKNOWN_INDEX);
    }), { numRuns: 100 });
  });

  test("compaction's estimate: n(n-1)/2 pairs, each colliding with probability 2^-64 (the birthday bound)", () => {
    const s = new FingerprintSet(false);
    expect(s.expectedOmissions(1)).toBe(0);
    // n = 2^32: n^2 / 2^65 = 1/2 expected collisions (less 2^-33).
    expect(s.expectedOmissions(2 ** 32)).toBeCloseTo(0.5, 6);
    expect(s.expectedOmissions(1e6) / (1e12 / 2 ** 65)).toBeCloseTo(1, 3);
  });

  test("bitstate's estimate matches the direct sum over the states, and a simulation of random fingerprints", () => {
    const bits = 12;
    const k = 3;
    const n = 400;
    const m = 2 ** bits;
    let direct = 0;
    for (let i = 0; i < n; i++) direct += (1 - Math.exp((-k * i) / m)) ** k;
    const estimate = new BitstateSet(bits, k).expectedOmissions(n);
    expect(estimate / direct).toBeCloseTo(1, 2);
    // Simulation: insert n distinct random fingerprints, count those taken for one seen before.
    let seed = 12345;
    const random = () => { seed = (Math.imul(seed, 1103515245) + 12345) | 0; return Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d); };
    const trials = 200;
    let missed = 0;
    for (let t = 0; t < trials; t++) {
      const s = new BitstateSet(bits, k);
      for (let i = 0; i < n; i++) {
        if (s.find(random(), random()) === -1) s.insertLast();
        else missed++;
      }
    }
    // About 4.2 a trial; the simulated mean within 10% of the estimate (840 events: sd ~ 3.5%).
    expect(missed / trials / estimate).toBeGreaterThan(0.9);
    expect(missed / trials / estimate).toBeLessThan(1.1);
  });
});

describe('the frontier store', () => {
  const shape = { fixedWidth: 3, queueBase: Int32Array.from([3]), width: 6 };
  const vector = (i: number) => Int32Array.from([i % 1000, Math.floor(i / 1000), 2 ** 20 + i, 2, i, i + 1]);

  test('hands states back in discovery order, frees the chunks expanded, and keeps parents and steps', () => {
    const store = new FrontierStore(shape, new FingerprintSet(true));
    const out = new Int32Array(shape.width);
    const n = 300_000; // ~7 MB of packed states: more than one 4 MB chunk
    const wrong: string[] = [];
    for (let i = 0; i < n; i++) if (store.add(vector(i), i - 1, i % 7) !== i) wrong.push(`add ${i}`);
    const before = store.bytes;
    for (let i = 0; i < n; i++) {
      store.readForSuccessors(i, out);
      if (out.join() !== vector(i).join()) wrong.push(`read ${i}`);
      // Seen again: found by its fingerprint, with its index, whether or not it is still stored whole.
      if (i % 1000 === 0 && (store.add(vector(i), 0, 0) !== i || store.wasNew)) wrong.push(`again ${i}`);
    }
    expect(wrong).toEqual([]);
    expect(store.holds(0)).toBe(false);
    expect(() => store.read(0, out)).toThrow(/no longer stored whole/);
    expect(store.holds(n - 1)).toBe(true);
    expect([store.parentOf(n - 1), store.stepOf(n - 1)]).toEqual([n - 2, (n - 1) % 7]);
    // Peak bytes: the frontier at its largest, kept after it shrank.
    expect(store.bytes).toBe(before);
  });

  test('a bit array reports a state seen again without its index, and adds nothing at the state limit', () => {
    const store = new FrontierStore(shape, new BitstateSet(20, 3));
    expect(store.add(vector(1), -1, -1)).toBe(0);
    expect(store.add(vector(1), 0, 0)).toBe(UNKNOWN_INDEX);
    expect(store.wasNew).toBe(false);
    expect(store.add(vector(2), 0, 0, false)).toBe(-1);
    expect(store.count).toBe(1);
  });
});

describe('verdicts over an approximate store', () => {
  test('no violation: verified-probabilistic while a miss is unlikely, bounded (omissions) beyond; a violation stays one', () => {
    const a = (p: number) => ({ store: 'compact' as const, fingerprintBits: 64, states: 10, omissionProbability: p, expectedOmissions: -Math.log1p(-p) });
    expect(approximateVerdict('verified', a(1e-9))).toEqual({ verdict: 'verified-probabilistic' });
    expect(approximateVerdict('verified', a(MAX_OMISSION_PROBABILITY))).toEqual({ verdict: 'verified-probabilistic' });
    const over = approximateVerdict('verified', a(0.2));
    expect(over.verdict).toBe('bounded');
    expect(over.bound?.kind).toBe('omissions');
    expect(approximateVerdict('unreached', a(0.2)).verdict).toBe('bounded');
    expect(approximateVerdict('unreached', a(1e-9)).verdict).toBe('unreached');
    expect(approximateVerdict('violated', a(0.99))).toEqual({ verdict: 'violated' });
  });
});

describe('the built-in scenarios', () => {
  const picked = new Set(['shutdown-ic-boot/buggy-linux', 'shutdown-ic-boot/fixed-linux', 'channel-lifecycle/rescind-open-ccb61f8', 'channel-lifecycle/rescind-open-linux-today',
    'lost-wakeup/buggy', 'lost-wakeup/fixed', 'peterson/correct', 'peterson/broken', 'apple-tso-mode/x86-code-arm-mode', 'apple-tso-mode/x86-code-tso-mode', 'exit-boot-services/no-retry']);
  const variants = builtinScenarios.flatMap((sc) => sc.variants.filter((v) => picked.has(`${sc.name}/${v.name}`)).map((v) => [`${sc.name}/${v.name}`, v] as const));

  test('the scenarios picked are there', () => expect(variants.map(([name]) => name).sort()).toEqual([...picked].sort()));

  test.each(variants)('%s: compact finds what the full store finds, liveness included, and its counterexamples replay', (_, v) => {
    const system = v.system();
    for (const allViolations of [false, true]) {
      const full = explore(system, { ...UNREDUCED, allViolations });
      const compact = explore(system, { ...UNREDUCED, allViolations, store: 'compact' });
      expect(summary(compact)).toEqual(summary(full));
      expect(compact.verdict).toBe(probabilistic(full.verdict));
      expect(compact.approximation).toMatchObject({ store: 'compact', fingerprintBits: 64, states: full.stats.states });
      const { omissionProbability, expectedOmissions } = compact.approximation!;
      expect(omissionProbability).toBeLessThan(1e-9);
      // No miss at all with probability e^-expected (the misses about Poisson).
      expect(omissionProbability).toBeCloseTo(-Math.expm1(-expectedOmissions), 20);
      expect(expectedOmissions / ((full.stats.states * (full.stats.states - 1)) / 2 / 2 ** 64)).toBeCloseTo(1, 9);
      expectReplays(system, compact);
    }
  });

  test.each(variants)('%s: bitstate, ample bits: the same states; liveness is left unjudged, never verified', (_, v) => {
    const system = v.system();
    const full = explore(system, { ...UNREDUCED, allViolations: true });
    const bits = explore(system, { ...UNREDUCED, allViolations: true, store: 'bitstate', bitstateBits: 24 });
    const live = Object.values(system.properties ?? {}).some((p) => p.kind === 'liveness');
    expect(bits.stats.states).toBe(full.stats.states);
    expect(bits.approximation).toMatchObject({ store: 'bitstate', bits: 2 ** 24, hashes: 3 });
    const safety = (r: CheckResult) => r.violations.filter((x) => x.cycleStart === undefined).map((x) => [x.property, x.steps.length]);
    expect(safety(bits)).toEqual(safety(full));
    if (live) {
      expect(bits.bounds.map((b) => b.kind)).toContain('unjudged');
      expect(bits.violations.some((x) => x.cycleStart !== undefined)).toBe(false);
      expect(bits.verdict).toBe(safety(full).length > 0 ? 'violated' : 'bounded');
    } else {
      expect(bits.verdict).toBe(probabilistic(full.verdict));
    }
    expectReplays(system, bits);
  });
});

describe('random systems', () => {
  test('compact and bitstate against the full store and the reference: states, transitions, violations, shortest replayable counterexamples', () => {
    const seen = { compared: 0, violated: 0 };
    fc.assert(
      fc.property(systemDataArb, (data) => {
        const system = buildSystem(data);
        const ref = bruteForce(system, 1_000);
        if (ref.gaveUp) return;
        seen.compared++;
        const full = explore(system, { ...UNREDUCED, allViolations: true });
        for (const options of [{ store: 'compact' as const }, { store: 'bitstate' as const, bitstateBits: 24 }]) {
          const r = explore(system, { ...UNREDUCED, allViolations: true, ...options });
          expect(r.stats.states).toBe(ref.states);
          expect(r.stats.transitions).toBe(ref.transitions);
          expect(summary(r)).toEqual(summary(full));
          expect(r.verdict).toBe(probabilistic(full.verdict));
          for (const v of r.violations) {
            expect(replayViolation(system, v)).toBe(ref.shortest.get(v.property));
            expect(referenceReplay(system, v.property, v.steps)).toBe(ref.shortest.get(v.property));
          }
        }
        if (ref.violated.size > 0) seen.violated++;
      }),
      { numRuns: 120 },
    );
    expect(seen.compared).toBeGreaterThan(100);
    expect(seen.violated).toBeGreaterThan(20);
  });

  test('liveness over compact: the verdicts, lassos and messages of the full store', () => {
    let lassos = 0;
    const holds = (g: GlobalView, c: string, value: number) => g.cells[c] === value;
    fc.assert(
      fc.property(systemDataArb, fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.constantFrom('none' as const, 'weak' as const), (data, p, q, fairness) => {
        const base = buildSystem(data);
        const system: SystemDefinition = { ...base, fairness, properties: { ...base.properties, live: leadsTo((g) => holds(g, 'c0', p), (g) => holds(g, 'c1', q)) } };
        const full = explore(system, { ...UNREDUCED, allViolations: true, maxStates: 2_000 });
        const compact = explore(system, { ...UNREDUCED, allViolations: true, maxStates: 2_000, store: 'compact' });
        expect(summary(compact)).toEqual(summary(full));
        for (const v of compact.violations.filter((x) => x.cycleStart !== undefined)) {
          expect(referenceLassoCheck(system, v.property, v.steps, v.cycleStart!)).toBeNull();
          lassos++;
        }
      }),
      { numRuns: 100 },
    );
    // Not vacuous: some runs do end in a lasso (about one in twelve; the seed varies from run to run).
    expect(lassos).toBeGreaterThan(0);
  });
});

describe('a bit array too small for the state space', () => {
  test('misses states, says a miss is near certain, and claims no verdict', () => {
    const system = counters(3, 10); // 1,000 states by construction
    const r = explore(system, { ...UNREDUCED, store: 'bitstate', bitstateBits: 8 });
    expect(r.stats.states).toBeLessThan(1_000);
    expect(r.approximation!.omissionProbability).toBeGreaterThan(0.99);
    expect(r.verdict).toBe('bounded');
    expect(r.bounds.map((b) => b.kind)).toEqual(['omissions']);
    expect(r.bounds[0].detail).toMatch(/bitstate store, 2\^8 bits, 3 set by each of [\d,]+ states, estimated probability of a missed state 1/);
    // Ample bits: every state, and a miss unlikely.
    const ample = explore(system, { ...UNREDUCED, store: 'bitstate', bitstateBits: 24 });
    expect([ample.stats.states, ample.verdict]).toEqual([1_000, 'verified-probabilistic']);
  });

  test('a violation it still finds is real: the counterexample replays', () => {
    const broken = builtinScenarios.find((s) => s.name === 'peterson')!.variants.find((v) => v.name === 'broken')!.system();
    const r = explore(broken, { ...UNREDUCED, store: 'bitstate', bitstateBits: 7 });
    expect(r.stats.states).toBeLessThan(explore(broken, UNREDUCED).stats.states);
    expect(r.verdict).toBe('violated');
    expectReplays(broken, r);
  });

  test('a liveness violation over compact names the state its obligation opened in, rebuilt by replay', () => {
    const buggy = builtinScenarios.find((s) => s.name === 'shutdown-ic-boot')!.variants.find((v) => v.name === 'buggy-linux')!.system();
    const property = 'lostInterruptLive';
    const full = explore(buggy, { ...UNREDUCED, allViolations: true }).violations.find((v) => v.property === property)!;
    const compact = explore(buggy, { ...UNREDUCED, allViolations: true, store: 'compact' }).violations.find((v) => v.property === property)!;
    // The message describes the trigger state, which compact no longer keeps and rebuilds by replay.
    expect(compact.message).toBe(full.message);
    expect(compact.message).toMatch(/\S/);
  });
});
