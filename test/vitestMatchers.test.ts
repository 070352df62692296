// The vitest matchers of vmbus-check/vitest, as a user's test uses them.
import { describe, expect, test } from 'vitest';
import '../matchers/vitest.ts';
import { builtinScenarios } from '../models/scenarios/index.ts';
import { racyCounter } from './fixtures/racyCounter.ts';

const scenario = (name: string) => builtinScenarios.find((s) => s.name === name)!;
const lostWakeup = scenario('lost-wakeup');

describe('toBeVerified', () => {
  test('passes for a verified variant, a system and a function building one', () => {
    expect(lostWakeup.variant('fixed')).toBeVerified();
    expect(racyCounter(true)).toBeVerified();
    expect(() => racyCounter(true)).toBeVerified();
  });

  test("fails for a violated one with the counterexample's timeline as the message", () => {
    let message = '';
    try {
      expect(lostWakeup.variant('buggy')).toBeVerified();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^expected variant buggy to be verified, but lostWakeup was violated after 6 steps: only timers can fire/);
    // The timeline: a header, the initial state, one line per step (the wakeup dropped at step 4, the
    // watchdog firing at step 6) and the violation.
    const lines = message.split('\n');
    expect(lines).toContain('lost-wakeup: lostWakeup violated after 6 steps');
    expect(message).toMatch(/^4\s+consumer\s+<- wakeup\s+ignored by consumer/m);
    expect(message).toMatch(/^6\s+consumer\s+timer after 1000ms/m);
    expect(message).toMatch(/^!\s+lostWakeup: /m);
  });

  test('a bounded check does not pass: nothing is claimed', () => {
    expect(() => expect(lostWakeup.variant('fixed')).toBeVerified({ maxStates: 2 })).toThrow(/but the check was bounded \(maxStates: .*nothing is claimed/);
    expect(lostWakeup.variant('fixed')).not.toBeVerified({ maxStates: 2 });
  });

  test('.not fails for a verified system, saying so', () => {
    expect(() => expect(racyCounter(true)).not.toBeVerified()).toThrow(/expected system atomic-counter not to be verified, but it was verified \(\d+ states\)/);
  });
});

describe('toViolate', () => {
  test('passes for the property violated, here the shutdown_ic stall of OpenVMM #715', () => {
    expect(scenario('shutdown-ic-boot').variant('buggy-linux')).toViolate('lostInterrupt');
    expect(racyCounter(false)).toViolate('noLostUpdate');
    expect(racyCounter(false)).toViolate();
  });

  test('fails when another property is violated, naming it, with its timeline', () => {
    expect(() => expect(racyCounter(false)).toViolate('deadlock'))
      .toThrow(/expected system racy-counter to have a violation of deadlock, but noLostUpdate was violated after 4 steps[\s\S]*racy-counter: noLostUpdate violated after 4 steps/);
  });

  test('fails for a verified system, and .not passes for it', () => {
    expect(() => expect(lostWakeup.variant('fixed')).toViolate('lostWakeup')).toThrow(/to have a violation of lostWakeup, but it was verified/);
    expect(lostWakeup.variant('fixed')).not.toViolate();
  });

  test("a variant runs under its own memory model unless the options name another", () => {
    const armMode = scenario('apple-tso-mode').variant('x86-code-arm-mode');
    expect(armMode.memory).toBe('arm');
    expect(armMode).toViolate(armMode.expectedProperty);
    expect(armMode).toBeVerified({ memory: 'tso' });
  });
});

describe('what the matchers take', () => {
  test('scenario.variant names the variants there are when asked for one that is not', () => {
    expect(() => lostWakeup.variant('nonesuch')).toThrow("scenario lost-wakeup has no variant 'nonesuch' (it has buggy, fixed)");
  });

  test('variant() is not a field of the scenario as data', () => {
    expect(Object.keys(lostWakeup)).not.toContain('variant');
    expect(JSON.parse(JSON.stringify({ ...lostWakeup, variants: [] }))).toEqual({ name: 'lost-wakeup', description: lostWakeup.description, variants: [] });
  });

  test('anything else is a TypeError saying what is accepted', () => {
    expect(() => expect(42).toBeVerified()).toThrow(/take a system definition, a function returning one, or a scenario variant/);
  });
});
