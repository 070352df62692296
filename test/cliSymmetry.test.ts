// `--symmetry` end to end (in-process): the verdicts and counterexamples of the unreduced search in fewer
// states, the report saying what the reduction covered (text) and stats.symmetry (json), a system that
// declares none or where it cannot apply said so, the config's `symmetry`, and the usage error.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { SYMMETRY_SWITCHED_OFF } from '../checker/index.ts';
import { runMain, usageErrorTests } from './cliInProcess.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'vmbus-check-symmetry-'));
const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l));
const kvm = (variant: string, ...more: string[]) => ['check', 'kvm-vcpu-kick', '--variant', variant, '--quiet', ...more];

describe('usage errors: exit 2, one line', () => {
  usageErrorTests([
    ['--symmetry with --random', [...kvm('correct'), '--symmetry', '--random', '10'], /--symmetry is for the exhaustive search: it cannot be combined with --random/],
    ['--symmetry given a value', [...kvm('correct'), '--symmetry=yes'], /--symmetry takes no value, or true or false/],
  ]);
});

describe('check --symmetry', () => {
  test('json: the same verdict in fewer states, stats.symmetry with the states the orbits stand for', async () => {
    const [off] = lines((await runMain([...kvm('correct'), '--no-symmetry', '--no-por', '--format', 'json'])).stdout);
    const [on] = lines((await runMain([...kvm('correct'), '--symmetry', '--format', 'json'])).stdout);
    expect(off.stats.symmetry).toMatchObject({ applied: false, note: SYMMETRY_SWITCHED_OFF });
    // On by default where declared.
    const [byDefault] = lines((await runMain([...kvm('correct'), '--format', 'json'])).stdout);
    expect([byDefault.stats.states, byDefault.stats.symmetry]).toEqual([on.stats.states, on.stats.symmetry]);
    expect(on.verdict).toBe(off.verdict);
    expect(on.asExpected).toBe(true);
    expect(on.stats.states).toBeLessThan(off.stats.states);
    expect(on.stats.symmetry).toEqual({ applied: true, note: 'symmetry: 4 actors and 6 cells in 1 group of 2 members', represented: off.stats.states });
    expect(on.goals).toEqual(off.goals);
  });

  test('text: a line saying what was reduced, also by default; switched off, none', async () => {
    for (const on of [await runMain(kvm('correct', '--symmetry')), await runMain(kvm('correct'))]) {
      expect(on.code).toBe(0);
      expect(on.stdout).toMatch(/^kvm-vcpu-kick\/correct: symmetry: 4 actors and 6 cells in 1 group of 2 members; [\d,]+ orbits stored, standing for [\d,]+ states$/m);
    }
    expect((await runMain(kvm('correct', '--no-symmetry'))).stdout).not.toMatch(/symmetry/);
  });

  test('a violation: the same property and counterexample length, and its trace replays', async () => {
    const [off] = lines((await runMain([...kvm('no-vcpu-barrier'), '--no-symmetry', '--no-por', '--format', 'json'])).stdout);
    const out = path.join(tmp, 'kick.json');
    const [on] = lines((await runMain([...kvm('no-vcpu-barrier'), '--symmetry', '--format', 'json', '--out', out])).stdout);
    expect([on.verdict, on.property, on.steps]).toEqual([off.verdict, off.property, off.steps]);
    expect(on.stats.symmetry.applied).toBe(true);
    // Reproduced is exit 1.
    const replayed = await runMain(['replay', out]);
    expect(replayed.code).toBe(1);
    expect(replayed.stdout).toMatch(/reproduced.*lostKick/);
  });

  test('a system that declares no symmetry, or where it cannot apply, is said so', async () => {
    const [p] = lines((await runMain(['check', 'peterson', '--variant', 'correct', '--quiet', '--symmetry', '--format', 'json'])).stdout);
    expect(p.verdict).toBe('verified');
    expect(p.stats.symmetry).toEqual({ applied: false, note: 'symmetry not applied: the system declares no symmetry (no groups of interchangeable members)', represented: null });
    const text = await runMain(['check', 'peterson', '--variant', 'correct', '--quiet', '--symmetry']);
    expect(text.stdout).toMatch(/^peterson\/correct: symmetry not applied: the system declares no symmetry/m);
    const [c] = lines((await runMain([...kvm('correct'), '--symmetry', '--coverage', '--format', 'json'])).stdout);
    expect(c.stats.symmetry).toMatchObject({ applied: false, note: 'symmetry not applied: coverage counts concrete states' });
  });

  test("the config's symmetry applies, --no-symmetry turns it off, symmetry: false too; a bad one is one line naming the field", async () => {
    const dir = mkdtempSync(path.join(tmp, 'config-'));
    writeFileSync(path.join(dir, 'vmbus-check.config.mjs'), "export default { models: [{ model: 'kvm-vcpu-kick', variants: ['correct'] }], symmetry: true, reports: [{ format: 'json' }] };\n");
    const r = await runMain(['--quiet'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[0].stats.symmetry.applied).toBe(true);
    expect(lines((await runMain(['--quiet', '--no-symmetry'], { cwd: dir })).stdout)[0].stats.symmetry.applied).toBe(false);
    // `symmetry: false` switches off the default; --symmetry switches it on again.
    const offDir = mkdtempSync(path.join(tmp, 'config-'));
    writeFileSync(path.join(offDir, 'vmbus-check.config.mjs'), "export default { models: [{ model: 'kvm-vcpu-kick', variants: ['correct'] }], symmetry: false, reports: [{ format: 'json' }] };\n");
    expect(lines((await runMain(['--quiet'], { cwd: offDir })).stdout)[0].stats.symmetry).toMatchObject({ applied: false, note: SYMMETRY_SWITCHED_OFF });
    expect(lines((await runMain(['--quiet', '--symmetry'], { cwd: offDir })).stdout)[0].stats.symmetry.applied).toBe(true);
    const bad = mkdtempSync(path.join(tmp, 'config-'));
    writeFileSync(path.join(bad, 'vmbus-check.config.mjs'), "export default { models: ['kvm-vcpu-kick'], symmetry: 'yes' };\n");
    const e = await runMain(['--quiet'], { cwd: bad });
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/vmbus-check\.config\.mjs: symmetry: must be true or false/);
  });

  test('liveness properties: the unreduced verdicts, judged over a cover of the concrete states, a lasso that replays', async () => {
    const mutex = 'test/fixtures/symmetricMutex.ts';
    const check = async (...more: string[]) => lines((await runMain(['check', mutex, '--quiet', '--format', 'json', ...more])).stdout);
    const off = await check('--no-symmetry');
    const out = path.join(tmp, 'mutex.json');
    const on = await check('--out', out);
    // Three processes of three local states under one lock: 20 reachable states by hand (lock free: the 2^3
    // idle/waiting mixes; held: one of the three in critical, the other two idle or waiting, 3 x 4), 7 orbits.
    expect(off.map((r) => r.stats.states)).toEqual([20, 20]);
    for (const [i, r] of on.entries()) {
      expect([r.variant, r.verdict, r.property]).toEqual([off[i].variant, off[i].verdict, off[i].property]);
      expect(r.stats.symmetry).toEqual({ applied: true, note: 'symmetry: 3 actors in 1 group of 3 members', represented: 20, cover: 20 });
      expect(r.stats.states).toBe(7);
    }
    expect([on[0].variant, on[0].verdict, on[0].property, on[0].steps]).toEqual(['weak', 'violated', 'firstEnters', off[0].steps]);
    const replayed = await runMain(['replay', out.replace(/\.json$/, '.symmetric-mutex.weak.json'), '--model', mutex]);
    expect(replayed.stdout).toContain('reproduced: firstEnters violated');
    const text = await runMain(['check', mutex, '--quiet']);
    expect(text.stdout).toMatch(/^symmetric-mutex\/strong: symmetry: 3 actors in 1 group of 3 members; 7 orbits stored, standing for 20 states; liveness judged over the 20 states unfolded from them$/m);
  });
});
