// Globs vmbus-check expands itself (`check 'models/**/*.ts'`, the config's models): each form against a
// folder tree built here, so the expected matches are read off the tree, not off the matcher.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { expandGlob } from '../cli/glob.ts';
import { runMain, usageErrorTests } from './cliInProcess.ts';

const root = mkdtempSync(path.join(tmpdir(), 'vmbus-glob-'));
for (const f of ['models/a.ts', 'models/b.mts', 'models/c.js', 'models/sub/d.ts', 'models/sub/deep/e.ts', 'models/.hidden/h.ts',
  'models/.dot.ts', 'models/node_modules/n.ts', 'node_modules/x/y.ts', 'models/sub/[x].ts', 'other/o.ts']) {
  mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
  writeFileSync(path.join(root, f), '');
}
symlinkSync('..', path.join(root, 'models/sub/up')); // a loop for `**`, if it followed links

describe('expandGlob', () => {
  const cases: [string, string[]][] = [
    ['models/*.ts', ['models/a.ts']],
    ['models/**/*.ts', ['models/a.ts', 'models/sub/[x].ts', 'models/sub/d.ts', 'models/sub/deep/e.ts']],
    ['**/*.ts', ['models/a.ts', 'models/sub/[x].ts', 'models/sub/d.ts', 'models/sub/deep/e.ts', 'other/o.ts']],
    ['models/*.{ts,mts}', ['models/a.ts', 'models/b.mts']],
    ['models/?.*', ['models/a.ts', 'models/b.mts', 'models/c.js']],
    ['models/[ab].*', ['models/a.ts', 'models/b.mts']],
    ['models/[!ab].*', ['models/c.js']],
    ['models/.*.ts', ['models/.dot.ts']],
    ['models/.hidden/*.ts', ['models/.hidden/h.ts']],
    ['models/node_modules/*.ts', ['models/node_modules/n.ts']],
    ['models/sub/up/*.ts', ['models/sub/up/a.ts']],
    ['models/sub/**', ['models/sub/[x].ts', 'models/sub/d.ts', 'models/sub/deep/e.ts']],
    ['models/*', ['models/a.ts', 'models/b.mts', 'models/c.js']],
    ['nowhere/*.ts', []],
    ['models/*.py', []],
  ];
  for (const [pattern, files] of cases) {
    test(pattern, () => expect(expandGlob(pattern, root)).toEqual(files));
  }
  test('an absolute pattern gives absolute paths', () => {
    expect(expandGlob(`${root}/models/sub/*.ts`)).toEqual([`${root}/models/sub/[x].ts`, `${root}/models/sub/d.ts`]);
  });
});

describe('check with a quoted glob', () => {
  test('checks every file it matches, in one report', async () => {
    const r = await runMain(['check', 'test/fixtures/{paramScenario,indexedNames}.ts', '--quiet', '--format', 'json']);
    const checks = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(checks.map((c) => `${c.scenario}/${c.variant}`)).toEqual(['indexed-names/null', 'counters/racy', 'counters/atomic']);
  });

  usageErrorTests([
    ['a glob that matches nothing', ['check', 'test/fixtures/**/*.nothing.ts'], /^vmbus-check: no file matches "test\/fixtures\/\*\*\/\*\.nothing\.ts"$/m],
  ]);
});
