// A variant expected to be violated is satisfied by a violation of the model's properties, never by a
// modelError (a bug in the model, not the race), unless it names modelError as its expectedProperty.
import { expect, test } from 'vitest';
import { runMain } from './cliInProcess.ts';

test('a modelError does not pass for the violation a buggy variant expects', async () => {
  const r = await runMain(['check', 'test/fixtures/modelErrorAsRace.ts', '--quiet']);
  expect(r.stdout + r.stderr).toMatch(/cell 'y' is read but not declared/);
  expect(r.stdout).not.toMatch(/every verdict as expected/);
  expect(r.code).toBe(1);
});
