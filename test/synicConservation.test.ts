// A conservation law for the SynIC, checked on random request sequences (fast-check): every message
// posted and accepted is, at any moment, exactly once in a slot, in a queue, consumed by the guest, or
// recorded as dropped. TLFS Hyper-V drops only at a VP reset (its queues are empty after one). Independent of the rules' details, so it
// catches a message duplicated or silently lost by any of them.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { initialSynicContext, synicStep } from '../models/synic.ts';
import type { SynicContext, SynicEvent, SynicSemantics } from '../models/synic.ts';

const SINTS = [0, 2];

const request = fc.oneof(
  fc.record({ type: fc.constant('postMessage' as const), sint: fc.constantFrom(...SINTS) }),
  fc.record({ type: fc.constant('take' as const), sint: fc.constantFrom(...SINTS) }),
  fc.record({ type: fc.constant('eom' as const) }),
  fc.record({ type: fc.constant('scan' as const) }),
  fc.record({ type: fc.constant('setMasked' as const), sint: fc.constantFrom(...SINTS), masked: fc.boolean() }),
  fc.record({ type: fc.constant('reset' as const) }),
);

type Request = typeof request extends fc.Arbitrary<infer T> ? T : never;

function check(semantics: SynicSemantics, requests: Request[]) {
  let ctx: SynicContext = initialSynicContext({ semantics, interruptTarget: 'guest', sints: SINTS, queueCapacity: 64 });
  let n = 0;
  const accepted = new Set<string>();
  const consumed: string[] = [];
  const apply = (e: SynicEvent) => {
    const out = synicStep(ctx, e);
    ctx = out.context;
    return out.effects;
  };
  for (const r of requests) {
    if (r.type === 'postMessage') {
      const id = `m${n++}`;
      const effects = apply({ type: 'postMessage', sint: r.sint, message: { type: id } });
      const status = effects.flatMap((e) => ('reply' in e ? [e.reply.status] : []))[0];
      if (status !== 'insufficientBuffers') accepted.add(id);
    } else if (r.type === 'take') {
      const slot = ctx.sints[r.sint].slot;
      const effects = apply({ type: 'clearSlot', sint: r.sint });
      if (slot) consumed.push(slot.type);
      expect(effects).toHaveLength(1);
    } else if (r.type === 'scan') {
      apply({ type: 'scan' });
    } else {
      apply(r as SynicEvent);
    }
    const held = Object.values(ctx.sints).flatMap((s) => [...(s.slot ? [s.slot.type] : []), ...s.queue.map((m) => m.type)]);
    const dropped = ctx.dropped.map((d) => d.message.type);
    if (semantics === 'tlfs-hyperv') for (const d of ctx.dropped) expect(d.reason).toContain('VP reset');
    const all = [...held, ...consumed, ...dropped];
    expect(new Set(all).size).toBe(all.length); // nothing duplicated
    expect(new Set(all)).toEqual(accepted); // nothing lost
  }
}

describe('SynIC message conservation', () => {
  for (const semantics of ['tlfs-hyperv', 'hv1-emulator', 'whp-offloaded'] as const) {
    it(`${semantics}: every accepted message is held, consumed or dropped, exactly once`, () => {
      fc.assert(fc.property(fc.array(request, { maxLength: 40 }), (rs) => check(semantics, rs)), { numRuns: 300 });
    });
  }

  it('a message in a queue is never overtaken by a later one on the same SINT', () => {
    fc.assert(fc.property(fc.array(request, { maxLength: 40 }), fc.constantFrom<SynicSemantics>('tlfs-hyperv', 'hv1-emulator', 'whp-offloaded'), (rs, semantics) => {
      let ctx = initialSynicContext({ semantics, interruptTarget: 'guest', sints: SINTS, queueCapacity: 64 });
      const seen: Record<number, number[]> = { 0: [], 2: [] };
      let n = 0;
      for (const r of rs) {
        if (r.type === 'postMessage') ctx = synicStep(ctx, { type: 'postMessage', sint: r.sint, message: { type: 'm', seq: n++ } }).context;
        else if (r.type === 'take') {
          const slot = ctx.sints[r.sint].slot;
          if (slot) seen[r.sint].push(slot.seq as number);
          ctx = synicStep(ctx, { type: 'clearSlot', sint: r.sint }).context;
        } else ctx = synicStep(ctx, r as SynicEvent).context;
      }
      for (const sint of SINTS) expect(seen[sint]).toEqual([...seen[sint]].sort((a, b) => a - b));
    }), { numRuns: 300 });
  });
});
