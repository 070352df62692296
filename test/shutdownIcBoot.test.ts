// Scenario shutdown-ic-boot (OpenVMM #715, fixes #717 and #1850): expected verdicts at each commit, the
// shape of the buggy-linux and pr717-linux counterexamples, that buggy-linux's is a shortest one, and that
// the verified variants are not vacuous.
import { describe, expect, it } from 'vitest';
import { explore, Execution } from '../checker/index.ts';
import type { Happening, Step, SystemDefinition } from '../checker/index.ts';
import { builtinScenarios } from '../models/scenarios/index.ts';
import { replaySteps } from './support/harness.ts';
import { shutdownIcBoot, shutdownIcBootSystem } from '../models/scenarios/shutdownIcBoot.ts';
import { BOOT_TIMEOUT_MS } from '../models/vmbusGuest.ts';

const variant = (name: string) => {
  const v = shutdownIcBoot.variants.find((x) => x.name === name);
  if (!v) throw new Error(`no variant ${name}`);
  return v;
};


describe('scenario shutdown-ic-boot', () => {
  // Port placements read from the code of each commit (OpenVMM vm/devices/vmbus/vmbus_server/src/lib.rs):
  // ddb531623 (#662) arms GuestEventPort in complete_open; e85384dec (#717) in open_channel; both still
  // call synic.add_event_port in complete_open (since ec7cfcb63, #649); 943b003a7 (#1850) calls it in
  // open_channel ("N.B. The event port must be created before the device is notified of the open").
  it('is listed in builtinScenarios with a Linux and a Windows variant at each commit', () => {
    expect(builtinScenarios).toContain(shutdownIcBoot);
    const ports = (commit: string, armPortIn: string, hostPortIn: string, guest: string) => ({ commit, armPortIn, hostPortIn, guest, synic: 'whp-offloaded' });
    expect(shutdownIcBoot.variants.map((v) => [v.name, v.parameters])).toEqual([
      ['buggy-linux', ports('#662', 'complete_open', 'complete_open', 'linux')],
      ['pr717-linux', ports('#717', 'open_channel', 'complete_open', 'linux')],
      ['fixed-linux', ports('#1850', 'open_channel', 'open_channel', 'linux')],
      ['buggy-windows', ports('#662', 'complete_open', 'complete_open', 'windows')],
      ['pr717-windows', ports('#717', 'open_channel', 'complete_open', 'windows')],
      ['fixed-windows', ports('#1850', 'open_channel', 'open_channel', 'windows')],
    ]);
  });

  // The verdicts the code of each commit deserves, written out here rather than read back from the variants.
  const expectations: [string, 'violated' | 'verified', string?][] = [
    ['buggy-linux', 'violated', 'lostInterrupt'],
    ['pr717-linux', 'violated', 'lostInterruptToHost'],
    ['fixed-linux', 'verified'],
    ['buggy-windows', 'verified'],
    ['pr717-windows', 'violated', 'lostInterruptToHost'],
    ['fixed-windows', 'verified'],
  ];
  for (const [name, verdict, property] of expectations) {
    it(`${name} is ${verdict}${verdict === 'verified' ? ' exhaustively (no bound hit)' : ''}`, () => {
      const v = variant(name);
      expect(v.expected).toBe(verdict);
      const r = explore(v.system(), v.options);
      expect(r.verdict).toBe(verdict);
      if (verdict === 'verified') {
        expect(r.bounds).toEqual([]);
        expect(r.stats.states).toBeLessThan(200_000);
      } else {
        expect(r.violations[0].property).toBe(property);
        expect(v.expectedProperty).toBe(property);
      }
    });
  }

  describe('the buggy-linux counterexample', () => {
    const sys = variant('buggy-linux').system();
    const result = explore(sys);
    const steps = result.violations[0].steps;
    const { ex, v, perStep } = replaySteps(sys, steps);
    const indexOf = (pred: (h: Happening) => boolean) => perStep.findIndex((hs) => hs.some(pred));

    it('shows the IC writing and signalling before the port is armed, and the signal going nowhere', () => {
      const written = indexOf((h) => h.what === 'write' && h.actor === 'icWriter' && h.cell === 'inbound.write_index');
      const signalled = indexOf((h) => h.what === 'call' && h.from === 'icWriter' && h.to === 'eventPort');
      const armed = indexOf((h) => h.what === 'call' && h.to === 'eventPort' && h.event.type === 'arm');
      expect(written).toBeGreaterThanOrEqual(0);
      expect(signalled).toBeGreaterThan(written);
      expect(armed).toBeGreaterThan(signalled);
      // The unarmed port neither changes state nor reaches the SynIC.
      const signalStep = perStep[signalled];
      expect(signalStep).toContainEqual({ what: 'transition', actor: 'eventPort', from: 'notCreated', to: 'notCreated', unchanged: true });
      expect(signalStep.some((h) => h.what === 'call' && h.to === 'synic')).toBe(false);
    });

    it('then leaves the guest idle for good, the ring unread, ending at the boot timeout', () => {
      const last = steps[steps.length - 1];
      expect(last).toMatchObject({ actor: 'guest', kind: 'timer' });
      expect(last.event.type).toContain(String(BOOT_TIMEOUT_MS));
      // Before the timer: only timers can fire, the guest has the channel open and its reader is idle.
      const before = replaySteps(sys, steps.slice(0, -1));
      expect(before.ex.enabled(before.v).every((s) => s.kind === 'timer')).toBe(true);
      const g = before.ex.materialize(before.v);
      expect(g.actors.guest.value).toEqual({ channel: 'open', boot: 'waiting' });
      expect(g.actors.guestReader.value).toBe('idle');
      expect(g.cells['inbound.write_index']).not.toBe(g.cells['inbound.read_index']);
      expect(g.cells['inbound.interrupt_mask']).toBe(0);
      // No step after the IC's signal ever touched the guest's reader.
      expect(perStep.flat().some((h) => h.what === 'call' && h.to === 'guestReader')).toBe(false);
      expect(ex.materialize(v).actors.guest.value).toEqual({ channel: 'open', boot: 'timedOut' });
    });

    it('is a shortest one: no stalled state lies closer to the initial state', () => {
      // The stall is judged at the quiescent state the counterexample reaches before its final timer
      // step, at depth len-1; a depth bound of n still judges the states at depth n (it only stops
      // expanding them). So with maxDepth len-2 no stall may show, and with len-1 this one must.
      const len = steps.length;
      expect(steps[len - 1].kind).toBe('timer');
      expect(result.stats.depth).toBeLessThanOrEqual(len);
      const shorter = explore(sys, { maxDepth: len - 2 });
      expect(shorter.violations).toEqual([]);
      expect(shorter.verdict).toBe('bounded');
      const exact = explore(sys, { maxDepth: len - 1 });
      expect(exact.verdict).toBe('violated');
      expect(exact.violations[0].steps).toHaveLength(len);
    });
  });

  describe('the pr717-linux counterexample: #717 did not fix the guest-to-host direction', () => {
    const sys = variant('pr717-linux').system();
    const steps = explore(sys).violations[0].steps;
    const { ex, v, perStep } = replaySteps(sys, steps);
    const indexOf = (pred: (h: Happening) => boolean) => perStep.findIndex((hs) => hs.some(pred));

    it('the guest answers and signals before complete_open creates the host port; the signal is lost', () => {
      const guestSignal = indexOf((h) => h.what === 'call' && h.from === 'guestWriter' && h.to === 'hostEventPort');
      const created = indexOf((h) => h.what === 'call' && h.to === 'hostEventPort' && h.event.type === 'create');
      expect(guestSignal).toBeGreaterThanOrEqual(0);
      expect(created).toBeGreaterThan(guestSignal);
      expect(perStep[guestSignal]).toContainEqual({ what: 'transition', actor: 'hostEventPort', from: 'notCreated', to: 'notCreated', unchanged: true });
      expect(perStep[guestSignal].some((h) => h.what === 'call' && h.to === 'icReader')).toBe(false);
      // The host-to-guest port was armed (#717) before the IC wrote: the guest did get its interrupt.
      const armed = indexOf((h) => h.what === 'call' && h.to === 'eventPort' && h.event.type === 'arm');
      const icSignal = indexOf((h) => h.what === 'call' && h.from === 'icWriter' && h.to === 'eventPort');
      expect(armed).toBeLessThan(icSignal);
    });
  });

  describe('the verified variants are not vacuous', () => {
    it('each reaches the end of the exchange (the guest booted, the IC done)', () => {
      for (const name of ['fixed-linux', 'buggy-windows', 'fixed-windows']) {
        const sys = variant(name).system();
        const ex = new Execution(sys);
        let v = ex.initial().state!;
        for (let n = 0; n < 200; n++) {
          const s = ex.enabled(v)[0];
          if (!s || s.kind === 'timer') break;
          v = ex.apply(v, s)!.state!;
        }
        const g = ex.materialize(v);
        expect(g.actors.guest.value).toMatchObject({ boot: 'booted' });
        expect(g.actors.shutdownIc.value).toBe('done');
      }
    });

    it('fixed-linux with a batched reader that skips the hv_end_read re-check loses an interrupt', () => {
      const sys = shutdownIcBootSystem({ armPortIn: 'open_channel', guest: 'linux', guestReadMode: 'batched', guestPacketsPerCallback: undefined });
      delete (sys.actors.guestReader.input as { packetsPerCallback?: number }).packetsPerCallback;
      (sys.actors.guestReader.input as { skipRecheck?: boolean }).skipRecheck = true;
      const r = explore(sys);
      expect(r.verdict).toBe('violated');
      expect(r.violations[0].property).toBe('lostInterrupt');
    });

    it('fixed-linux with the VMBus SINT masked loses the offer (OpenVMM drops it) or strands it (Hyper-V)', () => {
      for (const semantics of ['whp-offloaded', 'hv1-emulator', 'tlfs-hyperv'] as const) {
        const sys = shutdownIcBootSystem({ armPortIn: 'open_channel', guest: 'linux', synicSemantics: semantics });
        (sys.actors.synic.input as { masked?: number[] }).masked = [2];
        const r = explore(sys);
        expect(r.verdict).toBe('violated');
        expect(r.violations[0].property).toBe('lostMessage');
        expect(r.violations[0].message).toContain(semantics === 'tlfs-hyperv' ? 'masked' : 'dropped');
      }
    });
  });

  it('keeps its verdicts under the other SynIC semantics and another ring capacity', () => {
    for (const synicSemantics of ['hv1-emulator', 'tlfs-hyperv'] as const) {
      for (const capacity of [2, 3]) {
        for (const [armPortIn, hostPortIn, guest, verdict] of [
          ['complete_open', 'complete_open', 'linux', 'violated'], ['open_channel', 'complete_open', 'linux', 'violated'],
          ['open_channel', 'open_channel', 'linux', 'verified'], ['open_channel', 'open_channel', 'windows', 'verified'],
        ] as const) {
          expect(explore(shutdownIcBootSystem({ armPortIn, hostPortIn, guest, capacity, synicSemantics })).verdict).toBe(verdict);
        }
      }
    }
  });
});
