// The partial-order reduction end to end (in-process; on by default, `--por` to hear why it did not
// apply): the flag's usage error, the JSON report's stats.partialOrder, the config file's `partialOrder`,
// the verdict unchanged, and a violation's counterexample the unreduced search's own.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { runMain, usageErrorTests } from './cliInProcess.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'vmbus-check-por-'));
const lines = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l));

describe('usage errors: exit 2, one line', () => {
  usageErrorTests([
    ['--por with --random', ['check', 'peterson', '--por', '--random', '10'], /--por is for the exhaustive search/],
  ]);
});

describe('check --por', () => {
  test('json: the same verdict, fewer or as many states, and what the reduction worked from', async () => {
    const args = ['check', 'lost-wakeup', '--variant', 'fixed', '--format', 'json', '--quiet'];
    const [plain] = lines((await runMain([...args, '--no-por'])).stdout);
    const r = await runMain([...args, '--por']);
    expect(r.code).toBe(0);
    const [o] = lines(r.stdout);
    expect(o.verdict).toBe(plain.verdict);
    expect(o.stats.states).toBeLessThan(plain.stats.states);
    expect(o.stats.partialOrder).toMatchObject({ applied: true });
    expect(plain.stats.partialOrder).toBeUndefined();
    // On by default: the same reduced search without the flag.
    const [byDefault] = lines((await runMain(args)).stdout);
    expect([byDefault.stats.states, byDefault.stats.partialOrder]).toEqual([o.stats.states, o.stats.partialOrder]);
  });

  test('text: says whether it was applied and to how many states, or why not', async () => {
    const applied = await runMain(['check', 'kvm-vcpu-kick', '--variant', 'correct', '--por']);
    expect(applied.stdout).toMatch(/kvm-vcpu-kick\/correct: partial-order reduction applied \(ample sets[^)]*\): [1-9][\d,]* states expanded by an ample set/);
    const not = await runMain(['check', 'shutdown-ic-boot', '--variant', 'fixed-linux', '--por']);
    expect(not.stdout).toMatch(/shutdown-ic-boot\/fixed-linux: partial-order reduction not applied: with liveness properties, timers of actors that a machine whose calls are not known may call \(guest\) are re-armed by a call/);
    // On by default, it says nothing where it did not apply (here symmetry reduction, also on by default, took its place).
    const byDefault = await runMain(['check', 'kvm-vcpu-kick', '--variant', 'correct']);
    expect(byDefault.stdout).toMatch(/kvm-vcpu-kick\/correct: symmetry: /);
    expect(byDefault.stdout).not.toMatch(/partial-order/);
    expect((await runMain(['check', 'shutdown-ic-boot', '--variant', 'fixed-linux'])).stdout).not.toMatch(/partial-order/);
  });

  test('a violation: the counterexample of the search without it, as the text and JSON reports say', async () => {
    const kick = ['check', 'kvm-vcpu-kick', '--variant', 'kick-without-request', '--no-symmetry', '--quiet'];
    const text = await runMain(kick);
    expect(text.stdout).toMatch(/kick-without-request: partial-order reduction applied \(ample sets[^)]*\): [1-9][\d,]* states expanded by an ample set; counterexamples and witnesses from a search again without it to depth \d+ \([\d,]+ states\), shortest ones$/m);
    const [reduced] = lines((await runMain([...kick, '--format', 'json'])).stdout);
    const [plain] = lines((await runMain([...kick, '--no-por', '--format', 'json'])).stdout);
    expect(reduced.stats.states).toBeLessThan(plain.stats.states);
    expect([reduced.property, reduced.steps, reduced.timeline, reduced.goals]).toEqual([plain.property, plain.steps, plain.timeline, plain.goals]);
    expect(reduced.stats.partialOrder.shortest).toMatchObject({ stopped: null });
  });

  test("the config's partialOrder applies, partialOrder: false switches it off; a bad one is one line naming the field", async () => {
    const dir = mkdtempSync(path.join(tmp, 'config-'));
    writeFileSync(path.join(dir, 'vmbus-check.config.mjs'), "export default { models: [{ model: 'lost-wakeup', variants: ['fixed'] }], partialOrder: true, reports: [{ format: 'json' }] };\n");
    const r = await runMain(['--quiet'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(lines(r.stdout)[0].stats.partialOrder).toMatchObject({ applied: true });
    // `partialOrder: false` switches off the default: every state, no stats.
    const offDir = mkdtempSync(path.join(tmp, 'config-'));
    writeFileSync(path.join(offDir, 'vmbus-check.config.mjs'), "export default { models: [{ model: 'lost-wakeup', variants: ['fixed'] }], partialOrder: false, reports: [{ format: 'json' }] };\n");
    const [off] = lines((await runMain(['--quiet'], { cwd: offDir })).stdout);
    expect(off.stats.partialOrder).toBeUndefined();
    expect(off.stats.states).toBeGreaterThan(lines(r.stdout)[0].stats.states);
    const bad = mkdtempSync(path.join(tmp, 'config-'));
    writeFileSync(path.join(bad, 'vmbus-check.config.mjs'), "export default { models: ['lost-wakeup'], partialOrder: 'yes' };\n");
    const e = await runMain(['--quiet'], { cwd: bad });
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/vmbus-check\.config\.mjs: partialOrder: must be true or false/);
  });
});
