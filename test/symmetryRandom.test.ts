// Symmetry reduction on random symmetric systems (test/reference/randomSymmetricSystem.ts): reduced,
// unreduced and the brute-force reference give the same verdicts and violated properties; the reduced
// search stores no more states, its counterexamples are as short and replay concretely, and under sc
// and tso it stores exactly the reference's orbits (counted by test/reference/orbits.ts).
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { explore } from '../checker/index.ts';
import type { CheckResult, MemoryModelName } from '../checker/index.ts';
import { bruteForce } from './reference/bruteForce.ts';
import { orbitCount } from './reference/orbits.ts';
import { buildSymmetricSystem, memberPermutations, symmetricDataArb } from './reference/randomSymmetricSystem.ts';
import { replayViolation } from './reference/replay.ts';
import { UNREDUCED } from './support/unreduced.ts';

const violated = (r: CheckResult) => new Set(r.violations.map((v) => v.property));
const lengths = (r: CheckResult) => Object.fromEntries(r.violations.map((v) => [v.property, v.steps.length]));

const runs: [MemoryModelName, number][] = [['sc', 60], ['tso', 30], ['arm', 20]];

describe('symmetry reduction on random symmetric systems', () => {
  for (const [memory, numRuns] of runs) {
    test(`${memory}: the same verdicts as the unreduced search and the reference, fewer states${memory === 'arm' ? '' : ', one per orbit'}`, () => {
      const seen = { compared: 0, violated: 0, reduced: 0, over50: 0, orbits: 0, represented: 0 };
      fc.assert(
        fc.property(symmetricDataArb, (data) => {
          const system = { ...buildSymmetricSystem(data), memory };
          const off = explore(system, { ...UNREDUCED, allViolations: true });
          const on = explore(system, { ...UNREDUCED, allViolations: true, symmetry: true });
          expect(on.stats.symmetry?.applied).toBe(true);
          expect(on.verdict).toBe(off.verdict);
          expect(violated(on)).toEqual(violated(off));
          expect(new Set(on.bounds.map((b) => b.kind))).toEqual(new Set(off.bounds.map((b) => b.kind)));
          expect(lengths(on)).toEqual(lengths(off));
          expect(on.stats.states).toBeLessThanOrEqual(off.stats.states);
          const represented = on.stats.symmetry!.represented;
          if (represented !== null) { expect(represented).toBe(off.stats.states); seen.represented++; }
          // Where each counterexample shows (a stall's ends before its watchdog step), as the unreduced one's.
          const shows = Object.fromEntries(off.violations.map((v) => [v.property, replayViolation(system, v)]));
          for (const v of on.violations) expect(replayViolation(system, v)).toBe(shows[v.property]);

          const first = explore(system, { ...UNREDUCED, symmetry: true });
          expect(first.verdict).toBe(off.verdict);
          for (const v of first.violations) {
            expect(violated(off).has(v.property)).toBe(true);
            expect(replayViolation(system, v)).toBe(shows[v.property]);
          }

          const ref = bruteForce(system, 1_500, { states: memory !== 'arm' });
          if (!ref.gaveUp) {
            seen.compared++;
            expect(violated(on)).toEqual(ref.violated);
            for (const v of on.violations) expect(shows[v.property]).toBe(ref.shortest.get(v.property));
            if (memory !== 'arm') {
              const orbits = orbitCount(system, ref.reached!, memberPermutations(data.members));
              expect(orbits.states).toBe(ref.states);
              expect(on.stats.states).toBe(orbits.orbits);
              seen.orbits++;
            }
          }
          if (off.violations.length > 0) seen.violated++;
          if (on.stats.states < off.stats.states) seen.reduced++;
          if (off.stats.states > 50) seen.over50++;
        }),
        { numRuns, seed: { sc: 11, tso: 12, arm: 13 }[memory] },
      );
      // The generator must reach interesting systems, or agreement means little.
      expect(seen.compared).toBeGreaterThan(numRuns * 0.7);
      expect(seen.violated).toBeGreaterThan(numRuns * 0.2);
      expect(seen.violated).toBeLessThan(numRuns * 0.9);
      expect(seen.reduced).toBeGreaterThan(numRuns * (memory === 'arm' ? 0.4 : 0.5));
      expect(seen.over50).toBeGreaterThanOrEqual(3);
      if (memory !== 'arm') expect(seen.orbits).toBe(seen.compared);
      if (memory !== 'arm') expect(seen.represented).toBe(numRuns);
    });
  }
});
