// The oracle for the memory models: each classic litmus test's outcome must be reachable exactly when
// herd7's model allows it (the issue's table; Alglave, Maranget, Tautschnig, "Herding cats", TOPLAS
// 2014, and the x86-TSO and ARMv8 results cited there). A row the arm model cannot match is skipped
// with its reason, never passed silently.
import { describe, expect, it } from 'vitest';
import { explore, MEMORY_MODELS } from '../checker/index.ts';
import { LITMUS_TESTS, litmusSystem } from '../models/litmus/litmus.ts';

describe('litmus tests', () => {
  for (const test of LITMUS_TESTS) {
    for (const memory of MEMORY_MODELS) {
      const allowed = test.allowed[memory];
      const title = `${test.name} under ${memory}: "${test.outcome}" is ${allowed ? 'allowed' : 'forbidden'}`;
      const limitation = memory === 'arm' ? test.armLimitation : undefined;
      if (limitation) {
        it.skip(`${title} (skipped: ${limitation})`, () => {});
        continue;
      }
      it(title, () => {
        const r = explore(litmusSystem(test, memory));
        expect(r.bounds).toEqual([]);
        expect(r.memory).toBe(memory);
        if (allowed) {
          expect(r.verdict).toBe('violated');
          expect(r.violations[0].property).toBe('outcome');
        } else {
          expect(r.verdict).toBe('verified');
        }
      });
    }
  }

  it('the arm model forbids load buffering, and says so with its verdicts', () => {
    const lb = LITMUS_TESTS.find((t) => t.name === 'LB')!;
    const r = explore(litmusSystem(lb, 'arm'));
    expect(r.verdict).toBe('verified');
    expect(r.memoryCaveat).toBe('without load buffering');
  });
});
