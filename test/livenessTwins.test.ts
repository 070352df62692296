// The liveness twins of the built-in stall properties (lostInterrupt; vtl2-servicing's messageDelivery):
// they find the same bugs, with counterexamples no longer than the stall's, and a ring stuck beside an
// actor that never stops, which no stall can see. (That the fixed variants stay verified with the twins
// attached is checked with every other expectation, by test/scenarioExpectations.test.ts.)
import { setup } from 'xstate';
import { describe, expect, test } from 'vitest';
import { explore } from '../checker/index.ts';
import type { SystemDefinition } from '../checker/index.ts';
import { shutdownIcBoot } from '../models/scenarios/shutdownIcBoot.ts';
import { vtl2Servicing } from '../models/scenarios/vtl2Servicing.ts';
import { buildTrace, replayTrace } from '../traces/index.ts';

const variant = (scenario: typeof shutdownIcBoot, name: string) => scenario.variants.find((v) => v.name === name)!;
const source = { module: 'builtin', parameters: {} };

describe.each([
  [shutdownIcBoot, 'buggy-linux', 'lostInterrupt', 'lostInterruptLive'],
  [shutdownIcBoot, 'pr717-linux', 'lostInterruptToHost', 'lostInterruptToHostLive'],
  [vtl2Servicing, 'pause-resume-962-pause-path-deadlock', 'messageDelivery', 'messageDeliveryLive'],
  [vtl2Servicing, 'pause-resume-1100-back-pressure', 'messageDelivery', 'messageDeliveryLive'],
])('%s/%s', (scenario, name, stallName, twin) => {
  test(`${twin} is violated with a counterexample no longer than ${stallName}'s, which replays`, () => {
    const system = variant(scenario, name).system();
    const r = explore(system, { allViolations: true });
    const stall = r.violations.find((v) => v.property === stallName)!;
    const live = r.violations.find((v) => v.property === twin)!;
    expect(stall).toBeDefined();
    expect(live).toBeDefined();
    expect(live.steps.length).toBeLessThanOrEqual(stall.steps.length);
    const replay = replayTrace(system, buildTrace(system, source, live));
    expect(replay.status).toBe('reproduced');
    expect(replay.violation!.message).toBe(live.message);
  });
});

describe('a ring stuck while another actor keeps running', () => {
  // buggy-linux beside an actor that polls forever: the system is never quiescent, so the stall form
  // never judges it; the liveness twin finds the stuck ring as a lasso whose cycle is the poller's.
  const poller = setup({}).createMachine({ initial: 'a', states: { a: { on: { poll: 'b' } }, b: { on: { poll: 'a' } } } });
  const base = variant(shutdownIcBoot, 'buggy-linux').system();
  const { lostInterrupt, lostInterruptLive } = base.properties!;
  const system: SystemDefinition = {
    ...base,
    actors: { ...base.actors, poller: { machine: poller, spontaneous: [{ type: 'poll' }] } },
    properties: { lostInterrupt, lostInterruptLive },
  };

  test('is missed by the stall and found by the twin, with a cycle', () => {
    const stallOnly = explore({ ...system, properties: { lostInterrupt } });
    expect(stallOnly.verdict).toBe('verified');
    const r = explore(system);
    expect(r.verdict).toBe('violated');
    const v = r.violations[0];
    expect(v.property).toBe('lostInterruptLive');
    expect(typeof v.cycleStart).toBe('number');
    expect(v.steps.slice(v.cycleStart!).every((s) => s.actor === 'poller')).toBe(true);
    // The prefix is buggy-linux's race without its watchdog step: 14 steps of the system, interleaved with none of the poller's.
    expect(v.steps.slice(0, v.cycleStart!).filter((s) => s.actor !== 'poller').length).toBeLessThanOrEqual(14);
    expect(replayTrace(system, buildTrace(system, source, v)).status).toBe('reproduced');
  });
});
