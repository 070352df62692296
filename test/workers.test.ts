// --workers: checks side by side in several search threads, and one random search's walks split across
// threads, report exactly what one thread running them in order reports (timings aside); the pool hands
// results over in order whatever order they finish in; a bad value is a one-line usage error.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { randomResult, randomSearch, randomWalks, sharedFirstViolation } from '../checker/index.ts';
import type { CheckResult, RandomSearchOptions, SystemDefinition } from '../checker/index.ts';
import { checkObject } from '../cli/formats/json.ts';
import { textReport } from '../cli/formats/textTable.ts';
import { builtinTargets } from '../cli/loadSystem.ts';
import { runInOrder } from '../cli/orderedPool.ts';
import { runChecks } from '../cli/runChecks.ts';
import { threadShard } from '../cli/randomThreads.ts';
import { lostWakeup } from '../models/examples/lostWakeup.ts';
import { peterson } from '../models/examples/peterson.ts';
import { builtinScenarios } from '../models/scenarios/index.ts';
import { runMain } from './cliInProcess.ts';
import { isOneLineError } from './cliProcess.ts';
import { buildSystem, systemDataArb } from './reference/randomSystem.ts';

/** A report without what depends on the clock. */
const untimed = (text: string) => text
  .replace(/"(seconds|statesPerSec)":[0-9.e+-]+/g, '"$1":0')
  .replace(/\btime="[0-9.]+"/g, 'time="0"')
  .replace(/\btimestamp="[^"]*"/g, 'timestamp=""');

const withoutTiming = (r: CheckResult) => ({ ...r, stats: { ...r.stats, seconds: 0, statesPerSec: 0 } });

/** The walks of `options` (or of its shard) split across `threads` parts, taken in turn or interleaved, and merged. */
async function merged(system: SystemDefinition, options: RandomSearchOptions, threads: number, interleaved: boolean): Promise<CheckResult> {
  const cell = sharedFirstViolation();
  const share = (k: number) => randomWalks(system, { ...options, shard: threadShard(options.shard, k, threads) }, cell);
  const ks = [...Array(threads).keys()];
  const parts = interleaved ? await Promise.all(ks.map(share)) : await ks.reduce(async (acc, k) => [...await acc, await share(k)], Promise.resolve([] as Awaited<ReturnType<typeof share>>[]));
  return randomResult(parts, options, 0);
}

describe('runInOrder', () => {
  test('delivers every result in order, whatever order the tasks finish in, never more than `width` at once', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.nat(5), { maxLength: 12 }), fc.integer({ min: 1, max: 4 }), async (delays, width) => {
      let running = 0;
      let most = 0;
      const delivered: number[] = [];
      const started = await runInOrder(delays.length, width, async (i) => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, delays[i]));
        running--;
        return i * 10;
      }, (value, i) => { expect(value).toBe(i * 10); delivered.push(i); }, () => true);
      expect(started).toBe(delays.length);
      expect(delivered).toEqual([...delays.keys()]);
      expect(most).toBeLessThanOrEqual(width);
    }), { numRuns: 30 });
  });

  test('a failure: the tasks before it are delivered, then its error is thrown, the first in order even when a later one fails first', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.record({ delay: fc.nat(5), fails: fc.boolean() }), { minLength: 1, maxLength: 10 }), fc.integer({ min: 1, max: 4 }), async (tasks, width) => {
      const delivered: number[] = [];
      const run = runInOrder(tasks.length, width, async (i) => {
        await new Promise((resolve) => setTimeout(resolve, tasks[i].delay));
        if (tasks[i].fails) throw new Error(`task ${i}`);
        return i;
      }, (i) => { delivered.push(i); }, () => true);
      const firstFailing = tasks.findIndex((t) => t.fails);
      if (firstFailing < 0) await expect(run).resolves.toBe(tasks.length);
      else await expect(run).rejects.toThrow(`task ${firstFailing}`);
      expect(delivered).toEqual([...Array(firstFailing < 0 ? tasks.length : firstFailing).keys()]);
    }), { numRuns: 30 });
  });

  test('nothing more starts once mayStart says no: the tasks started are a prefix, and all of them are delivered', async () => {
    const delivered: number[] = [];
    const started = await runInOrder(10, 3, async (i) => i, (i) => { delivered.push(i); }, () => delivered.length < 4);
    expect(started).toBeGreaterThanOrEqual(4);
    expect(started).toBeLessThan(10);
    expect(delivered).toEqual([...Array(started).keys()]);
  });
});

describe('a random search split across threads', () => {
  test('merges into the single-thread result: same walks, same counterexample, same counts (taken in turn or interleaved)', async () => {
    const cases: [SystemDefinition, RandomSearchOptions][] = [
      [lostWakeup(false), { walks: 300, seed: 7 }],
      [peterson(true), { walks: 80, seed: 3, swarm: true }],
      [peterson(false), { walks: 60, seed: 5, swarm: true, maxDepth: 40 }],
      [peterson(false), { walks: 61, seed: 2, shard: { index: 1, count: 3 } }],
      [builtinScenarios.find((s) => s.name === 'kvm-vcpu-kick')!.variants.find((v) => v.name === 'no-vcpu-barrier')!.system(), { walks: 400, seed: 11, swarm: true }],
    ];
    for (const [system, options] of cases) {
      const single = withoutTiming(await randomSearch(system, options));
      for (const threads of [2, 3]) {
        for (const interleaved of [false, true]) expect(withoutTiming(await merged(system, options, threads, interleaved)), `${threads} threads`).toEqual(single);
      }
    }
  });

  test('on random systems: the merge of 2 or 3 threads is the single-thread result', async () => {
    await fc.assert(fc.asyncProperty(systemDataArb, fc.nat(1000), fc.integer({ min: 2, max: 3 }), fc.boolean(), async (data, seed, threads, swarm) => {
      const system = buildSystem(data);
      const options = { walks: 25, seed, maxDepth: 30, swarm };
      expect(withoutTiming(await merged(system, options, threads, true))).toEqual(withoutTiming(await randomSearch(system, options)));
    }), { numRuns: 40 });
  });
});

describe('--workers from the command line', () => {
  // The 1-worker baselines search in the test's own thread: test/searchThread.test.ts shows that this is
  // what a search thread reports, and it saves a thread start (its imports) for each.
  const run = (args: string[]) => runMain([...args, '--quiet'], { searchThread: args[args.indexOf('--workers') + 1] !== '1' });

  test('several built-in scenarios with 2 workers: the JSON, JUnit and SARIF reports and the traces are those of 1 worker', async () => {
    const targets = ['exit-boot-services', 'lost-wakeup', 'peterson', 'modify-channel', 'vmbus-signal-eom', 'apple-tso-mode'];
    const reports: Record<string, string>[] = [];
    for (const workers of ['1', '2']) {
      const dir = mkdtempSync(path.join(tmpdir(), `vmbus-workers-${workers}-`));
      const config = path.join(dir, 'vmbus-check.config.mjs');
      writeFileSync(config, `export default { models: ${JSON.stringify(targets)}, reports: [{ format: 'json', output: 'r.json' }, { format: 'junit', output: 'r.xml' }, { format: 'sarif', output: 'r.sarif' }] };\n`);
      const r = await runMain(['--config', config, '--workers', workers, '--out', 'traces/', '--quiet'], { searchThread: workers !== '1', cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      const files: Record<string, string> = {};
      for (const f of ['r.json', 'r.xml', 'r.sarif']) files[f] = untimed(readFileSync(path.join(dir, f), 'utf8'));
      for (const f of readdirSync(path.join(dir, 'traces'))) files[`traces/${f}`] = readFileSync(path.join(dir, 'traces', f), 'utf8');
      reports.push(files);
    }
    expect(Object.keys(reports[0]).filter((f) => f.startsWith('traces/')).length).toBeGreaterThan(5);
    expect(reports[0]['r.json'].match(/"scenario":/g)!.length).toBeGreaterThan(10);
    expect(reports[1]).toEqual(reports[0]);
  });

  test('the text report and JSON lines to standard output come in check order, as with 1 worker', async () => {
    const args = ['check', 'lost-wakeup', 'peterson', 'exit-boot-services'];
    for (const format of ['json', 'text']) {
      const one = await run([...args, '--format', format, '--workers', '1']);
      const two = await run([...args, '--format', format, '--workers', '2']);
      expect(two.code).toBe(one.code);
      // The text table's last column is each check's time.
      const table = (s: string) => untimed(s).replace(/ \d+\.\d+$/gm, ' 0');
      expect(table(two.stdout)).toBe(table(one.stdout));
    }
  });

  test('--random with 2 workers: the walks split between two threads report what one thread reports', async () => {
    for (const args of [
      ['check', 'kvm-vcpu-kick', '--variant', 'no-vcpu-barrier', '--random', '300', '--seed', '9', '--swarm'],
      ['check', 'lost-wakeup', '--variant', 'fixed', '--random', '50', '--shard', '2/3'],
      ['check', 'lost-wakeup', '--random', '200', '--seed', '4'],
    ]) {
      const one = await run([...args, '--format', 'json', '--workers', '1']);
      const two = await run([...args, '--format', 'json', '--workers', '2']);
      expect(two.code).toBe(one.code);
      expect(untimed(two.stdout)).toBe(untimed(one.stdout));
    }
  });

  test('a bad --workers is one line and exit 2; a config\'s workers must be a whole number too', async () => {
    for (const bad of ['0', '-1', 'two', '1.5', '']) {
      const r = await runMain(['check', 'peterson', `--workers=${bad}`]);
      expect(r.code).toBe(2);
      expect(isOneLineError(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toMatch(/--workers (must be a whole number of at least 1|needs a value)/);
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'vmbus-workers-config-'));
    const config = path.join(dir, 'vmbus-check.config.mjs');
    writeFileSync(config, "export default { models: ['peterson'], workers: 0 };\n");
    const r = await runMain(['--config', config]);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toMatch(/workers: must be a whole number of at least 1/);
  });

  test('Ctrl-C with 2 workers: both running checks end bounded (interrupted), the third is not run, exit 3', async () => {
    let sent = false;
    const before = process.listenerCount('SIGINT');
    const timer = setInterval(() => {
      if (!sent && process.listenerCount('SIGINT') > before) { sent = true; setTimeout(() => process.emit('SIGINT'), 1500); }
    }, 20);
    const r = await run(['check', 'test/fixtures/slowScenario.ts', '--workers', '2', '--format', 'json']).finally(() => clearInterval(timer));
    expect(sent).toBe(true);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toMatchObject([
      { variant: 'first', verdict: 'bounded', bounds: [{ kind: 'interrupted' }] },
      { variant: 'second', verdict: 'bounded', bounds: [{ kind: 'interrupted' }] },
      { variant: 'third', skipped: true },
    ]);
    expect(r.code).toBe(3);
  });
});

describe('--split-search: one check run alone with 2 workers, its search split across threads (checker/parallelSearch.ts)', () => {
  const job = async (scenario: string, variant: string) => {
    const target = (await builtinTargets()).find((t) => t.name === scenario)!;
    return { target, variant: target.variants.find((v) => v.name === variant)! };
  };
  const run = async (j: ReturnType<typeof job>, workers: number, splitAfterSeconds?: number, splitSearch = true) =>
    (await runChecks([await j], { bounds: {}, signal: new AbortController().signal, progress: null, inThread: true, workers, splitSearch, splitAfterSeconds })).records[0];

  test('without it, a check run alone stays on one thread and says nothing of threads', async () => {
    const two = await run(job('peterson', 'correct'), 2, 0, false);
    expect(two.result.stats.threads).toBeUndefined();
    expect(textReport([two], true, [])).not.toContain('thread');
  });

  test('a value other than true or false is one line and exit 2; from the command line, a lone check runs with it', async () => {
    const bad = await runMain(['check', 'peterson', '--variant', 'correct', '--split-search=maybe']);
    expect(bad.code).toBe(2);
    expect(isOneLineError(bad.stderr)).toBe(true);
    const r = await runMain(['check', 'peterson', '--variant', 'correct', '--split-search', '--workers', '2', '--format', 'json'], { searchThread: true });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'verified', stats: { states: 34 } });
  });

  test.each([['peterson', 'correct'], ['peterson', 'broken']])('%s/%s: on 2 threads, with the verdict, the states and a counterexample as short as 1 worker\'s', async (scenario, variant) => {
    const one = await run(job(scenario, variant), 1);
    const two = await run(job(scenario, variant), 2, 0);
    expect(one.result.stats.threads).toBeUndefined();
    expect(two.result.stats.threads).toEqual({ used: 2 });
    expect(two.result.verdict).toBe(one.result.verdict);
    if (one.result.verdict === 'verified') expect([two.result.stats.states, two.result.stats.transitions]).toEqual([one.result.stats.states, one.result.stats.transitions]);
    else expect([two.trace?.property, two.trace?.steps.length]).toEqual([one.trace?.property, one.trace?.steps.length]);
    expect(textReport([two], true, [])).toContain(`${scenario}/${variant}: searched on 2 threads`);
    expect(checkObject(two).stats).toHaveProperty('threads', { used: 2 });
  }, 30_000);

  test('a check over within the first second stays on one thread, and its reports are those of 1 worker', async () => {
    const two = await run(job('peterson', 'correct'), 2);
    expect(two.result.stats.threads?.used).toBe(1);
    expect(two.result.stats.threads?.reason).toMatch(/^over on one thread within 1 s/);
    expect(textReport([two], true, [])).not.toContain('thread');
    expect(checkObject(two).stats).not.toHaveProperty('threads');
  });

  test('a check the threads cannot split (liveness properties) says why in the text report', async () => {
    const two = await run(job('vtl2-servicing', 'mask-and-drain-hyperv'), 2, 0);
    expect(two.result.stats.threads).toEqual({ used: 1, reason: 'liveness properties need the whole graph in one thread' });
    expect(textReport([two], true, [])).toContain('searched on one thread: liveness properties need the whole graph in one thread');
  });
});
