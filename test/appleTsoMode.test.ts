// The apple-tso-mode scenario under every memory model: x86-style ring code is correct under TSO (Apple's
// TSO mode on) and breaks under ARMv8 (mode off) unless it has the ARM barriers or release/acquire.
import { describe, expect, it } from 'vitest';
import { explore, MEMORY_MODELS } from '../checker/index.ts';
import { appleTsoMode } from '../models/scenarios/appleTsoMode.ts';

describe('apple-tso-mode', () => {
  for (const v of appleTsoMode.variants) {
    for (const memory of MEMORY_MODELS) {
      const expected = memory === v.memory ? v.expected : v.expectedUnder?.[memory];
      it(`${v.name} under ${memory}: ${expected}`, () => {
        const r = explore(v.system(), { memory });
        expect(r.bounds).toEqual([]);
        expect(r.verdict).toBe(expected);
        if (r.verdict === 'violated') expect(r.violations[0].property).toBe('ringOrder');
      });
    }
  }

  it('every variant states its expectation under every memory model', () => {
    for (const v of appleTsoMode.variants) {
      for (const memory of MEMORY_MODELS) expect(memory === v.memory ? v.expected : v.expectedUnder?.[memory]).toBeDefined();
    }
  });
});
