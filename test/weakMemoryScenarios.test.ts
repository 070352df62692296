// The weak-memory scenarios under every memory model they state an expectation for: apple-tso-mode
// (x86-style ring code is correct under TSO, Apple's TSO mode on, and breaks under ARMv8 unless it has
// the ARM barriers or release/acquire) and kvm-vcpu-kick (each missing barrier of the Dekker pair);
// channel-lifecycle's protocol races do not depend on the memory model, so its verdicts stay put.
import { describe, expect, it } from 'vitest';
import { defineSystem, explore, invariant, MEMORY_MODELS } from '../checker/index.ts';
import { appleTsoMode } from '../models/scenarios/appleTsoMode.ts';
import { channelLifecycle } from '../models/scenarios/channelLifecycle.ts';
import { kvmVcpuKickScenario } from '../models/scenarios/kvmVcpuKick.ts';
import { linuxRingBarriersScenario } from '../models/scenarios/linuxRingBarriers.ts';
import { vmbusSignalEomScenario } from '../models/scenarios/vmbusSignalEom.ts';

for (const scenario of [appleTsoMode, kvmVcpuKickScenario, linuxRingBarriersScenario, vmbusSignalEomScenario, channelLifecycle]) describe(scenario.name, () => {
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

describe('the barriers of the ring and SIM-slot components', () => {
  it('the verified ring and EOM systems do reach the end where everything was delivered (not vacuous)', async () => {
    const { linuxRingBarriers } = await import('../models/scenarios/linuxRingBarriers.ts');
    const { vmbusSignalEom } = await import('../models/scenarios/vmbusSignalEom.ts');
    for (const memory of MEMORY_MODELS) {
      const ring = linuxRingBarriers(memory);
      const r = explore(defineSystem({ ...ring, properties: { neverDone: invariant((g) => (g.actors.consumer.context as { received: unknown[] }).received.length < 2) } }));
      expect(r.verdict).toBe('violated');
      const eom = vmbusSignalEom(memory, 'cmpxchg');
      const e = explore(defineSystem({ ...eom, properties: { neverDone: invariant((g) => (g.actors.guest.context as { handled: unknown[] }).handled.length < 2) } }));
      expect(e.verdict).toBe('violated');
    }
  });

  it('the EOM bug needs the missing barrier, not a weaker hypervisor: with the barrier only, it is verified under tso', async () => {
    const { vmbusSignalEom } = await import('../models/scenarios/vmbusSignalEom.ts');
    expect(explore(vmbusSignalEom('tso', 'store')).verdict).toBe('violated');
    expect(explore(vmbusSignalEom('tso', 'store-mb')).verdict).toBe('verified');
  });
});
