// The weak-memory scenarios under every memory model they state an expectation for: apple-tso-mode
// (x86-style ring code is correct under TSO, Apple's TSO mode on, and breaks under ARMv8 unless it has
// the ARM barriers or release/acquire) and kvm-vcpu-kick (each missing barrier of the Dekker pair).
import { describe, expect, it } from 'vitest';
import { explore, MEMORY_MODELS } from '../checker/index.ts';
import { appleTsoMode } from '../models/scenarios/appleTsoMode.ts';
import { kvmVcpuKickScenario } from '../models/scenarios/kvmVcpuKick.ts';
import { linuxRingBarriersScenario } from '../models/scenarios/linuxRingBarriers.ts';

for (const scenario of [appleTsoMode, kvmVcpuKickScenario, linuxRingBarriersScenario]) describe(scenario.name, () => {
  for (const v of scenario.variants) {
    for (const memory of MEMORY_MODELS) {
      const expected = memory === v.memory ? v.expected : v.expectedUnder?.[memory];
      if (expected === undefined) continue;
      it(`${v.name} under ${memory}: ${expected}`, () => {
        const r = explore(v.system(), { memory });
        if (r.verdict !== 'violated') expect(r.bounds).toEqual([]);
        expect(r.verdict).toBe(expected);
        if (r.verdict === 'violated') expect(r.violations[0].property).toBe(v.expectedProperty ?? (scenario === appleTsoMode ? 'ringOrder' : 'lostKick'));
      });
    }
  }

  if (scenario === appleTsoMode) {
    it('every variant states its expectation under every memory model', () => {
      for (const v of scenario.variants) {
        for (const memory of MEMORY_MODELS) expect(memory === v.memory ? v.expected : v.expectedUnder?.[memory]).toBeDefined();
      }
    });
  }
});
