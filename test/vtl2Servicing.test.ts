// The vtl2-servicing scenario against what the incident reports say (OpenVMM issue #954, PR #962;
// /work/shared/domain.md section 3(b)), not against what the model happens to print:
// - mask-and-drain loses messages on OpenVMM because a message posted while the SINT is masked is
//   dropped (InvalidSynicState), and the mask is set while saving; Hyper-V keeps them;
// - the #962 protocol keeps every message; each wrong fix loses or duplicates one in a servicing phase
//   that follows from what the fix gets wrong.
import { describe, expect, it } from 'vitest';
import { Execution, explore, invariant, stall } from '../checker/index.ts';
import type { GlobalView, Happening, Step, SystemDefinition } from '../checker/index.ts';
import { builtinScenarios } from '../models/scenarios/index.ts';
import { vtl2Servicing, vtl2ServicingSystem } from '../models/scenarios/vtl2Servicing.ts';
import type { HostServerContext } from '../models/hostVmbusServer.ts';
import type { Vtl2ClientContext } from '../models/vtl2VmbusClient.ts';
import type { SynicContext } from '../models/synic.ts';

const variant = (name: string) => {
  const v = vtl2Servicing.variants.find((x) => x.name === name);
  if (!v) throw new Error(`no variant ${name}`);
  return v;
};

/** The servicing phase of the VTL2 client in a materialized state: `running`, `save`, `reset` or `restore`. */
function phaseOf(value: unknown): string {
  return typeof value === 'string' ? value : Object.keys(value as object)[0];
}

interface Replay {
  /** Happenings of each step, in order. */
  happenings: Happening[][];
  /** The VTL2 client's state value after each step. */
  clientStates: unknown[];
  finalViolations: { property: string; message: string }[];
  hostBeforeLastStep: HostServerContext;
  hostAtEnd: HostServerContext;
}

/** Replays a counterexample step by step; every step must be enabled and only the last may violate. */
function replay(def: SystemDefinition, steps: Step[]): Replay {
  const exec = new Execution(def);
  let v = exec.initial().state!;
  const happenings: Happening[][] = [];
  const clientStates: unknown[] = [];
  let hostBeforeLastStep = exec.materialize(v).actors.host.context as HostServerContext;
  steps.forEach((step, i) => {
    expect(exec.invariantViolations(v), `state before step ${i}`).toEqual([]);
    if (i === steps.length - 1) hostBeforeLastStep = exec.materialize(v).actors.host.context as HostServerContext;
    const out = exec.apply(v, step);
    expect(out, `step ${i} (${step.actor} ${step.event.type}) is enabled`).not.toBeNull();
    expect(out!.violation, `step ${i} violates nothing built in`).toBeUndefined();
    v = out!.state!;
    happenings.push(out!.happenings);
    clientStates.push(exec.materialize(v).actors.vtl2.value);
  });
  const hostAtEnd = exec.materialize(v).actors.host.context as HostServerContext;
  return { happenings, clientStates, finalViolations: exec.invariantViolations(v), hostBeforeLastStep, hostAtEnd };
}

/** Whether some reachable state satisfies `pred`: a probe invariant `!pred` must then be violated. */
function reachable(def: SystemDefinition, pred: (g: GlobalView) => boolean): boolean {
  const probed = { ...def, properties: { ...def.properties, probe: invariant((g) => !pred(g)) } };
  const r = explore(probed);
  return r.violations.some((x) => x.property === 'probe');
}

describe('vtl2-servicing scenario', () => {
  it('is a built-in scenario with the variants the issue asks for', () => {
    expect(builtinScenarios.map((s) => s.name)).toContain('vtl2-servicing');
    const names = vtl2Servicing.variants.map((v) => v.name);
    expect(names).toEqual(expect.arrayContaining([
      'mask-and-drain-openvmm', 'mask-and-drain-hyperv', 'pause-resume-openvmm',
      'pause-resume-server-sends-while-paused', 'pause-resume-save-before-response',
    ]));
    // At least two wrong fixes, each expected to fail.
    // Wrong fixes: the pause-resume variants other than the real clients (#962 and #1100).
    const wrongFixes = vtl2Servicing.variants.filter((v) => v.name.startsWith('pause-resume-') && v.name !== 'pause-resume-openvmm' && !/-(962|1100)-/.test(v.name));
    expect(wrongFixes.filter((v) => v.expectedProperty === 'messageConservation').length).toBeGreaterThanOrEqual(2);
    expect(wrongFixes.length).toBeGreaterThanOrEqual(2);
    for (const v of wrongFixes) expect(v.expected).toBe('violated');
  });

  it('states the servicing bound (more than one servicing per run) in every variant', () => {
    for (const v of vtl2Servicing.variants) {
      expect(v.parameters.servicings, v.name).toBeGreaterThanOrEqual(2);
      expect(v.description, v.name).toContain(`up to ${v.parameters.servicings} servicings`);
    }
  });

  it.each(vtl2Servicing.variants.map((v) => [v.name, v] as const))('%s gets its expected verdict and property', (_name, v) => {
    const r = explore(v.system(), v.options);
    expect(r.bounds).toEqual([]);
    expect(r.verdict).toBe(v.expected);
    if (v.expected === 'violated') expect(r.violations[0].property).toBe(v.expectedProperty);
  });

  it('the expectations come from the incident: the old client fails only on OpenVMM, the fix holds there', () => {
    expect(variant('mask-and-drain-hv1').expected).toBe('violated');
    expect(variant('mask-and-drain-tlfs-synic-only').expected).toBe('violated');
    expect(variant('mask-and-drain-openvmm').expected).toBe('violated');
    expect(variant('mask-and-drain-hyperv').expected).toBe('verified');
    expect(variant('pause-resume-openvmm').expected).toBe('verified');
    expect(variant('mask-and-drain-openvmm').parameters).toMatchObject({ client: 'mask-and-drain', host: 'whp-offloaded' });
    expect(variant('mask-and-drain-hyperv').parameters).toMatchObject({ client: 'mask-and-drain', host: 'hyperv' });
    expect(variant('pause-resume-openvmm').parameters).toMatchObject({ client: 'pause-resume', host: 'whp-offloaded' });
  });
});

describe('vtl2-servicing counterexamples name the servicing phase of the loss', () => {
  // Allowed phases, from what each version gets wrong:
  // - mask-and-drain on OpenVMM: the SINT is masked at the start of save, so the shortest loss is a post
  //   in the save phase (#954);
  // - server sends while paused / client saves before PauseResponse: the message lands after the client
  //   stopped reading, and the reset wipes it or it is posted to the reset (masked) SINT: reset or restore;
  // - Resume queued last: the restored client sends a saved message before Resume: restore;
  // - flushed messages kept in the saved queue: the copy exists from the flush on: save.
  const cases: [string, string[], 'host' | 'client'][] = [
    ['mask-and-drain-openvmm', ['save'], 'host'],
    ['pause-resume-server-sends-while-paused', ['reset', 'restore'], 'host'],
    ['pause-resume-save-before-response', ['reset', 'restore'], 'host'],
    ['pause-resume-resume-queued-last', ['restore'], 'client'],
    ['pause-resume-resends-flushed', ['save'], 'client'],
  ];

  it.each(cases)('%s: loss in phase %j', (name, phases, direction) => {
    const v = variant(name);
    const def = v.system();
    const r = explore(def, v.options);
    const cx = r.violations[0];
    expect(cx.property).toBe('messageConservation');

    const run = replay(def, cx.steps);
    expect(run.finalViolations.map((x) => x.property)).toEqual(['messageConservation']);

    // The phase the client is in when the message goes missing (the last step) ...
    const phase = phaseOf(run.clientStates[run.clientStates.length - 1]);
    expect(phases).toContain(phase);
    // ... is named by the trace: the last step the client took is a step of that phase ...
    const lastClientStep = [...cx.steps].reverse().find((s) => s.actor === 'vtl2')!;
    expect(lastClientStep.event.type.startsWith(`${phase}.`), `${lastClientStep.event.type} names ${phase}`).toBe(true);
    // ... and by the violation message.
    expect(cx.message).toContain(`while VTL2 was in ${phase}.`);
    expect(cx.message).toMatch(new RegExp(`^${direction}#\\d`));
  });

  it('server reads while flushing: the second servicing stalls in save, waiting for a PauseResponse that is queued behind messages the paused server will not flush', () => {
    const v = variant('pause-resume-server-reads-while-flushing');
    const def = v.system();
    const cx = explore(def, v.options).violations[0];
    expect(cx.property).toBe('messageDelivery');
    const run = replay(def, cx.steps);
    expect(run.finalViolations).toEqual([]);
    expect(phaseOf(run.clientStates[run.clientStates.length - 1])).toBe('save');
    expect(cx.message).toContain('VTL2 stuck in save.drainUntilPauseResponse');
    // Two servicings are begun: the first leaves messages pending, the second's Pause is read too early.
    expect(cx.steps.filter((s) => s.event.type === 'running.beginServicing')).toHaveLength(2);
    const host = run.hostAtEnd;
    expect(host.paused).toBe(true);
    expect(host.pending[host.pending.length - 1]).toBe('PauseResponse');
  });

  it('server reads while flushing is harmless with a single servicing: the bound must allow more than one', () => {
    const b = variant('pause-resume-server-reads-while-flushing').parameters as { hostMessages: number; clientMessages: number };
    const r = explore(vtl2ServicingSystem({ client: 'pause-resume', host: 'whp-offloaded', readsWhileFlushing: true, servicings: 1, hostMessages: b.hostMessages, clientMessages: b.clientMessages }));
    expect(r.verdict).toBe('verified');
  });

  it('mask-and-drain on OpenVMM loses the message because the direct post to the masked SINT fails at the next queue flush', () => {
    const v = variant('mask-and-drain-openvmm');
    expect(v.parameters).toMatchObject({ host: 'whp-offloaded' }); // #954 ran OpenHCL on virt_whp, offloaded hv1
    const cx = explore(v.system()).violations[0];
    replay(v.system(), cx.steps);
    // #954 commit text: HvPostMessageDirect cannot post to a masked SINT; message_queues.rs
    // post_pending_messages drops a message on any error but ObjectInUse, in the VP's flush (`scan`).
    expect(cx.steps[cx.steps.length - 1]).toMatchObject({ actor: 'synic', event: { type: 'scan' } });
    expect(cx.message).toContain('post_pending_messages');
    // The mask came from the client's save phase.
    expect(cx.steps.map((s) => s.event.type)).toContain('save.maskSint');
  });

  it('mask-and-drain on a TLFS SynIC alone is violated: the reset empties the hypervisor queue and the SIM page', () => {
    const v = variant('mask-and-drain-tlfs-synic-only');
    const cx = explore(v.system()).violations[0];
    expect(cx.message).toContain('VP reset');
    const last = cx.steps[cx.steps.length - 1];
    expect(last).toMatchObject({ actor: 'vtl2', event: { type: 'reset.resetSynic' } });
  });

  it('a message that lands after the client stopped reading is wiped by the host reset of the VTL2 SynIC', () => {
    for (const name of ['pause-resume-server-sends-while-paused', 'pause-resume-save-before-response']) {
      const v = variant(name);
      const cx = explore(v.system()).violations[0];
      const run = replay(v.system(), cx.steps);
      const last = run.happenings[run.happenings.length - 1];
      const wiped = last.some((h) => h.what === 'call' && h.to === 'synic' && h.event.type === 'reset');
      const dropped = cx.steps[cx.steps.length - 1].event.type === 'scan' && cx.message.includes('masked SINT');
      expect(wiped || dropped, name).toBe(true);
    }
  });

  it('Resume queued last: the paused server rejects a client message sent before Resume', () => {
    const v = variant('pause-resume-resume-queued-last');
    const cx = explore(v.system()).violations[0];
    const run = replay(v.system(), cx.steps);
    const last = cx.steps[cx.steps.length - 1];
    expect(last).toMatchObject({ actor: 'host', event: { type: 'server.receiveMessage' } });
    expect(run.hostBeforeLastStep.paused).toBe(true);
    expect(run.hostBeforeLastStep.inbox[0]).toMatchObject({ type: 'message' });
    expect(cx.message).toContain('rejected by the paused server');
  });

  it('the liveness half also catches the loss: with allViolations, messageDelivery and its liveness twin are violated too', () => {
    const r = explore(variant('mask-and-drain-openvmm').system(), { allViolations: true });
    expect(r.violations.map((x) => x.property).sort()).toEqual(['messageConservation', 'messageDelivery', 'messageDeliveryLive']);
  });
});

describe('vtl2-servicing verified variants are not vacuous', () => {
  const everythingArrived = (servicings: number, hostMessages: number, clientMessages: number) => (g: GlobalView) => {
    const vtl2 = g.actors.vtl2.context as Vtl2ClientContext;
    const host = g.actors.host.context as HostServerContext;
    return g.actors.vtl2.matches('running') && vtl2.servicings === servicings &&
      vtl2.received.length === hostMessages && host.received.length === clientMessages;
  };
  const bounds = (name: string) => variant(name).parameters as { servicings: number; hostMessages: number; clientMessages: number };

  it.each(['mask-and-drain-hyperv', 'pause-resume-openvmm'])('%s: a run with every servicing done and every message delivered exists', (name) => {
    const b = bounds(name);
    expect(reachable(variant(name).system(), everythingArrived(b.servicings, b.hostMessages, b.clientMessages))).toBe(true);
  });

  it('mask-and-drain on Hyper-V: a message sent while masked survives the reset in the Hyper-V server, not in the SynIC', () => {
    const def = variant('mask-and-drain-hyperv').system();
    const held = (g: GlobalView) => (g.actors.port.context as { held: unknown[] }).held.length > 0;
    const inSynic = (g: GlobalView) => { const s = (g.actors.synic.context as SynicContext).sints['2']; return s.slot !== null || s.queue.length > 0; };
    expect(reachable(def, (g) => g.actors.vtl2.matches({ reset: 'synicReset' }) && held(g))).toBe(true);
    expect(reachable(def, (g) => g.actors.vtl2.matches({ reset: 'synicReset' }) && inSynic(g))).toBe(false);
  });

  it('pause-resume: the paused server holds a message across the reset', () => {
    const def = variant('pause-resume-openvmm').system();
    expect(reachable(def, (g) => g.actors.vtl2.matches({ reset: 'synicReset' }) && (g.actors.host.context as HostServerContext).pending.length > 0)).toBe(true);
  });

  it('pause-resume: a client message queued during servicing reaches the host after Resume', () => {
    const def = variant('pause-resume-openvmm').system();
    expect(reachable(def, (g) => {
      const vtl2 = g.actors.vtl2.context as Vtl2ClientContext;
      return g.actors.vtl2.matches({ restore: 'sendSavedMessages' }) && vtl2.outbox[0] === 'Resume' && vtl2.outbox.length > 1;
    })).toBe(true);
  });

  it('the #962 protocol does not depend on the host: it holds on Hyper-V too', () => {
    const b = bounds('pause-resume-openvmm');
    expect(explore(vtl2ServicingSystem({ client: 'pause-resume', host: 'hyperv', ...b })).verdict).toBe('verified');
  });
});

describe('the host VMBus server while paused (channels.rs handle_synic_message, 7001a13)', () => {
  it('rejects a second Pause with ChannelError::Paused instead of answering it', async () => {
    const { defineSystem } = await import('../checker/index.ts');
    const { hostVmbusServer, HOST_SERVER_STEPS } = await import('../models/hostVmbusServer.ts');
    const { synicActor } = await import('../models/synic.ts');
    const { scriptMachine, recorderMachine } = await import('./support/harness.ts');
    const sys = defineSystem({
      actors: {
        host: { machine: hostVmbusServer({ hostMessages: 0, pauseResume: true, synic: 'synic', sint: 2 }), spontaneous: HOST_SERVER_STEPS.map((type) => ({ type })) },
        synic: synicActor({ semantics: 'whp-offloaded', interruptTarget: 'vtl2', sints: [2] }),
        vtl2: { machine: recorderMachine },
        script: { machine: scriptMachine([{ to: 'host', event: { type: 'Pause' } }, { to: 'host', event: { type: 'Pause' } }]), spontaneous: [{ type: 'next' }] },
      },
    });
    const ex = new Execution(sys);
    let v = ex.initial().state!;
    const take = (s: Step) => { const out = ex.apply(v, s); expect(out, JSON.stringify(s)).not.toBeNull(); v = out!.state!; return out!.happenings; };
    const next: Step = { actor: 'script', kind: 'spontaneous', event: { type: 'next' } };
    const receive: Step = { actor: 'host', kind: 'spontaneous', event: { type: 'server.receiveMessage' } };
    take(next);
    const first = take(receive);
    expect(first.filter((h) => h.what === 'call' && h.to === 'synic').map((h) => (h as unknown as { event: { message: { type: string } } }).event.message.type)).toEqual(['PauseResponse']);
    take(next);
    const second = take(receive);
    expect(second.some((h) => h.what === 'call' && h.to === 'synic')).toBe(false);
    const host = ex.materialize(v).actors.host.context as HostServerContext;
    expect(host.paused).toBe(true);
    expect(host.rejected).toEqual(['Pause']);
  });
});

describe('the #962 and #1100 pause-resume clients (vmbus_client handle_stop at 7001a13; OutgoingMessages::pause at 9171c3f38)', () => {
  const stuckFlushing = (def: SystemDefinition) => {
    const probe = { ...def, properties: { probe: stall((g) => g.actors.vtl2.matches({ save: 'flushForPause' }) && 'flush deadlock') } };
    return explore(probe).verdict === 'violated';
  };

  it('#962 on a host with back-pressure deadlocks in the pause path: the client awaits its flush without reading, the server will not read until it has flushed', () => {
    const v = variant('pause-resume-962-pause-path-deadlock');
    const cx = explore(v.system()).violations[0];
    expect(cx.property).toBe('messageDelivery');
    expect(cx.message).toContain('VTL2 stuck in save.flushForPause');
    const run = replay(v.system(), cx.steps);
    expect(run.hostAtEnd.pending.length).toBeGreaterThan(0); // the server's flush is refused by the full SINT
    expect(run.hostAtEnd.paused).toBe(false); // and it never saw the Pause, stuck behind in the client's queue
  });

  it('#1100 never deadlocks in its flush, on the same host or on OpenVMM', () => {
    expect(stuckFlushing(variant('pause-resume-1100-back-pressure').system())).toBe(false);
    expect(variant('pause-resume-1100-openvmm').expected).toBe('verified');
  });

  it('#1100 sends Pause before the messages already queued and keeps them, Resume first, for after the restore', () => {
    const def = variant('pause-resume-1100-openvmm').system();
    expect(reachable(def, (g) => {
      const vtl2 = g.actors.vtl2.context as Vtl2ClientContext;
      const host = g.actors.host.context as HostServerContext;
      return g.actors.vtl2.matches({ save: 'drainUntilPauseResponse' }) && host.inbox[0]?.type === 'Pause' && vtl2.outbox[0] === 'Resume' && vtl2.outbox.includes('client#1');
    })).toBe(true);
  });

  it('#1100 on the back-pressure host is still violated, by the server: a PauseResponse that had to queue is never flushed while paused', () => {
    const v = variant('pause-resume-1100-back-pressure');
    const cx = explore(v.system()).violations[0];
    const run = replay(v.system(), cx.steps);
    expect(run.hostAtEnd.paused).toBe(true);
    expect(run.hostAtEnd.pending[0]).toBe('PauseResponse');
    expect(cx.message).toContain('VTL2 stuck in save.drainUntilPauseResponse');
  });

  it('client posts have back-pressure: a refused post stays queued and is retried after the host reads', () => {
    const def = variant('pause-resume-962-pause-path-deadlock').system();
    expect(reachable(def, (g) => (g.actors.vtl2.context as Vtl2ClientContext).postBlocked && (g.actors.host.context as HostServerContext).inbox.length === 1)).toBe(true);
    expect(reachable(def, (g) => (g.actors.host.context as HostServerContext).inbox.length > 1)).toBe(false);
  });
});
