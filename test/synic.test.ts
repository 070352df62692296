// SynIC rules in isolation (domain.md section 1): slot and queue per SINT, MessagePending and EOM,
// masked SINTs, event flags with test-and-set coalescing, under Hyper-V and OpenVMM semantics.
import { describe, expect, it } from 'vitest';
import { defineSystem, explore, Execution } from '../checker/index.ts';
import { setup } from 'xstate';
import type { AnyEventObject as EventObject } from 'xstate';
import { lostMessage, synicActor, synicStep, initialSynicContext } from '../models/synic.ts';
import type { SynicSemantics } from '../models/synic.ts';
import { recorderMachine, runFirstEnabled, scriptMachine, postsTo } from './support/harness.ts';
import type { ScriptStep } from './support/harness.ts';

const SINT = 2;
const m = (type: string) => ({ type });
const toSynic = (event: EventObject): ScriptStep => ({ to: 'synic', event });

function system(semantics: SynicSemantics, script: ScriptStep[], opts: { masked?: number[]; queueCapacity?: number } = {}) {
  return defineSystem({
    actors: {
      guest: { machine: recorderMachine },
      synic: synicActor({ semantics, interruptTarget: 'guest', sints: [SINT], ...opts }),
      script: { machine: scriptMachine(script), spontaneous: [{ type: 'next' }] },
    },
    properties: { lostMessage: lostMessage('synic') },
  });
}

const received = (run: ReturnType<typeof runFirstEnabled>) => (run.final.actors.script.context as { received: EventObject[] }).received;
const synicState = (run: ReturnType<typeof runFirstEnabled>) => (run.final.actors.synic.context as ReturnType<typeof initialSynicContext>);

describe('a message posted to a masked SINT', () => {
  const post1 = toSynic({ type: 'postMessage', sint: SINT, message: m('offer') });

  it('is dropped under OpenVMM semantics (post_message: InvalidSynicState; the queue drops it)', () => {
    const run = runFirstEnabled(system('openvmm', [post1], { masked: [SINT] }));
    expect(received(run)).toEqual([{ type: 'postResult', sint: SINT, status: 'invalidSynicState' }]);
    expect(synicState(run).dropped).toEqual([{ sint: SINT, message: m('offer'), reason: expect.stringContaining('masked') }]);
    expect(postsTo(run.happenings, 'guest')).toEqual([]);
    const r = explore(system('openvmm', [post1], { masked: [SINT] }));
    expect(r.verdict).toBe('violated');
    expect(r.violations[0].property).toBe('lostMessage');
    expect(r.violations[0].message).toContain('dropped');
  });

  it('is reported as lost even while another actor never stops running (the drop is judged in every state)', () => {
    // A ticker always has a step, so the system never goes quiet: a stall-only judgement would never
    // look, and this run would come back verified.
    const ticker = setup({}).createMachine({ initial: 'a', states: { a: { on: { tick: 'b' } }, b: { on: { tick: 'a' } } } });
    const base = system('openvmm', [post1], { masked: [SINT] });
    const busy = defineSystem({ ...base, actors: { ...base.actors, ticker: { machine: ticker, spontaneous: [{ type: 'tick' }] } } });
    const r = explore(busy);
    expect(r.verdict).toBe('violated');
    expect(r.violations[0].property).toBe('lostMessage');
    expect(r.violations[0].message).toContain('dropped');
  });

  it('is kept under Hyper-V semantics: it lands in the slot, only the interrupt is lost', () => {
    const script = [post1, toSynic({ type: 'setMasked', sint: SINT, masked: false }), toSynic({ type: 'readSlot', sint: SINT })];
    const run = runFirstEnabled(system('hyperv', script, { masked: [SINT] }));
    expect(received(run)).toEqual([
      { type: 'postResult', sint: SINT, status: 'success' },
      { type: 'slotContents', sint: SINT, message: m('offer'), messagePending: false },
    ]);
    expect(postsTo(run.happenings, 'guest')).toEqual([]);
    expect(synicState(run).dropped).toEqual([]);
  });

  it('is a lostMessage under Hyper-V only while nobody consumes it', () => {
    const unread = explore(system('hyperv', [post1], { masked: [SINT] }));
    expect(unread.verdict).toBe('violated');
    expect(unread.violations[0].message).toContain('masked');
    const consumed = explore(system('hyperv', [post1, toSynic({ type: 'clearSlot', sint: SINT })], { masked: [SINT] }));
    expect(consumed.verdict).toBe('verified');
  });
});

describe('a message posted while the slot is full', () => {
  const posts = [toSynic({ type: 'postMessage', sint: SINT, message: m('first') }), toSynic({ type: 'postMessage', sint: SINT, message: m('second') })];
  const release = [toSynic({ type: 'clearSlot', sint: SINT }), toSynic({ type: 'eom' })];

  it('Hyper-V: queues, sets MessagePending, and EOM moves it into the slot with an interrupt', () => {
    const run = runFirstEnabled(system('hyperv', [...posts, ...release, toSynic({ type: 'readSlot', sint: SINT })]));
    expect(received(run)).toEqual([
      { type: 'postResult', sint: SINT, status: 'success' },
      { type: 'postResult', sint: SINT, status: 'success' },
      { type: 'slotCleared', sint: SINT, messagePending: true },
      { type: 'slotContents', sint: SINT, message: m('second'), messagePending: false },
    ]);
    expect(postsTo(run.happenings, 'guest')).toEqual([{ type: 'sint', vp: 0, sint: SINT }, { type: 'sint', vp: 0, sint: SINT }]);
  });

  it('Hyper-V: a guest that ignores MessagePending and never writes EOM strands the message', () => {
    const noEom = explore(system('hyperv', [...posts, toSynic({ type: 'clearSlot', sint: SINT })]));
    expect(noEom.verdict).toBe('violated');
    expect(noEom.violations[0].property).toBe('lostMessage');
    expect(noEom.violations[0].message).toContain("'second' is queued");
    const withEom = explore(system('hyperv', [...posts, ...release, toSynic({ type: 'clearSlot', sint: SINT })]));
    expect(withEom.verdict).toBe('verified');
  });

  it('OpenVMM: ObjectInUse, the message is retained; EOM does nothing; the VP loop scan posts it', () => {
    const ex = new Execution(system('openvmm', [...posts, ...release, toSynic({ type: 'readSlot', sint: SINT })]));
    let v = ex.initial().state!;
    const next = { actor: 'script', kind: 'spontaneous' as const, event: { type: 'next' } };
    const scan = { actor: 'synic', kind: 'spontaneous' as const, event: { type: 'scan' } };
    for (let i = 0; i < 2; i++) v = ex.apply(v, next)!.state!;
    expect(ex.enabled(v).some((s) => s.actor === 'synic')).toBe(false); // slot full: nothing to scan
    v = ex.apply(v, next)!.state!; // clearSlot
    v = ex.apply(v, next)!.state!; // eom: a no-op
    const ctx = ex.materialize(v).actors.synic.context as ReturnType<typeof initialSynicContext>;
    expect(ctx.sints[SINT].slot).toBeNull();
    expect(ctx.sints[SINT].queue).toEqual([m('second')]);
    const scanned = ex.apply(v, scan)!;
    expect(scanned.happenings).toContainEqual({ what: 'post', from: 'synic', to: 'guest', event: { type: 'sint', vp: 0, sint: SINT } });
    v = ex.apply(scanned.state!, next)!.state!; // readSlot
    expect((ex.materialize(v).actors.script.context as { received: EventObject[] }).received).toEqual([
      { type: 'postResult', sint: SINT, status: 'success' },
      { type: 'postResult', sint: SINT, status: 'objectInUse' },
      { type: 'slotCleared', sint: SINT, messagePending: true },
      { type: 'slotContents', sint: SINT, message: m('second'), messagePending: false },
    ]);
  });

  it('OpenVMM: without any EOM, freeing the slot is enough for the scan to post the retained message', () => {
    const ex = new Execution(system('openvmm', [...posts, toSynic({ type: 'clearSlot', sint: SINT })]));
    let v = ex.initial().state!;
    for (let i = 0; i < 3; i++) v = ex.apply(v, { actor: 'script', kind: 'spontaneous', event: { type: 'next' } })!.state!;
    expect(ex.enabled(v)).toContainEqual({ actor: 'synic', kind: 'spontaneous', event: { type: 'scan' } });
  });

  it('Hyper-V: HvCallPostMessage fails only when the buffers are used up', () => {
    const three = [...posts, toSynic({ type: 'postMessage', sint: SINT, message: m('third') })];
    const run = runFirstEnabled(system('hyperv', three, { queueCapacity: 1 }));
    expect(received(run).map((e) => (e as { status?: string }).status)).toEqual(['success', 'success', 'insufficientBuffers']);
  });
});

describe('event flags', () => {
  const signal = toSynic({ type: 'signalEvent', sint: SINT, flag: 5 });
  const test = toSynic({ type: 'testAndClearFlag', sint: SINT, flag: 5 });

  for (const semantics of ['hyperv', 'openvmm'] as const) {
    it(`${semantics}: test-and-set coalesces two signals into one interrupt; the ISR's test-and-clear sees it once`, () => {
      const run = runFirstEnabled(system(semantics, [signal, signal, test, test, signal]));
      expect(received(run)).toEqual([
        { type: 'signalResult', sint: SINT, flag: 5, status: 'success', interrupted: true },
        { type: 'signalResult', sint: SINT, flag: 5, status: 'success', interrupted: false },
        { type: 'flagTested', sint: SINT, flag: 5, wasSet: true },
        { type: 'flagTested', sint: SINT, flag: 5, wasSet: false },
        { type: 'signalResult', sint: SINT, flag: 5, status: 'success', interrupted: true },
      ]);
      expect(postsTo(run.happenings, 'guest')).toHaveLength(2);
    });
  }

  it('a masked SINT: Hyper-V returns HV_STATUS_INVALID_SYNIC_STATE, OpenVMM drops silently; neither sets the bit', () => {
    const hv = runFirstEnabled(system('hyperv', [signal, test], { masked: [SINT] }));
    const ovmm = runFirstEnabled(system('openvmm', [signal, test], { masked: [SINT] }));
    expect(received(hv)[0]).toMatchObject({ status: 'invalidSynicState', interrupted: false });
    expect(received(ovmm)[0]).toMatchObject({ status: 'success', interrupted: false });
    for (const run of [hv, ovmm]) {
      expect(received(run)[1]).toMatchObject({ wasSet: false });
      expect(postsTo(run.happenings, 'guest')).toEqual([]);
    }
  });
});

describe('reset (VTL2 servicing, OpenVMM #954)', () => {
  it('masks every SINT; OpenVMM loses the slot and the queue, Hyper-V keeps them queued', () => {
    for (const semantics of ['hyperv', 'openvmm'] as const) {
      let ctx = initialSynicContext({ semantics, interruptTarget: 'guest', sints: [SINT] });
      ctx = synicStep(ctx, { type: 'postMessage', sint: SINT, message: m('a') }).context;
      ctx = synicStep(ctx, { type: 'signalEvent', sint: SINT, flag: 1 }).context;
      ctx = synicStep(ctx, { type: 'reset' }).context;
      expect(ctx.sints[SINT]).toMatchObject({ masked: true, slot: null, flags: [] });
      if (semantics === 'hyperv') {
        expect(ctx.sints[SINT].queue).toEqual([m('a')]);
        expect(ctx.dropped).toEqual([]);
      } else {
        expect(ctx.sints[SINT].queue).toEqual([]);
        expect(ctx.dropped.map((d) => d.message)).toEqual([m('a')]);
      }
    }
  });
});

describe('misuse', () => {
  it('a request for a SINT that is not modelled is a modelError naming it', () => {
    const r = explore(system('hyperv', [toSynic({ type: 'readSlot', sint: 3 })]));
    expect(r.violations[0].property).toBe('modelError');
    expect(r.violations[0].message).toContain('SINT 3 is not modelled');
  });
});
