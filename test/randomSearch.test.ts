// Random and swarm search: it finds real violations (their counterexamples replay, as the independent
// reference confirms), never says `verified`, retakes the same walks for the same seed, splits its
// walks across shards exactly, and shrinks what it finds.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { explore, randomSearch } from '../checker/index.ts';
import { lostWakeup } from '../models/examples/lostWakeup.ts';
import { peterson } from '../models/examples/peterson.ts';
import { builtinScenarios } from '../models/scenarios/index.ts';
import { buildTrace, replayTrace } from '../traces/index.ts';
import { runMain } from './cliInProcess.ts';
import { bruteForce } from './reference/bruteForce.ts';
import { buildSystem, systemDataArb } from './reference/randomSystem.ts';
import { replayViolation } from './reference/replay.ts';

describe('random search', () => {
  test('finds the lost wakeup, with a counterexample that replays as a trace', async () => {
    const system = lostWakeup(false);
    const r = await randomSearch(system, { walks: 200, seed: 7 });
    expect(r.verdict).toBe('violated');
    const [v] = r.violations;
    expect(v.property).toBe('lostWakeup');
    const trace = buildTrace(system, { module: 'test', parameters: {} }, v);
    expect(replayTrace(system, trace).status).toBe('reproduced');
    expect(r.found).toMatchObject({ seed: 7 });
  });

  test('never claims verified: with no violation found the verdict is bounded (sampled), even when every state was visited', async () => {
    const r = await randomSearch(peterson(false), { walks: 50, seed: 1 });
    expect(explore(peterson(false)).stats.states).toBe(34);
    expect(r.stats.states).toBe(34);
    expect(r.verdict).toBe('bounded');
    expect(r.bounds[0]).toMatchObject({ kind: 'sampled', detail: expect.stringMatching(/50 walks .* seed 1: not exhaustive/) });
  });

  test('shrinks a long walk: Peterson\'s broken order is reported in the 8 steps breadth-first search finds', async () => {
    const r = await randomSearch(peterson(true), { walks: 50, seed: 7 });
    expect(r.found!.walkSteps).toBeGreaterThan(8);
    expect(r.violations[0].steps).toHaveLength(explore(peterson(true)).violations[0].steps.length);
  });

  test('the same seed takes the same walks; shards take every walk exactly once between them', async () => {
    const system = peterson(false);
    const whole = await randomSearch(system, { walks: 12, seed: 5, swarm: true, maxDepth: 40 });
    expect(await randomSearch(system, { walks: 12, seed: 5, swarm: true, maxDepth: 40 })).toMatchObject({ stats: { transitions: whole.stats.transitions } });
    const shards = await Promise.all([0, 1, 2].map((index) => randomSearch(system, { walks: 12, seed: 5, swarm: true, maxDepth: 40, shard: { index, count: 3 } })));
    expect(shards.map((s) => s.bounds[0].detail.match(/(\d+) walks/)![1])).toEqual(['4', '4', '4']);
    expect(shards.reduce((n, s) => n + s.stats.transitions, 0)).toBe(whole.stats.transitions);
  });

  test('finds under arm what only a load returning an older value shows (the walk draws each load\'s value)', async () => {
    const scenario = builtinScenarios.find((s) => s.name === 'apple-tso-mode')!;
    const variant = scenario.variants.find((v) => v.name === 'x86-code-arm-mode')!;
    const r = await randomSearch(variant.system(), { walks: 300, seed: 5, swarm: true, memory: 'arm' });
    expect(r.verdict).toBe('violated');
    expect(r.violations[0].steps.some((s) => s.choices !== undefined)).toBe(true);
    expect(replayViolation({ ...variant.system(), memory: 'arm' }, r.violations[0])).toBeGreaterThan(0);
  });

  test('on random systems: whatever it finds is a real violation, confirmed by the reference explorer', async () => {
    await fc.assert(fc.asyncProperty(systemDataArb, fc.nat(1000), async (data, seed) => {
      const system = buildSystem(data);
      const r = await randomSearch(system, { walks: 20, seed, maxDepth: 30 });
      expect(r.verdict).not.toBe('verified');
      if (r.verdict === 'violated') {
        const [v] = r.violations;
        expect(bruteForce(system).violated.has(v.property)).toBe(true);
        replayViolation(system, v);
      }
    }), { numRuns: 40 });
  });

  test('from the command line: --random with --seed, --swarm and --shard; a flag without --random is a usage error', async () => {
    const r = await runMain(['check', 'lost-wakeup', '--variant', 'buggy', '--random', '200', '--seed', '4', '--swarm', '--shard', '1/2', '--format', 'json', '--quiet']);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'violated', property: 'lostWakeup', found: { seed: 4 } });
    const text = await runMain(['check', 'lost-wakeup', '--variant', 'fixed', '--random', '20', '--quiet']);
    expect(text.stdout).toMatch(/bounded \(sampled\): random search: 20 walks/);
    expect(text.code).toBe(3);
    for (const args of [['--seed', '3'], ['--random', '10', '--shard', '3/2'], ['--random', '0'], ['--swarm']]) {
      const bad = await runMain(['check', 'lost-wakeup', ...args]);
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  describe('merge: shards of a CI matrix, combined', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vmbus-merge-'));
    async function shards(args: string[], count: number, only: number[] = Array.from({ length: count }, (_, i) => i + 1)) {
      const files: string[] = [];
      for (const i of only) {
        const r = await runMain([...args, '--shard', `${i}/${count}`, '--format', 'json', '--quiet']);
        const file = path.join(dir, `${files.length}-${i}.json`);
        writeFileSync(file, r.stdout);
        files.push(file);
      }
      return files;
    }

    test('every shard there: the walks add up to the unsharded run\'s, and the verdict is the same', async () => {
      const args = ['check', 'lost-wakeup', '--variant', 'fixed', '--random', '30', '--swarm', '--seed', '2'];
      const whole = JSON.parse((await runMain([...args, '--format', 'json', '--quiet'])).stdout);
      const merged = await runMain(['merge', ...(await shards(args, 3)), '--format', 'json']);
      const [m] = merged.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(whole.verdict).toBe('bounded');
      expect(m).toMatchObject({ verdict: 'bounded', runs: 3, outcome: 'bounded' });
      expect(m.bounds).toEqual(['sampled: random swarm search: 30 walks of at most 500 steps from seed 2 (shards 1, 2, 3 of 3): not exhaustive']);
      expect(merged.code).toBe(3);
    });

    test('one shard finds the violation: the merged check is violated, with its counterexample (as the buggy variant expects: exit 0)', async () => {
      const merged = await runMain(['merge', ...(await shards(['check', 'lost-wakeup', '--variant', 'buggy', '--random', '200', '--seed', '4'], 2))]);
      expect(merged.stdout).toMatch(/lost-wakeup\/buggy: lostWakeup violated after 6 steps/);
      expect(merged.stdout).toMatch(/found by random walk \d+ from seed 4/);
      expect(merged.stdout).toMatch(/1 check: every verdict as expected/);
      expect(merged.code).toBe(0);
    });

    test('a missing or doubled shard is said, and keeps the verdict bounded', async () => {
      const files = await shards(['check', 'lost-wakeup', '--variant', 'fixed', '--random', '8', '--seed', '1'], 4, [1, 3, 3]);
      const merged = await runMain(['merge', ...files]);
      expect(merged.stdout).toMatch(/shards missing: 2, 4 of 4/);
      expect(merged.stdout).toMatch(/shards given twice: 3 of 4/);
      expect(merged.code).toBe(3);
    });

    test('a file that is not a JSON report is a one-line error', async () => {
      const bad = path.join(dir, 'bad.json');
      writeFileSync(bad, 'scenario  variant\n');
      const r = await runMain(['merge', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/bad\.json, line 1: not JSON/);
    });
  });
});
