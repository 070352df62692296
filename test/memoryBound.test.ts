// The memory bound: a run that reaches --max-memory stops with `bounded` (memory), its partial
// statistics and a valid report in every format, instead of filling the machine and crashing.
import { describe, expect, test } from 'vitest';
import { Exploration, explore } from '../checker/index.ts';
import { memoryLimit } from '../cli/main.ts';
import manyStates from './fixtures/manyStates.ts';
import { runMain } from './cliInProcess.ts';
import { parseXml } from './xmlTree.ts';

describe('the memory bound', () => {
  test('explore stops with bounded (memory) and partial statistics once resident memory reaches the limit', () => {
    const r = explore(manyStates, { maxMemoryBytes: 1 });
    expect(r.verdict).toBe('bounded');
    expect(r.bounds).toEqual([{ kind: 'memory', detail: expect.stringMatching(/memory limit/) }]);
    expect(r.stats.states).toBeGreaterThan(0);
    expect(r.stats.queued).toBeGreaterThan(0);
  });

  test('short slices still check memory: a search run in slices too short for the check period stops at the bound', () => {
    // The CLI runs searches in 50 ms slices; a model whose states are slow to expand fits fewer states
    // than the check's period into each, and with a per-slice count memory was never checked at all.
    const run = new Exploration(manyStates, { maxMemoryBytes: 1 });
    for (let i = 0; i < 10_000 && !run.done; i++) run.runSlice(0);
    const r = run.result();
    expect(r.bounds).toEqual([{ kind: 'memory', detail: expect.stringMatching(/memory limit/) }]);
    expect(r.verdict).toBe('bounded');
  });

  test('--max-memory sizes; the default is half the machine, never unbounded', () => {
    expect(memoryLimit('512M')).toBe(512 * 2 ** 20);
    expect(memoryLimit('1.5G')).toBe(1.5 * 2 ** 30);
    expect(memoryLimit('2048')).toBe(2 * 2 ** 30);
    expect(memoryLimit(undefined)).toBeGreaterThan(0);
    expect(() => memoryLimit('lots')).toThrow(/--max-memory/);
    expect(() => memoryLimit('0')).toThrow(/--max-memory/);
  });

  for (const format of ['text', 'json', 'junit', 'github']) {
    test(`check --max-memory, --format ${format}: exit 3 and a valid report naming the bound`, async () => {
      const r = await runMain(['check', 'test/fixtures/manyStates.ts', '--max-memory', '1M', '--format', format, '--quiet']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(3);
      if (format === 'json') expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'bounded', bounds: [{ kind: 'memory' }] });
      else if (format === 'junit') expect(parseXml(r.stdout).name).toBe('testsuites');
      else expect(r.stdout).toMatch(/bounded \(memory\): memory limit of 1 MB reached/);
      if (format === 'github') expect(r.stdout).toMatch(/^::warning .*::memory limit of 1 MB reached/m);
    });
  }
});
