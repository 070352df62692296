// Scenario exit-boot-services (edk2 #10656): each variant's verdict, the key steps of its counterexample,
// that the verified variants reach the hand-off (and the retry), and the firmware and loader rules alone,
// in real XState actors.
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { explore, Execution, invariant } from '../checker/index.ts';
import type { Happening, Step, SystemDefinition } from '../checker/index.ts';
import { CALL, REPLY } from '../checker/vocabulary.ts';
import { builtinScenarios } from '../models/scenarios/index.ts';
import { replaySteps } from './support/harness.ts';
import { exitBootServices, exitBootServicesSystem } from '../models/scenarios/exitBootServices.ts';
import { efiFirmwareMachine } from '../models/efiFirmware.ts';
import type { EfiFirmwareInput } from '../models/efiFirmware.ts';
import { efiLoaderMachine } from '../models/efiLoader.ts';
import type { EfiLoaderInput } from '../models/efiLoader.ts';

const variant = (name: string) => {
  const v = exitBootServices.variants.find((x) => x.name === name);
  if (!v) throw new Error(`no variant ${name}`);
  return v;
};

function replay(sys: SystemDefinition, steps: Step[]) {
  const { ex, v, perStep } = replaySteps(sys, steps);
  return { g: ex.materialize(v), perStep };
}

/** The calls the loader made to the firmware, in order, with the firmware's replies. */
const callsOf = (perStep: Happening[][]) => perStep.flat().flatMap((h) => {
  if (h.what === 'call' && h.from === 'loader') return [h.event.type];
  if (h.what === 'reply' && h.from === 'firmware') return [`-> ${(h.event as any).status ?? h.event.type}`];
  return [];
});

describe('scenario exit-boot-services', () => {
  it('is a built-in scenario', () => {
    expect(builtinScenarios).toContain(exitBootServices);
  });

  // Written out from the rules (UEFI spec, edk2 CoreExitBootServices, Xen efi_exit_boot), not read back.
  const expectations: [string, 'violated' | 'verified', string?][] = [
    ['no-retry', 'violated', 'exitBootServicesGaveUp'],
    ['call-after-exit', 'violated', 'bootServicesAfterExit'],
    ['call-between-attempts', 'violated', 'callBetweenExitAttempts'],
    ['call-between-attempts-uefi-2.9', 'verified'],
    ['xen-before-exit-once', 'verified'],
    ['xen-before-exit-every-call', 'violated', 'exitBootServicesGaveUp'],
  ];
  it('has exactly these variants', () => {
    expect(exitBootServices.variants.map((v) => v.name)).toEqual(expectations.map(([n]) => n));
  });
  for (const [name, verdict, property] of expectations) {
    it(`${name} is ${verdict}`, () => {
      const v = variant(name);
      expect(v.expected).toBe(verdict);
      const r = explore(v.system(), v.options);
      expect(r.verdict).toBe(verdict);
      expect(r.bounds).toEqual([]);
      expect(r.stats.states).toBeLessThan(100);
      if (verdict === 'violated') {
        expect(r.violations[0].property).toBe(property);
        expect(v.expectedProperty).toBe(property);
      }
    });
  }

  it('no-retry: the timer allocates between GetMemoryMap and ExitBootServices, which fails once and for all', () => {
    const sys = variant('no-retry').system();
    const steps = explore(sys).violations[0].steps;
    expect(steps.map((s) => `${s.actor}:${s.event.type}`)).toEqual(['loader:run', 'firmware:timerTick', 'loader:run']);
    const { g, perStep } = replay(sys, steps);
    expect(callsOf(perStep)).toEqual(['getMemoryMap', '-> memoryMap', 'exitBootServices', '-> EFI_INVALID_PARAMETER']);
    expect(g.actors.loader.value).toBe('gaveUp');
  });

  it('call-after-exit: a successful ExitBootServices, then a call through the zeroed table aborts and never returns', () => {
    const sys = variant('call-after-exit').system();
    const steps = explore(sys).violations[0].steps;
    const { g, perStep } = replay(sys, steps);
    expect(callsOf(perStep)).toEqual(['getMemoryMap', '-> memoryMap', 'exitBootServices', '-> EFI_SUCCESS', 'bootServiceCall']);
    expect(g.actors.firmware.value).toBe('instructionAbort');
    expect((g.actors.firmware.context as any).abortedCall).toBe('OutputString');
  });

  it('call-between-attempts: AllocatePool after the failed call, before the retry', () => {
    const sys = variant('call-between-attempts').system();
    const { perStep } = replay(sys, explore(sys).violations[0].steps);
    expect(callsOf(perStep)).toEqual(['getMemoryMap', '-> memoryMap', 'exitBootServices', '-> EFI_INVALID_PARAMETER', 'allocatePool', '-> allocated']);
  });

  it('xen-before-exit-every-call: both attempts fail with no timer at all: the handler inside ExitBootServices makes the key stale', () => {
    const sys = variant('xen-before-exit-every-call').system();
    const steps = explore(sys).violations[0].steps;
    expect(steps.some((s) => s.event.type === 'timerTick')).toBe(false);
    const { perStep } = replay(sys, steps);
    expect(callsOf(perStep)).toEqual([
      'getMemoryMap', '-> memoryMap', 'exitBootServices', '-> EFI_INVALID_PARAMETER',
      'getMemoryMap', '-> memoryMap', 'exitBootServices', '-> EFI_INVALID_PARAMETER',
    ]);
  });

  it('the retry fixes the timer race, and firmware that signals BeforeExitBootServices once fixes the handler race', () => {
    const base = { timerAllocates: true, beforeExitHandler: null, callBetweenAttempts: false, callAfterExit: false } as const;
    expect(explore(exitBootServicesSystem({ ...base, retry: 'single-retry' })).verdict).toBe('verified');
    // A spec-conforming firmware (signalled once) with the same handler: verified.
    expect(explore(exitBootServicesSystem({ ...base, timerAllocates: false, beforeExitHandler: 'once', retry: 'single-retry' })).verdict).toBe('verified');
  });

  for (const name of ['xen-before-exit-once', 'call-between-attempts-uefi-2.9']) {
    it(`${name} is not vacuous: it reaches the hand-off after a failed first attempt`, () => {
      const sys = variant(name).system();
      const probe = { ...sys, properties: { ...sys.properties, probe: invariant((g) => !(g.actors.loader.matches('handedOff') && (g.actors.loader.context as any).attempts === 2)) } };
      const r = explore(probe, { allViolations: true });
      expect(r.violations.map((v) => v.property)).toEqual(['probe']);
    });
  }
});

function firmware(input: EfiFirmwareInput) {
  const actor = createActor(efiFirmwareMachine, { input });
  const replies: any[] = [];
  actor.on(REPLY, (e: any) => { replies.push(e.event); });
  actor.start();
  return { actor, replies, last: () => replies[replies.length - 1] };
}

const quiet: EfiFirmwareInput = { timerAllocates: false, beforeExitHandler: null, uefiRevision: '2.8' };

describe('efiFirmware rules (edk2 CoreExitBootServices)', () => {
  it('any allocation makes the map key stale; ExitBootServices with a stale key fails, with the current one succeeds', () => {
    const f = firmware(quiet);
    f.actor.send({ type: 'getMemoryMap' });
    const key = f.last().mapKey;
    f.actor.send({ type: 'allocatePool' });
    f.actor.send({ type: 'exitBootServices', mapKey: key });
    expect(f.last()).toEqual({ type: 'exitBootServicesResult', status: 'EFI_INVALID_PARAMETER' });
    f.actor.send({ type: 'getMemoryMap' });
    expect(f.last().mapKey).not.toBe(key);
    f.actor.send({ type: 'exitBootServices', mapKey: f.replies[f.replies.length - 1].mapKey });
    expect(f.last()).toEqual({ type: 'exitBootServicesResult', status: 'EFI_SUCCESS' });
    expect(f.actor.getSnapshot().value).toBe('exited');
  });

  it('the timer notify function allocates, and ExitBootServices stops the timer even when it fails', () => {
    const f = firmware({ ...quiet, timerAllocates: true });
    f.actor.send({ type: 'getMemoryMap' });
    const key = f.last().mapKey;
    expect(f.actor.getSnapshot().can({ type: 'timerTick' })).toBe(true);
    f.actor.send({ type: 'timerTick' });
    expect(f.actor.getSnapshot().context.mapKey).toBe(key + 1);
    const g = firmware({ ...quiet, timerAllocates: true });
    g.actor.send({ type: 'exitBootServices', mapKey: -1 });
    expect(g.last().status).toBe('EFI_INVALID_PARAMETER');
    expect(g.actor.getSnapshot().can({ type: 'timerTick' })).toBe(false);
  });

  it("an allocating BeforeExitBootServices handler fails the first call; signalled once the retry succeeds, signalled every call it fails again", () => {
    for (const [signalling, second] of [['once', 'EFI_SUCCESS'], ['every-call', 'EFI_INVALID_PARAMETER']] as const) {
      const f = firmware({ ...quiet, beforeExitHandler: signalling });
      for (const expected of ['EFI_INVALID_PARAMETER', second]) {
        f.actor.send({ type: 'getMemoryMap' });
        f.actor.send({ type: 'exitBootServices', mapKey: f.last().mapKey });
        expect(f.last().status, signalling).toBe(expected);
      }
    }
  });

  it('after a successful ExitBootServices every boot service is a call to address 0: no reply, instruction abort', () => {
    for (const call of [{ type: 'getMemoryMap' }, { type: 'allocatePool' }, { type: 'bootServiceCall', service: 'OutputString' }] as const) {
      const f = firmware(quiet);
      f.actor.send({ type: 'getMemoryMap' });
      f.actor.send({ type: 'exitBootServices', mapKey: f.last().mapKey });
      const replies = f.replies.length;
      f.actor.send(call);
      expect(f.replies).toHaveLength(replies);
      expect(f.actor.getSnapshot().value).toBe('instructionAbort');
    }
  });

  it('between attempts: AllocatePool is recorded under UEFI 2.8, allowed under 2.9; other services are recorded under both; GetMemoryMap never', () => {
    const after = (uefiRevision: '2.8' | '2.9', call: any) => {
      const f = firmware({ ...quiet, uefiRevision });
      f.actor.send({ type: 'exitBootServices', mapKey: -1 });
      f.actor.send(call);
      return f.actor.getSnapshot().context.callBetweenAttempts;
    };
    expect(after('2.8', { type: 'allocatePool' })).toBe('AllocatePool');
    expect(after('2.9', { type: 'allocatePool' })).toBeNull();
    expect(after('2.9', { type: 'bootServiceCall', service: 'HandleProtocol' })).toBe('HandleProtocol');
    expect(after('2.8', { type: 'getMemoryMap' })).toBeNull();
  });
});

function loader(input: Omit<EfiLoaderInput, 'firmware'>) {
  const actor = createActor(efiLoaderMachine, { input: { firmware: 'firmware', ...input } });
  const calls: string[] = [];
  actor.on(CALL, (e: any) => { calls.push(e.event.type); });
  actor.start();
  return { actor, calls };
}

describe('efiLoader rules (Xen efi_exit_boot, Linux efi_exit_boot_services)', () => {
  const fail = { type: 'exitBootServicesResult', status: 'EFI_INVALID_PARAMETER' } as const;
  const attempt = (l: ReturnType<typeof loader>, result: any) => {
    l.actor.send({ type: 'run' });
    l.actor.send({ type: 'memoryMap', mapKey: 7 });
    l.actor.send({ type: 'run' });
    l.actor.send(result);
  };

  it("'none' gives up after the first EFI_INVALID_PARAMETER", () => {
    const l = loader({ retry: 'none', callBetweenAttempts: false, callAfterExit: false });
    attempt(l, fail);
    expect(l.actor.getSnapshot().value).toBe('gaveUp');
  });

  it("'single-retry' gets the map again and retries once, then gives up; it passes the key it was given", () => {
    const l = loader({ retry: 'single-retry', callBetweenAttempts: false, callAfterExit: false });
    const keys: unknown[] = [];
    l.actor.on(CALL, (e: any) => { if (e.event.type === 'exitBootServices') keys.push(e.event.mapKey); });
    attempt(l, fail);
    expect(l.actor.getSnapshot().value).toBe('retrying');
    attempt(l, fail);
    expect(l.actor.getSnapshot().value).toBe('gaveUp');
    expect(l.calls).toEqual(['getMemoryMap', 'exitBootServices', 'getMemoryMap', 'exitBootServices']);
    expect(keys).toEqual([7, 7]);
  });

  it('hands off on EFI_SUCCESS, and with callAfterExit makes one more boot-service call first', () => {
    const ok = { type: 'exitBootServicesResult', status: 'EFI_SUCCESS' } as const;
    const l = loader({ retry: 'single-retry', callBetweenAttempts: false, callAfterExit: false });
    attempt(l, ok);
    expect(l.actor.getSnapshot().status).toBe('done');
    const m = loader({ retry: 'single-retry', callBetweenAttempts: false, callAfterExit: true });
    attempt(m, ok);
    m.actor.send({ type: 'run' });
    expect(m.calls).toEqual(['getMemoryMap', 'exitBootServices', 'bootServiceCall']);
  });

  it('with callBetweenAttempts allocates before the retry GetMemoryMap', () => {
    const l = loader({ retry: 'single-retry', callBetweenAttempts: true, callAfterExit: false });
    attempt(l, fail);
    l.actor.send({ type: 'run' });
    l.actor.send({ type: 'allocated' });
    l.actor.send({ type: 'run' });
    expect(l.calls).toEqual(['getMemoryMap', 'exitBootServices', 'allocatePool', 'getMemoryMap']);
  });
});
