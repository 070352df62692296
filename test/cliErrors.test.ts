// Mistakes a user can make: each is exit 2 with a one-line message and no stack trace (unless --debug).
// In-process: test/cliBin.test.ts checks that the process exits with the code main() returns.
import { describe, expect, test } from 'vitest';
import { runMain, usageErrorTests } from './cliInProcess.ts';
import { parseXml } from './xmlTree.ts';

describe('vmbus-check usage errors', () => {
  const cases: [string, string[], RegExp][] = [
    ['a missing model file', ['check', 'test/fixtures/doesNotExist.ts'], /no such file: test\/fixtures\/doesNotExist\.ts/],
    ['a module that exports no system', ['check', 'test/fixtures/noSystem.ts'], /noSystem\.ts exports no system/],
    ['a module that throws on import', ['check', 'test/fixtures/throwsOnImport.ts'], /throwsOnImport\.ts.*this model fails at import time/],
    ['a system that is not well formed', ['check', 'test/fixtures/notAMachine.ts'], /actor 'worker'.*not an XState v5 machine/],
    // The error's message begins with a blank line: the line printed is its first line with text.
    ['a system the checker cannot compile', ['check', 'test/fixtures/eventThrowsWhenRead.ts'], /cannot run this model: the payload getter threw$/m],
    ['a scenario whose expectedProperty names no property', ['check', 'test/fixtures/scenarioUnknownProperty.ts'], /scenario counter: variant racy: `expectedProperty` 'noLostUpdates' names no property of the system \(it has .*noLostUpdate/],
    ['a plain scenario with two variants of one name', ['check', 'test/fixtures/scenarioPlainDuplicate.ts'], /scenarioPlainDuplicate\.ts \(export scenario\): scenario counter: two variants are named 'racy'/],
    ['an unknown scenario', ['check', 'no-such-scenario'], /unknown scenario 'no-such-scenario'/],
    ['--variant of a plain system', ['check', 'test/fixtures/racyCounter.ts', '--variant', 'x'], /not a scenario/],
    ['an unknown format', ['check', '--format', 'xml'], /format/],
    ['an unknown option', ['check', '--frobnicate'], /frobnicate/],
    ['a bound that is not a number', ['check', 'peterson', '--max-states', 'many'], /--max-states/],
    ['a negative time limit', ['check', 'peterson', '--time-limit', '-1'], /--time-limit/],
  ];
  usageErrorTests(cases);

  test('--debug adds the stack trace', async () => {
    const r = await runMain(['check', 'test/fixtures/throwsOnImport.ts', '--debug']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^\s+at .*throwsOnImport\.ts/m);
  });
});

describe('the XML reader the JUnit tests rely on', () => {
  test('accepts well-formed XML and rejects malformed XML', () => {
    expect(parseXml('<?xml version="1.0"?>\n<a x="1 &amp; 2"><b/>t&lt;</a>').attributes.x).toBe('1 & 2');
    for (const bad of ['<a><b></a></b>', '<a x=1/>', '<a x="1" x="2"/>', '<a>1 & 2</a>', '<a>&nbsp;</a>', '<a>', '<a/><b/>']) {
      expect(() => parseXml(bad), bad).toThrow();
    }
  });
});
