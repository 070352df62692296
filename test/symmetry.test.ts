// Symmetry reduction (checker/symmetry.ts), switched on by hand: against the unreduced search on
// kvm-vcpu-kick, whose vCPU/requester pairs never interact, so the orbits are counted independently:
// n identical independent pairs of k states each have C(k + n - 1, n) orbits (multisets of n of k).
import { describe, expect, test } from 'vitest';
import { explore } from '../checker/index.ts';
import { kvmVcpuKickScenario } from '../models/scenarios/kvmVcpuKick.ts';
import { replayViolation } from './reference/replay.ts';

const variant = (name: string) => kvmVcpuKickScenario.variants.find((v) => v.name === name)!;
const summary = (r: ReturnType<typeof explore>) => ({ verdict: r.verdict, violated: r.violations.map((v) => [v.property, v.steps.length]), bounds: r.bounds.map((b) => b.kind) });

describe('symmetry reduction', () => {
  test('is off unless switched on, and says so', () => {
    const r = explore(variant('correct').system(), { memory: 'sc' });
    expect(r.stats.states).toBe(40 * 40);
    expect(r.stats.symmetry?.applied).toBe(false);
  });

  for (const [name, memory, onePair] of [['correct', 'sc', 40], ['correct-arm', 'arm', 88]] as const) {
    test(`${name} (${memory}), 2 pairs: the same verdict in C(k+1, 2) orbits, standing for the k^2 states`, () => {
      const system = variant(name).system();
      const off = explore(system, { memory });
      const on = explore(system, { memory, symmetry: true });
      expect(off.stats.states).toBe(onePair * onePair);
      expect(on.stats.states).toBe((onePair * (onePair + 1)) / 2);
      expect(on.stats.symmetry?.represented).toBe(off.stats.states);
      expect(summary(on)).toEqual(summary(off));
    });
  }

  for (const name of ['kick-without-request', 'no-vcpu-barrier-arm']) {
    test(`${name}: the same violated properties, counterexamples as short, and they replay concretely`, () => {
      const system = variant(name).system();
      const off = explore(system, { allViolations: true });
      const on = explore(system, { allViolations: true, symmetry: true });
      expect(on.verdict).toBe('violated');
      expect(summary(on)).toEqual(summary(off));
      for (const v of on.violations) expect(replayViolation(system, v)).toBe(v.steps.length);
    });
  }
});
