// Flags and outputs (in-process): every malformed flag is a one-line usage error before any search,
// --out is checked before the search, and JSON lines stream out as each check finishes.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../cli/main.ts';
import { runMain, usageErrorTests } from './cliInProcess.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'vmbus-check-flags-'));

describe('usage errors: exit 2, one line, no report', () => {
  const file = path.join(tmp, 'a-file');
  writeFileSync(file, '');
  const cases: [string, string[], RegExp][] = [
    ['a bound flag without a value ($UNSET)', ['check', 'peterson', '--max-states'], /max-states/],
    ['a bound flag without a value before another flag', ['check', 'peterson', '--time-limit', '--quiet'], /time-limit/],
    ['--max-depth with an empty value', ['check', 'peterson', '--max-depth', ''], /--max-depth needs a value/],
    ['--max-states with a fraction', ['check', 'peterson', '--max-states', '1.5'], /--max-states must be a whole number/],
    ['--format given twice', ['check', 'peterson', '--format', 'json', '--format', 'text'], /--format is given more than once/],
    ['--format without a value', ['check', 'peterson', '--format'], /format/],
    ['--format of replay unknown', ['replay', 'traces/fixtures/peterson.broken.trace.json', '--format', 'json'], /--format must be one of text, mermaid, markdown/],
    ['--quiet=maybe', ['check', 'peterson', '--quiet=maybe'], /--quiet takes no value, or true or false/],
    ['--out given twice', ['check', 'peterson', '--out', path.join(tmp, 'a.json'), '--out', path.join(tmp, 'b.json')], /--out is given more than once/],
    ['--out under /proc', ['check', 'peterson', '--out', '/proc/x/y.json'], /cannot write the trace to \/proc\/x\/y\.json/],
    ['--out under a file', ['check', 'peterson', '--out', path.join(file, 'y.json')], /cannot write the trace to .*a-file.*not a folder/],
    ['check -', ['check', '-'], /standard input/],
    ['--step without a value', ['replay', 'traces/fixtures/peterson.broken.trace.json', '--step'], /step/],
  ];
  usageErrorTests(cases);
});

describe('--out', () => {
  test('a folder with several checks: one <check>.trace.json each, no hidden dot-files', async () => {
    const dir = path.join(tmp, 'traces') + path.sep;
    const r = await runMain(['check', 'peterson', '--out', dir, '--quiet']);
    expect(r.code).toBe(0);
    const files = readdirSync(dir);
    expect(files).toEqual(['peterson.broken.trace.json']);
    expect(r.stdout).toContain(`counterexample written to ${path.join(dir, 'peterson.broken.trace.json')}`);
  });

  test('a missing folder is made before the search', async () => {
    const out = path.join(tmp, 'new', 'deeper', 'p.json');
    const r = await runMain(['check', 'peterson', '--variant', 'broken', '--out', out, '--quiet']);
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(true);
  });
});

describe('--format json', () => {
  test('a violation carries the counterexample length in steps and its timeline; lines stream per check', async () => {
    const chunks: string[] = [];
    const code = await main(['check', 'lost-wakeup', '--format', 'json', '--quiet'], { stdout: (s) => { chunks.push(s); }, stderr: () => {} });
    expect(code).toBe(0);
    // One write per finished check, each a whole JSON line.
    expect(chunks).toHaveLength(2);
    const [buggy, fixed] = chunks.map((c) => JSON.parse(c));
    // The lost wakeup ends with the consumer's watchdog timer: six steps, one deeper than the stalled state.
    expect(buggy).toMatchObject({ variant: 'buggy', verdict: 'violated', property: 'lostWakeup', steps: 6 });
    expect(buggy.timeline).toMatch(/lostWakeup violated after 6 steps/);
    expect(buggy.timeline.trim().split('\n')).toHaveLength(6 + 3);
    expect(fixed).toMatchObject({ variant: 'fixed', verdict: 'verified' });
    expect(fixed).not.toHaveProperty('steps');
  });
});
