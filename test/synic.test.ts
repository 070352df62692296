// SynIC rules in isolation (domain.md section 1): slot and queue per SINT, MessagePending and EOM,
// masked SINTs, event flags with test-and-set coalescing, under TLFS Hyper-V, the hv1 emulator and
// WHP offloaded (HvPostMessageDirect) semantics.
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

  // hv1_emulator message_queues.rs post_pending_messages: the post is enqueued; the VP's next flush gets
  // InvalidSynicState (hv1) or an error from HvPostMessageDirect (whp) and drops it ("dropping sint message").
  it.each(['hv1-emulator', 'whp-offloaded'] as const)('%s: is enqueued, then dropped at the next queue flush, not at post time', (semantics) => {
    const ex = new Execution(system(semantics, [post1], { masked: [SINT] }));
    let v = ex.initial().state!;
    v = ex.apply(v, { actor: 'script', kind: 'spontaneous', event: { type: 'next' } })!.state!;
    const queued = ex.materialize(v).actors.synic.context as ReturnType<typeof initialSynicContext>;
    expect(queued.sints[SINT].queue).toEqual([m('offer')]);
    expect(queued.dropped).toEqual([]);
    v = ex.apply(v, { actor: 'synic', kind: 'spontaneous', event: { type: 'scan' } })!.state!;
    const flushed = ex.materialize(v).actors.synic.context as ReturnType<typeof initialSynicContext>;
    expect(flushed.sints[SINT].queue).toEqual([]);
    expect(flushed.dropped).toEqual([{ sint: SINT, message: m('offer'), reason: expect.stringContaining('post_pending_messages') }]);
  });

  it('is dropped under hv1-emulator semantics (the flush drops it) and reported as lostMessage', () => {
    const run = runFirstEnabled(system('hv1-emulator', [post1], { masked: [SINT] }));
    expect(received(run)).toEqual([{ type: 'postResult', sint: SINT, status: 'success' }]);
    expect(synicState(run).dropped).toEqual([{ sint: SINT, message: m('offer'), reason: expect.stringContaining('masked') }]);
    expect(postsTo(run.happenings, 'guest')).toEqual([]);
    const r = explore(system('hv1-emulator', [post1], { masked: [SINT] }));
    expect(r.verdict).toBe('violated');
    expect(r.violations[0].property).toBe('lostMessage');
    expect(r.violations[0].message).toContain('dropped');
  });

  it('is reported as lost even while another actor never stops running (the drop is judged in every state)', () => {
    // A ticker always has a step, so the system never goes quiet: a stall-only judgement would never
    // look, and this run would come back verified.
    const ticker = setup({}).createMachine({ initial: 'a', states: { a: { on: { tick: 'b' } }, b: { on: { tick: 'a' } } } });
    const base = system('hv1-emulator', [post1], { masked: [SINT] });
    const busy = defineSystem({ ...base, actors: { ...base.actors, ticker: { machine: ticker, spontaneous: [{ type: 'tick' }] } } });
    const r = explore(busy);
    expect(r.verdict).toBe('violated');
    expect(r.violations[0].property).toBe('lostMessage');
    expect(r.violations[0].message).toContain('dropped');
  });

  it('is kept under Hyper-V semantics: it lands in the slot, only the interrupt is lost', () => {
    const script = [post1, toSynic({ type: 'setMasked', sint: SINT, masked: false }), toSynic({ type: 'readSlot', sint: SINT })];
    const run = runFirstEnabled(system('tlfs-hyperv', script, { masked: [SINT] }));
    expect(received(run)).toEqual([
      { type: 'postResult', sint: SINT, status: 'success' },
      { type: 'slotContents', sint: SINT, message: m('offer'), messagePending: false },
    ]);
    expect(postsTo(run.happenings, 'guest')).toEqual([]);
    expect(synicState(run).dropped).toEqual([]);
  });

  it('is a lostMessage under Hyper-V only while nobody consumes it', () => {
    const unread = explore(system('tlfs-hyperv', [post1], { masked: [SINT] }));
    expect(unread.verdict).toBe('violated');
    expect(unread.violations[0].message).toContain('masked');
    const consumed = explore(system('tlfs-hyperv', [post1, toSynic({ type: 'clearSlot', sint: SINT })], { masked: [SINT] }));
    expect(consumed.verdict).toBe('verified');
  });
});

describe('a message posted while the slot is full', () => {
  const posts = [toSynic({ type: 'postMessage', sint: SINT, message: m('first') }), toSynic({ type: 'postMessage', sint: SINT, message: m('second') })];
  const release = [toSynic({ type: 'clearSlot', sint: SINT }), toSynic({ type: 'eom' })];

  it('Hyper-V: queues, sets MessagePending, and EOM moves it into the slot with an interrupt', () => {
    const run = runFirstEnabled(system('tlfs-hyperv', [...posts, ...release, toSynic({ type: 'readSlot', sint: SINT })]));
    expect(received(run)).toEqual([
      { type: 'postResult', sint: SINT, status: 'success' },
      { type: 'postResult', sint: SINT, status: 'success' },
      { type: 'slotCleared', sint: SINT, messagePending: true },
      { type: 'slotContents', sint: SINT, message: m('second'), messagePending: false },
    ]);
    expect(postsTo(run.happenings, 'guest')).toEqual([{ type: 'sint', vp: 0, sint: SINT }, { type: 'sint', vp: 0, sint: SINT }]);
  });

  it('Hyper-V: a guest that ignores MessagePending and never writes EOM strands the message', () => {
    const noEom = explore(system('tlfs-hyperv', [...posts, toSynic({ type: 'clearSlot', sint: SINT })]));
    expect(noEom.verdict).toBe('violated');
    expect(noEom.violations[0].property).toBe('lostMessage');
    expect(noEom.violations[0].message).toContain("'second' is queued");
    const withEom = explore(system('tlfs-hyperv', [...posts, ...release, toSynic({ type: 'clearSlot', sint: SINT })]));
    expect(withEom.verdict).toBe('verified');
  });

  const next = { actor: 'script', kind: 'spontaneous' as const, event: { type: 'next' } };
  const scan = { actor: 'synic', kind: 'spontaneous' as const, event: { type: 'scan' } };
  const synicCtx = (ex: Execution, v: Parameters<Execution['materialize']>[0]) => ex.materialize(v).actors.synic.context as ReturnType<typeof initialSynicContext>;

  it('hv1-emulator: ObjectInUse, the message is retained; EOM does nothing; the VP loop scan posts it', () => {
    const ex = new Execution(system('hv1-emulator', [...posts, ...release, toSynic({ type: 'readSlot', sint: SINT })]));
    let v = ex.initial().state!;
    for (const s of [next, scan, next, scan]) v = ex.apply(v, s)!.state!; // first into the slot; second: ObjectInUse
    expect(synicCtx(ex, v).sints[SINT]).toMatchObject({ slot: m('first'), queue: [m('second')], messagePending: true });
    expect(ex.enabled(v).some((s) => s.actor === 'synic')).toBe(false); // slot full: nothing to scan
    v = ex.apply(v, next)!.state!; // clearSlot
    v = ex.apply(v, next)!.state!; // eom: a no-op
    expect(synicCtx(ex, v).sints[SINT]).toMatchObject({ slot: null, queue: [m('second')] });
    const scanned = ex.apply(v, scan)!;
    expect(scanned.happenings).toContainEqual({ what: 'post', from: 'synic', to: 'guest', event: { type: 'sint', vp: 0, sint: SINT } });
    v = ex.apply(scanned.state!, next)!.state!; // readSlot
    expect((ex.materialize(v).actors.script.context as { received: EventObject[] }).received).toEqual([
      { type: 'postResult', sint: SINT, status: 'success' },
      { type: 'postResult', sint: SINT, status: 'success' },
      { type: 'slotCleared', sint: SINT, messagePending: true },
      { type: 'slotContents', sint: SINT, message: m('second'), messagePending: false },
    ]);
  });

  it('hv1-emulator: without any EOM, freeing the slot is enough for the scan to post the retained message', () => {
    const ex = new Execution(system('hv1-emulator', [...posts, toSynic({ type: 'clearSlot', sint: SINT })]));
    let v = ex.initial().state!;
    for (const s of [next, scan, next, scan, next]) v = ex.apply(v, s)!.state!;
    expect(ex.enabled(v)).toContainEqual(scan);
  });

  // virt_whp vp.rs flush_messages: a SINT still non-empty after the flush gets request_sint_notifications;
  // handle_sint_deliverable flushes it again. No scan polls for a freed slot.
  it('whp-offloaded: after ObjectInUse the retry waits for the deliverability notification (slot free and SINT unmasked)', () => {
    const script = [...posts, toSynic({ type: 'setMasked', sint: SINT, masked: true }), toSynic({ type: 'clearSlot', sint: SINT }), toSynic({ type: 'setMasked', sint: SINT, masked: false })];
    const ex = new Execution(system('whp-offloaded', script));
    let v = ex.initial().state!;
    for (const s of [next, scan, next, scan]) v = ex.apply(v, s)!.state!;
    expect(synicCtx(ex, v).sints[SINT]).toMatchObject({ slot: m('first'), queue: [m('second')], notify: true, messagePending: false });
    v = ex.apply(v, next)!.state!; // mask
    v = ex.apply(v, next)!.state!; // clearSlot: the slot is free but the SINT is masked, so not deliverable
    expect(ex.enabled(v)).not.toContainEqual(scan);
    v = ex.apply(v, next)!.state!; // unmask: deliverable
    const flushed = ex.apply(v, scan)!;
    expect(flushed.happenings).toContainEqual({ what: 'post', from: 'synic', to: 'guest', event: { type: 'sint', vp: 0, sint: SINT } });
    expect(synicCtx(ex, flushed.state!).sints[SINT]).toMatchObject({ slot: m('second'), queue: [], notify: false });
  });

  it('unlessMasked (the Hyper-V host server): nothing is taken while the SINT is masked; unmasking notifies the observers', () => {
    let ctx = initialSynicContext({ semantics: 'tlfs-hyperv', interruptTarget: 'guest', sints: [SINT], masked: [SINT], unmaskObservers: ['port'] });
    const refused = synicStep(ctx, { type: 'postMessage', sint: SINT, message: m('a'), unlessMasked: true });
    expect(refused.effects).toEqual([{ reply: { type: 'postResult', sint: SINT, status: 'sintMasked' } }]);
    expect(refused.context.sints[SINT].queue).toEqual([]);
    ctx = synicStep(ctx, { type: 'setMasked', sint: SINT, masked: false }).context;
    expect(synicStep(ctx, { type: 'postMessage', sint: SINT, message: m('a'), unlessMasked: true }).context.sints[SINT].slot).toEqual(m('a'));
    const unmask = synicStep(initialSynicContext({ semantics: 'tlfs-hyperv', interruptTarget: 'guest', sints: [SINT], masked: [SINT], unmaskObservers: ['port'] }), { type: 'setMasked', sint: SINT, masked: false });
    expect(unmask.effects).toEqual([{ post: { type: 'sintUnmasked', vp: 0, sint: SINT }, to: 'port' }]);
  });

  it('Hyper-V: HvCallPostMessage fails only when the buffers are used up', () => {
    const three = [...posts, toSynic({ type: 'postMessage', sint: SINT, message: m('third') })];
    const run = runFirstEnabled(system('tlfs-hyperv', three, { queueCapacity: 1 }));
    expect(received(run).map((e) => (e as { status?: string }).status)).toEqual(['success', 'success', 'insufficientBuffers']);
  });
});

describe('event flags', () => {
  const signal = toSynic({ type: 'signalEvent', sint: SINT, flag: 5 });
  const test = toSynic({ type: 'testAndClearFlag', sint: SINT, flag: 5 });

  for (const semantics of ['tlfs-hyperv', 'hv1-emulator', 'whp-offloaded'] as const) {
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

  it('a masked SINT: TLFS Hyper-V returns HV_STATUS_INVALID_SYNIC_STATE, OpenVMM drops silently; neither sets the bit', () => {
    const hv = runFirstEnabled(system('tlfs-hyperv', [signal, test], { masked: [SINT] }));
    const ovmm = runFirstEnabled(system('hv1-emulator', [signal, test], { masked: [SINT] }));
    expect(received(hv)[0]).toMatchObject({ status: 'invalidSynicState', interrupted: false });
    expect(received(ovmm)[0]).toMatchObject({ status: 'success', interrupted: false });
    for (const run of [hv, ovmm]) {
      expect(received(run)[1]).toMatchObject({ wasSet: false });
      expect(postsTo(run.happenings, 'guest')).toEqual([]);
    }
  });
});

describe('reset (VTL2 servicing, OpenVMM #954)', () => {
  // TLFS inter-partition-communication.md: "All message queues of a virtual processor are empty upon
  // creation or reset"; "Upon ... reset, the SIM page is cleared to zero". Nothing survives, under any
  // semantics: what preserves messages on a Hyper-V host is its VMBus server (models/hypervMessagePort.ts).
  it.each(['tlfs-hyperv', 'hv1-emulator', 'whp-offloaded'] as const)('%s: masks every SINT, empties the queues and clears the slot', (semantics) => {
    let ctx = initialSynicContext({ semantics, interruptTarget: 'guest', sints: [SINT] });
    ctx = synicStep(ctx, { type: 'postMessage', sint: SINT, message: m('a') }).context;
    ctx = synicStep(ctx, { type: 'scan' }).context;
    ctx = synicStep(ctx, { type: 'postMessage', sint: SINT, message: m('b') }).context;
    ctx = synicStep(ctx, { type: 'scan' }).context;
    ctx = synicStep(ctx, { type: 'signalEvent', sint: SINT, flag: 1 }).context;
    expect(ctx.sints[SINT]).toMatchObject({ slot: m('a'), queue: [m('b')] });
    ctx = synicStep(ctx, { type: 'reset' }).context;
    expect(ctx.sints[SINT]).toMatchObject({ masked: true, slot: null, queue: [], flags: [], messagePending: false });
    expect(ctx.dropped.map((d) => d.message)).toEqual([m('a'), m('b')]);
  });
});

describe('misuse', () => {
  it('a request for a SINT that is not modelled is a modelError naming it', () => {
    const r = explore(system('tlfs-hyperv', [toSynic({ type: 'readSlot', sint: 3 })]));
    expect(r.violations[0].property).toBe('modelError');
    expect(r.violations[0].message).toContain('SINT 3 is not modelled');
  });
});

describe('semantics names', () => {
  it('the legacy names map to the semantics they always meant; an unknown name is an error naming the valid ones', () => {
    expect(initialSynicContext({ semantics: 'hyperv', interruptTarget: 'g', sints: [SINT] }).semantics).toBe('tlfs-hyperv');
    expect(initialSynicContext({ semantics: 'openvmm', interruptTarget: 'g', sints: [SINT] }).semantics).toBe('hv1-emulator');
    expect(() => initialSynicContext({ semantics: 'whp' as never, interruptTarget: 'g', sints: [SINT] })).toThrow(/unknown SynIC semantics 'whp'.*whp-offloaded/);
  });
});
