import { describe, expect, it } from 'vitest';
import { explore } from '../checker/index.ts';
import { ring } from '../bench/ringModel.ts';
import { ringPromela } from '../bench/ringPromela.ts';
import { runSpin, spinAvailable } from '../bench/spin.ts';

// The benchmark's speed ratio means something only if SPIN explores the same graph: the generated
// Promela must reach exactly the checker's state count, and both must find the seeded bugs.
const haveSpin = spinAvailable();

describe.skipIf(!haveSpin)(`ring benchmark: Promela and the XState model agree${haveSpin ? '' : ' (skipped: spin or gcc not installed)'}`, () => {
  it('reaches the same number of states at two channels, three slots', () => {
    const p = { channels: 2, slots: 3, values: 3 };
    const r = explore(ring(p));
    expect(r.verdict).toBe('verified');
    const s = runSpin(ringPromela(p));
    expect(s.errors).toBe(0);
    expect(s.states).toBe(r.stats.states);
    expect(r.stats.states).toBeGreaterThan(10_000);
  }, 60_000);

  it('finds the stale read and the stranded packet, as SPIN does', () => {
    for (const [bug, property] of [['publish-before-fill', 'assertion'], ['no-recheck', 'deadlock']] as const) {
      const p = { channels: 1, slots: 3, values: 3, bug };
      const r = explore(ring(p));
      expect(r.violations.map((v) => v.property)).toEqual([property]);
      // One SPIN build is enough to show the Promela carries the bug; each costs a gcc run.
      if (bug === 'no-recheck') expect(runSpin(ringPromela(p)).errors).toBe(1);
    }
  }, 60_000);
});

describe('ring benchmark model', () => {
  it('the correct one-channel ring is verified with a state count SPIN confirmed (122 states)', () => {
    // 122: SPIN 6.5.2 on ringPromela({ channels: 1, slots: 3, values: 3 }), pan -DSAFETY -DNOREDUCE.
    const r = explore(ring({ channels: 1, slots: 3, values: 3 }));
    expect(r.verdict).toBe('verified');
    expect(r.stats.states).toBe(122);
  });
});
