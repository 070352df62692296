// The VMBus components in isolation: guest event port, server channel, shutdown IC, guest driver.
import { describe, expect, it } from 'vitest';
import { defineSystem, explore, Execution } from '../checker/index.ts';
import type { ActorSpec, Happening, Step } from '../checker/index.ts';
import { ringReaderActor } from '../models/ringReader.ts';
import { ringWriterActor } from '../models/ringWriter.ts';
import { guestEventPortActor } from '../models/guestEventPort.ts';
import { serverChannelActor } from '../models/serverChannel.ts';
import type { ArmPortIn } from '../models/serverChannel.ts';
import { shutdownIcActor } from '../models/shutdownIc.ts';
import { synicActor } from '../models/synic.ts';
import type { SynicContext } from '../models/synic.ts';
import { vmbusGuestActor } from '../models/vmbusGuest.ts';
import type { GuestStyle } from '../models/vmbusGuest.ts';
import { callsTo, postsTo, recorderMachine, runFirstEnabled, scriptMachine } from './support/harness.ts';
import type { ScriptStep } from './support/harness.ts';

const SINT = 2;

describe('guest event port (GuestEventPort with Option params)', () => {
  const system = (script: ScriptStep[]) => defineSystem({
    actors: {
      script: { machine: scriptMachine(script), spontaneous: [{ type: 'next' }] },
      eventPort: guestEventPortActor({ synics: ['synic0', 'synic1'] }),
      synic0: synicActor({ semantics: 'openvmm', interruptTarget: 'vp0', sints: [SINT] }),
      synic1: synicActor({ semantics: 'openvmm', interruptTarget: 'vp1', sints: [SINT] }),
      vp0: { machine: recorderMachine },
      vp1: { machine: recorderMachine },
    },
  });
  const signal: ScriptStep = { to: 'eventPort', event: { type: 'signal' } };
  const arm: ScriptStep = { to: 'eventPort', event: { type: 'arm', vp: 1, sint: SINT, flag: 7 } };

  it('drops a signal while it is not created (EmulatedGuestEventPort::interrupt with params None)', () => {
    const run = runFirstEnabled(system([signal]));
    expect(callsTo(run.happenings, 'synic0')).toEqual([]);
    expect(callsTo(run.happenings, 'synic1')).toEqual([]);
    expect(run.final.actors.eventPort.value).toBe('notCreated');
  });

  it('once armed, signals the target VP\'s SynIC, which sets the flag and interrupts that VP', () => {
    const run = runFirstEnabled(system([arm, signal]));
    expect(callsTo(run.happenings, 'synic1')).toEqual([{ type: 'signalEvent', sint: SINT, flag: 7 }]);
    expect(callsTo(run.happenings, 'synic0')).toEqual([]);
    expect((run.final.actors.synic1.context as SynicContext).sints[SINT].flags).toEqual([7]);
    expect(postsTo(run.happenings, 'vp1')).toEqual([{ type: 'sint', vp: 0, sint: SINT }]);
  });

  it('drops signals again once closed', () => {
    const run = runFirstEnabled(system([arm, { to: 'eventPort', event: { type: 'close' } }, signal]));
    expect(callsTo(run.happenings, 'synic1')).toEqual([]);
    expect(run.final.actors.eventPort.value).toBe('closed');
  });

  it('armed for a VP without a SynIC actor: a modelError naming the VP', () => {
    const r = explore(system([{ to: 'eventPort', event: { type: 'arm', vp: 5, sint: SINT, flag: 1 } }, signal]));
    expect(r.violations[0].property).toBe('modelError');
    expect(r.violations[0].message).toContain('VP 5');
  });
});

describe('server channel (open_channel / complete_open)', () => {
  const system = (armPortIn: ArmPortIn) => defineSystem({
    actors: {
      server: serverChannelActor({ armPortIn, synic: 'synic', sint: SINT, device: 'device', eventPort: 'eventPort', relid: 3 }),
      synic: synicActor({ semantics: 'hyperv', interruptTarget: 'guest', sints: [SINT] }),
      eventPort: { machine: recorderMachine },
      device: { machine: recorderMachine },
      guest: { machine: recorderMachine },
      script: {
        machine: scriptMachine([
          { to: 'synic', event: { type: 'clearSlot', sint: SINT } }, // the guest took the offer
          { to: 'server', event: { type: 'openChannel', vp: 0, flag: 3 }, post: true },
          { to: 'server', event: { type: 'completeOpen' }, post: true },
        ]),
        spontaneous: [{ type: 'next' }],
      },
    },
  });

  // Each step's happenings, by which event the server handled in it.
  function stepsOf(armPortIn: ArmPortIn) {
    const run = runFirstEnabled(system(armPortIn));
    const steps: { trigger: string; happenings: typeof run.happenings }[] = [];
    for (const h of run.happenings) {
      if (h.what === 'event' && h.actor === 'server' && h.via !== 'reply') steps.push({ trigger: h.event.type, happenings: [] });
      else steps.at(-1)?.happenings.push(h);
    }
    return { run, steps };
  }
  const armIndex = (hs: Happening[]) => hs.findIndex((h) => h.what === 'call' && h.to === 'eventPort');
  const openIndex = (hs: Happening[]) => hs.findIndex((h) => h.what === 'post' && h.to === 'device');

  it('offers the channel as a SynIC message on the VMBus SINT, then ends open with OPEN_CHANNEL_RESULT sent', () => {
    const { run } = stepsOf('open_channel');
    const posted = callsTo(run.happenings, 'synic').filter((e) => e.type === 'postMessage').map((e) => (e.message as { type: string }).type);
    expect(posted).toEqual(['offerChannel', 'openChannelResult']);
    expect(run.final.actors.server.value).toBe('open');
  });

  it("'open_channel' (#717): arms the port before the device is notified", () => {
    const { steps } = stepsOf('open_channel');
    const open = steps.find((s) => s.trigger === 'openChannel')!;
    expect(armIndex(open.happenings)).toBeGreaterThanOrEqual(0);
    expect(armIndex(open.happenings)).toBeLessThan(openIndex(open.happenings));
    expect(armIndex(steps.find((s) => s.trigger === 'completeOpen')!.happenings)).toBe(-1);
  });

  it("'complete_open' (#662): notifies the device with the port unarmed, arms it only on completion", () => {
    const { steps } = stepsOf('complete_open');
    const open = steps.find((s) => s.trigger === 'openChannel')!;
    expect(armIndex(open.happenings)).toBe(-1);
    expect(openIndex(open.happenings)).toBeGreaterThanOrEqual(0);
    const complete = steps.find((s) => s.trigger === 'completeOpen')!;
    expect(complete.happenings[armIndex(complete.happenings)]).toMatchObject({ event: { type: 'arm', vp: 0, sint: SINT, flag: 3 } });
  });
});

describe('shutdown IC (host speaks first)', () => {
  const system = (packets: string[]) => defineSystem({
    actors: {
      ic: shutdownIcActor({ server: 'server', writer: 'writer' }),
      server: { machine: recorderMachine },
      writer: { machine: recorderMachine },
      script: {
        machine: scriptMachine([
          { to: 'ic', event: { type: 'open' }, post: true },
          ...packets.map((packet) => ({ to: 'ic', event: { type: 'packet', ring: 'outbound', packet } })),
        ]),
        spontaneous: [{ type: 'next' }],
      },
    },
  });

  it('writes its version request in the same step it hears of the open, before any guest packet', () => {
    const run = runFirstEnabled(system([]));
    expect(postsTo(run.happenings, 'writer')).toEqual([{ type: 'send', packet: 'versionRequest' }]);
    expect(postsTo(run.happenings, 'server')).toEqual([{ type: 'completeOpen' }]);
  });

  it('sends the shutdown request after the version response and finishes on the shutdown response', () => {
    const run = runFirstEnabled(system(['versionResponse', 'shutdownResponse']));
    expect(postsTo(run.happenings, 'writer').map((e) => e.packet)).toEqual(['versionRequest', 'shutdownRequest']);
    expect(run.final.actors.ic.value).toBe('done');
  });

  it('an out-of-order packet is an assertion failure', () => {
    const r = explore(system(['shutdownResponse']));
    expect(r.violations[0].property).toBe('assertion');
    expect(r.violations[0].message).toContain("unexpected packet 'shutdownResponse'");
  });
});

describe('VMBus guest (Linux / Windows style)', () => {
  const system = (style: GuestStyle, script: ScriptStep[]) => defineSystem({
    actors: {
      guest: vmbusGuestActor({ style, synic: 'synic', sint: SINT, flag: 4, server: 'server', reader: 'reader', writer: 'writer' }),
      synic: synicActor({ semantics: 'hyperv', interruptTarget: 'guest', sints: [SINT] }),
      server: { machine: recorderMachine },
      reader: { machine: recorderMachine },
      writer: { machine: recorderMachine },
      script: { machine: scriptMachine(script), spontaneous: [{ type: 'next' }] },
    },
  });
  const hostPost = (type: string): ScriptStep => ({ to: 'synic', event: { type: 'postMessage', sint: SINT, message: { type, relid: 4 } } });

  it('answers an offer with OPEN_CHANNEL naming its VP and the channel flag', () => {
    const run = runFirstEnabled(system('linux', [hostPost('offerChannel')]));
    expect(postsTo(run.happenings, 'server')).toEqual([{ type: 'openChannel', vp: 0, flag: 4 }]);
    expect(run.final.actors.guest.value).toEqual({ channel: 'opening', boot: 'waiting' });
  });

  it('Linux does not touch the ring after OPEN_CHANNEL_RESULT; Windows polls it once', () => {
    const linux = runFirstEnabled(system('linux', [hostPost('offerChannel'), hostPost('openChannelResult')]));
    const windows = runFirstEnabled(system('windows', [hostPost('offerChannel'), hostPost('openChannelResult')]));
    expect(callsTo(linux.happenings, 'reader')).toEqual([]);
    expect(callsTo(windows.happenings, 'reader')).toEqual([{ type: 'poll' }]);
    for (const run of [linux, windows]) expect(run.final.actors.guest.value).toEqual({ channel: 'open', boot: 'waiting' });
  });

  it('the ISR schedules the channel only when its SIEF flag was set', () => {
    const signalled = runFirstEnabled(system('linux', [{ to: 'synic', event: { type: 'signalEvent', sint: SINT, flag: 4 } }]));
    expect(callsTo(signalled.happenings, 'reader')).toEqual([{ type: 'interrupt' }]);
    const otherFlag = runFirstEnabled(system('linux', [{ to: 'synic', event: { type: 'signalEvent', sint: SINT, flag: 9 } }]));
    expect(callsTo(otherFlag.happenings, 'reader')).toEqual([]);
  });

  it('writes EOM only when the released slot had MessagePending (vmbus_signal_eom), which brings in the queued message', () => {
    const sys = system('linux', [hostPost('offerChannel'), hostPost('openChannelResult')]);
    const ex = new Execution(sys);
    let v = ex.initial().state!;
    const take = (step: Step) => { const out = ex.apply(v, step)!; v = out.state!; return out.happenings; };
    const next: Step = { actor: 'script', kind: 'spontaneous', event: { type: 'next' } };
    const isr: Step = { actor: 'guest', kind: 'deliver', event: { type: 'sint', vp: 0, sint: SINT } as Step['event'] };
    const dpc: Step = { actor: 'guest', kind: 'spontaneous', event: { type: 'dpc' } };
    const eoms = (hs: Happening[]) => callsTo(hs, 'synic').filter((e) => e.type === 'eom');
    take(next);
    take(next); // Hyper-V: the result waits behind the offer, MessagePending set
    take(isr);
    const first = take(dpc);
    expect(eoms(first)).toHaveLength(1);
    expect(postsTo(first, 'guest')).toEqual([{ type: 'sint', vp: 0, sint: SINT }]); // the EOM rescan delivered it
    take(isr);
    const second = take(dpc);
    expect(eoms(second)).toEqual([]);
    expect(ex.materialize(v).actors.guest.value).toEqual({ channel: 'open', boot: 'waiting' });
  });

  it('answers the IC: version response, then shutdown response, and the boot is over', () => {
    const packet = (p: string): ScriptStep => ({ to: 'guest', event: { type: 'packet', ring: 'inbound', packet: p } });
    const run = runFirstEnabled(system('linux', [packet('versionRequest'), packet('shutdownRequest')]));
    expect(postsTo(run.happenings, 'writer').map((e) => e.packet)).toEqual(['versionResponse', 'shutdownResponse']);
    expect(run.final.actors.guest.value).toMatchObject({ boot: 'booted' });
  });
});

describe('components validate what they are given (an out-of-range flag taken as a no-op once let a buggy variant pass)', () => {
  const modelError = (actors: Record<string, ActorSpec>) => {
    const r = explore(defineSystem({ actors }));
    expect(r.verdict).toBe('violated');
    expect(r.violations[0].property).toBe('modelError');
    return r.violations[0].message;
  };
  const recorder = { machine: recorderMachine };

  it('a SynIC with a SINT out of 0..15, a SINT listed twice, or a masked SINT it does not model', () => {
    expect(modelError({ synic: synicActor({ semantics: 'tlfs-hyperv', interruptTarget: 'g', sints: [16] }), g: recorder })).toContain('SINT 16 is out of range');
    expect(modelError({ synic: synicActor({ semantics: 'tlfs-hyperv', interruptTarget: 'g', sints: [2, 2] }), g: recorder })).toContain('twice');
    expect(modelError({ synic: synicActor({ semantics: 'tlfs-hyperv', interruptTarget: 'g', sints: [2], masked: [3] }), g: recorder })).toContain('masked SINT 3');
  });

  it('an event flag outside the SIEF page (TLFS: 2048 flags per SINT) is a modelError, not a silent no-op', () => {
    const signal = (flag: number) => ({ to: 'synic', event: { type: 'signalEvent', sint: SINT, flag } });
    const actors = (flag: number): Record<string, ActorSpec> => ({
      synic: synicActor({ semantics: 'whp-offloaded', interruptTarget: 'g', sints: [SINT] }), g: recorder,
      script: { machine: scriptMachine([signal(flag)]), spontaneous: [{ type: 'next' }] },
    });
    expect(modelError(actors(2048))).toContain('event flag 2048');
    expect(explore(defineSystem({ actors: actors(2047) })).verdict).toBe('verified');
    expect(modelError({ guest: vmbusGuestActor({ style: 'linux', synic: 's', sint: SINT, flag: -1, server: 'x', reader: 'x', writer: 'x' }), s: recorder, x: recorder })).toContain('event flag -1');
  });

  it('an event port armed for a VP without a SynIC, or a flag out of range, is a modelError at the arm', () => {
    const arm = (vp: number, flag: number): Record<string, ActorSpec> => ({
      port: guestEventPortActor({ synics: ['synic'] }), synic: recorder,
      script: { machine: scriptMachine([{ to: 'port', event: { type: 'arm', vp, sint: SINT, flag } }]), spontaneous: [{ type: 'next' }] },
    });
    expect(modelError(arm(1, 1))).toContain('VP 1, which has no SynIC');
    expect(modelError(arm(0, 4096))).toContain('event flag 4096');
  });

  it('a ring reader whose ring has no cells in the system is a modelError at its first load; a bad capacity or barrier name is refused', () => {
    const reader = ringReaderActor({ ring: { name: 'x', capacity: 1 }, consumer: 'c', signalWriter: { to: 'c', event: { type: 'i' } } });
    const script = { machine: scriptMachine([{ to: 'r', event: { type: 'poll' } }]), spontaneous: [{ type: 'next' }] };
    const r = explore(defineSystem({ actors: { script, r: reader, c: recorder } }));
    expect(r.verdict).toBe('violated');
    expect(r.violations[0].property).toBe('modelError');
    expect(r.violations[0].message).toContain("load of unknown cell 'x.read_index'");
    expect(() => ringReaderActor({ ring: { name: 'x', capacity: 1 }, consumer: 'c', signalWriter: { to: 'c', event: { type: 'i' } }, omit: ['endread' as never] })).toThrow(/unknown barrier 'endread'/);
    expect(() => ringWriterActor({ ring: { name: 'y', capacity: 1 }, signal: { to: 'c', event: { type: 'i' } }, omit: ['mb' as never] })).toThrow(/unknown barrier 'mb'/);
    expect(() => ringWriterActor({ ring: { name: 'y', capacity: 0 }, signal: { to: 'c', event: { type: 'i' } } })).toThrow(/capacity must be a positive integer/);
  });
});
