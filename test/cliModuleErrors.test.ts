// Model modules and trace files that misbehave in ways a user can cause: each is exit 2 with one line
// that says what happened (in-process, except where the process's own exit is what is tested).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { runMain } from './cliInProcess.ts';
import { isOneLineError, repoRoot, runCli } from './cliProcess.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'vmbus-check-module-errors-'));
writeFileSync(path.join(tmp, 'package.json'), '{"type":"module"}');
const racy = JSON.stringify(path.join(repoRoot, 'test/fixtures/racyCounter.ts'));
const modules: Record<string, string> = {
  'exits.ts': 'process.exit(0);\nexport const system = {};\n',
  'hangs.ts': 'await new Promise(() => {});\nexport const system = {};\n',
  'syntax.ts': 'export const system = {;\n',
  'weird.ts': "throw { toString() { throw new Error('toString too'); } };\n",
  'nanCell.ts': `import { racyCounter } from ${racy};\nexport const system = () => ({ ...racyCounter(false), cells: { count: NaN } });\n`,
};
for (const [name, text] of Object.entries(modules)) writeFileSync(path.join(tmp, name), text);

describe('model modules that misbehave while loading', () => {
  const cases: [string, RegExp][] = [
    ['exits.ts', /exits\.ts: the module called process\.exit\(0\) while loading/],
    ['syntax.ts', /syntax\.ts: the module threw while loading: .*syntax\.ts:1:\d+: Expected identifier but found ";"/],
    ['weird.ts', /weird\.ts: the module threw while loading: a thrown object that is not an Error/],
    ['nanCell.ts', /cell 'count' has initial value NaN/],
  ];
  for (const [name, message] of cases) {
    test(name, async () => {
      const r = await runMain(['check', path.join(tmp, name)]);
      expect(r.code).toBe(2);
      expect(isOneLineError(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toMatch(message);
    });
  }

  test('a top-level await that never settles: exit 2 and a message, not exit 13', async () => {
    const r = await runCli(['check', path.join(tmp, 'hangs.ts')]);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toMatch(/hangs\.ts: the module's top-level await never settles/);
  });
});

describe('the bytes of a trace file', () => {
  const fixture = readFileSync(path.join(repoRoot, 'traces/fixtures/peterson.broken.trace.json'));
  test('a UTF-8 byte-order mark is accepted', async () => {
    const file = path.join(tmp, 'bom.json');
    writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), fixture]));
    const r = await runMain(['replay', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
  });

  test('bytes that are not UTF-8 are refused, not silently replaced', async () => {
    const file = path.join(tmp, 'latin1.json');
    const text = fixture.toString('utf8').replace('both in the critical section', 'both in the critical section \u00e9');
    writeFileSync(file, Buffer.from(text, 'latin1'));
    const r = await runMain(['replay', file]);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toMatch(/not valid UTF-8/);
  });
});
