// A user's vitest test with the matchers of vmbus-check/vitest.
import { expect, test } from 'vitest';
import 'vmbus-check/vitest';
import { builtinScenarios } from 'vmbus-check/models';
import { counter, scenario } from '../models/racyCounter.js';

test('the atomic counter is verified, the racy one loses an update', () => {
  expect(counter(true)).toBeVerified();
  expect(scenario.variant('racy')).toViolate('noLostUpdate');
});

test("a failure's message is the counterexample's timeline", () => {
  expect(() => expect(scenario.variant('racy')).toBeVerified()).toThrow(/noLostUpdate violated after 4 steps\n0\s+initial/);
});

test('the built-in shutdown_ic stall (OpenVMM #715)', () => {
  const shutdownIc = builtinScenarios.find((s) => s.name === 'shutdown-ic-boot')!;
  expect(shutdownIc.variant('buggy-linux')).toViolate('lostInterrupt');
  expect(shutdownIc.variant('fixed-linux')).toBeVerified();
});
