// `--store compact|bitstate` end to end (in-process): the flags' usage errors, the probabilistic verdict
// in every format and in the exit code, a bit array too small for the model (bounded, exit 3), the
// config file's `store`, and merge.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { runMain, usageErrorTests } from './cliInProcess.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'vmbus-check-store-'));
const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l));

describe('usage errors: exit 2, one line', () => {
  usageErrorTests([
    ['--store with an unknown kind', ['check', 'peterson', '--store', 'hashed'], /--store must be one of full, compact, bitstate \(not "hashed"\)/],
    ['--store without a value', ['check', 'peterson', '--store'], /store/],
    ['--bitstate-bits without --store bitstate', ['check', 'peterson', '--store', 'compact', '--bitstate-bits', '20'], /--bitstate-bits needs --store bitstate/],
    ['--bitstate-bits beyond 32', ['check', 'peterson', '--store', 'bitstate', '--bitstate-bits', '40'], /--bitstate-bits must be a whole number from 3 to 32/],
    ['--bitstate-hashes of 0', ['check', 'peterson', '--store', 'bitstate', '--bitstate-hashes', '0'], /--bitstate-hashes must be a whole number of at least 1/],
    ['--store compact with --random', ['check', 'peterson', '--store', 'compact', '--random', '10'], /--store compact is for the exhaustive search/],
  ]);
});

describe('check --store compact', () => {
  const args = ['check', 'shutdown-ic-boot', '--variant', 'fixed-linux', '--quiet'];

  test('text: verified-probabilistic in the table, the estimate on its own line, the full store\'s state count; exit 0', async () => {
    const full = lines((await runMain([...args, '--format', 'json'])).stdout)[0];
    expect(full.verdict).toBe('verified');
    const r = await runMain([...args, '--store', 'compact']);
    expect(r.code).toBe(0);
    const states = full.stats.states.toLocaleString('en-US');
    expect(r.stdout).toMatch(new RegExp(`^shutdown-ic-boot\\s+fixed-linux\\s+verified-probabilistic\\s+verified\\s+${states}\\s`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^shutdown-ic-boot/fixed-linux: verified \\(probabilistic: compact store, 64-bit fingerprints of ${states} states, estimated probability of a missed state \\d\\.\\de-\\d+\\)$`, 'm'));
    expect(r.stdout).not.toMatch(/^\S+\s+\S+\s+verified\s/m);
  });

  test('json: the verdict is not plain verified, and the approximation is given', async () => {
    const [o] = lines((await runMain([...args, '--store', 'compact', '--format', 'json'])).stdout);
    expect(o.verdict).toBe('verified-probabilistic');
    expect(o.asExpected).toBe(true);
    expect(o.approximation).toMatchObject({ store: 'compact', fingerprintBits: 64, states: o.stats.states });
    // n^2 / 2^65 for n states, n in the thousands: far below 1e-9.
    expect(o.approximation.omissionProbability).toBeGreaterThan(0);
    expect(o.approximation.omissionProbability).toBeLessThan(1e-9);
  });

  test('junit, sarif and github say the verdict is probabilistic', async () => {
    const junit = (await runMain([...args, '--store', 'compact', '--format', 'junit'])).stdout;
    expect(junit).toMatch(/<system-out>verified \(probabilistic: compact store, 64-bit fingerprints of [\d,]+ states/);
    expect(junit).not.toMatch(/<failure|<error/);
    const sarif = JSON.parse((await runMain([...args, '--store', 'compact', '--format', 'sarif'])).stdout);
    const results = sarif.runs[0].results;
    expect(results.map((x: { ruleId: string; level: string }) => [x.ruleId, x.level])).toEqual([['probabilisticVerdict', 'note']]);
    expect(results[0].properties.verdict).toBe('verified-probabilistic');
    const summary = path.join(tmp, 'summary.md');
    const github = await runMain([...args, '--store', 'compact', '--format', 'github'], { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary } });
    expect(github.stdout).toMatch(/^::notice .*title=vmbus-check%3A probabilistic verdict for shutdown-ic-boot\/fixed-linux::verified \(probabilistic: compact store/m);
  });

  test('an expected violation is found as with the full store: violated, exit 0', async () => {
    const r = await runMain(['check', 'lost-wakeup', '--quiet', '--store', 'compact', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(lines(r.stdout).map((o) => [o.variant, o.verdict, o.asExpected])).toEqual([['buggy', 'violated', true], ['fixed', 'verified-probabilistic', true]]);
  });
});

describe('check --store bitstate', () => {
  test('a bit array too small: states missed, bounded (omissions), exit 3', async () => {
    const r = await runMain(['check', 'peterson', '--variant', 'correct', '--quiet', '--store', 'bitstate', '--bitstate-bits', '5', '--format', 'json']);
    expect(r.code).toBe(3);
    const [o] = lines(r.stdout);
    expect(o.verdict).toBe('bounded');
    expect(o.bounds.map((b: { kind: string }) => b.kind)).toEqual(['omissions']);
    expect(o.approximation).toMatchObject({ store: 'bitstate', bits: 32, hashes: 3 });
    expect(o.approximation.omissionProbability).toBeGreaterThan(0.01);
  });

  test('liveness properties are left unjudged: bounded, said in the report', async () => {
    const r = await runMain(['check', 'shutdown-ic-boot', '--variant', 'fixed-linux', '--quiet', '--store', 'bitstate', '--bitstate-bits', '20']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/bounded \(unjudged\): liveness properties left unjudged \(.+\): the bitstate store keeps no state indices/);
  });
});

describe('the config file and merge', () => {
  test("the config's store applies; a bad one is one line naming the field", async () => {
    const dir = mkdtempSync(path.join(tmp, 'config-'));
    writeFileSync(path.join(dir, 'vmbus-check.config.mjs'), "export default { models: [{ model: 'lost-wakeup', variants: ['fixed'] }], store: 'compact', reports: [{ format: 'json' }] };\n");
    const r = await runMain(['--quiet'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[0].verdict).toBe('verified-probabilistic');
    const bad = mkdtempSync(path.join(tmp, 'config-'));
    writeFileSync(path.join(bad, 'vmbus-check.config.mjs'), "export default { models: ['lost-wakeup'], store: 'tiny' };\n");
    const e = await runMain(['--quiet'], { cwd: bad });
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/vmbus-check\.config\.mjs: store: must be one of full, compact, bitstate/);
  });

  test('merge: a probabilistic run alone stays probabilistic (exit 0 against verified); beside an exhaustive one, verified', async () => {
    const args = ['check', 'lost-wakeup', '--variant', 'fixed', '--quiet', '--format', 'json'];
    const compact = path.join(tmp, 'compact.json');
    const full = path.join(tmp, 'full.json');
    writeFileSync(compact, (await runMain([...args, '--store', 'compact'])).stdout);
    writeFileSync(full, (await runMain(args)).stdout);
    const alone = await runMain(['merge', compact]);
    expect(alone.code).toBe(0);
    expect(alone.stdout).toMatch(/^lost-wakeup\s+fixed\s+sc\s+verified-probabilistic\s/m);
    expect(alone.stdout).toMatch(/lost-wakeup\/fixed: verified \(probabilistic: compact store, 64-bit fingerprints of \d+ states/);
    const both = lines((await runMain(['merge', compact, full, '--format', 'json'])).stdout);
    expect(both.map((m) => [m.verdict, m.outcome])).toEqual([['verified', 'pass']]);
  });
});
