// Lasso counterexamples as trace files: format version 2 records the cycle; replay re-executes it and
// checks that it returns to its start and is a fair run; the timeline and Mermaid mark it; compare
// judges it against other variants; version 1 files still load.
import { readFileSync } from 'node:fs';
import mermaid from 'mermaid';
import { setup } from 'xstate';
import { describe, expect, test } from 'vitest';
import { defineSystem, eventually, explore, write } from '../checker/index.ts';
import type { SystemDefinition } from '../checker/index.ts';
import { buildTrace, parseTrace, renderMermaid, renderTimeline, replayTrace, serializeTrace, TRACE_SCHEMA_ID } from '../traces/index.ts';
import type { TraceFile } from '../traces/index.ts';
import { counterexampleAgainst } from '../cli/counterexampleAgainst.ts';
import { tasMutex } from './support/livenessSystems.ts';

const source = { module: 'test/livenessTraces.test.ts', parameters: {} };

function lassoTrace(system: SystemDefinition): TraceFile {
  const r = explore(system);
  expect(r.verdict).toBe('violated');
  return buildTrace(system, source, r.violations[0]);
}

describe('a lasso trace', () => {
  const system = tasMutex('weak');
  const trace = lassoTrace(system);

  test('is written as format 2 with its cycle, and reads back the same', () => {
    expect(trace.format).toBe('vmbus-check-trace/2');
    expect(trace.cycle).toEqual({ start: 1 });
    expect(trace.steps).toHaveLength(4);
    const text = serializeTrace(trace);
    expect(text).toContain('"cycle": {"start": 1}');
    expect(parseTrace(text)).toEqual(trace);
  });

  test('replays: the cycle returns to its start and is a fair run', () => {
    const r = replayTrace(system, trace);
    expect(r.status).toBe('reproduced');
    expect(r.violation).toEqual({ property: 'bEnters', message: trace.message });
  });

  test('does not replay when its cycle is moved off its start, or against a system where it is unfair', () => {
    const moved = replayTrace(system, { ...trace, cycle: { start: 0 } });
    expect(moved.status).toBe('diverged');
    expect(moved.divergence!.differences.join()).toContain('the goal of bEnters holds after step 0');
    const strong = replayTrace(tasMutex({ strong: ['b'] }), trace);
    expect(strong.status).toBe('diverged');
    expect(strong.divergence!.differences.join()).toContain('b is enabled on the cycle but never steps (strong fairness)');
    const shortened = replayTrace(system, { ...trace, steps: trace.steps.slice(0, 3), cycle: { start: 1 } });
    expect(shortened.status).toBe('diverged');
    expect(shortened.divergence!.differences.join()).toContain('the cycle does not return to the state after step 1');
  });

  test('the timeline marks the cycle and says where it returns', () => {
    const lines = renderTimeline(trace).split('\n');
    expect(lines[0]).toMatch(/bEnters violated after 4 steps \(steps 2-4 repeat forever\)/);
    const start = lines.findIndex((l) => l.startsWith('~  cycle: steps 2-4 repeat forever, from the state after step 1'));
    expect(start).toBe(3); // header, initial, step 1, then the marker
    expect(lines[start + 4]).toBe('~  back to the state after step 1');
  });

  test('Mermaid draws the cycle as a loop block around its steps', () => {
    const lines = renderMermaid(trace).split('\n');
    const loop = lines.findIndex((l) => l === '  loop steps 2-4 repeat forever');
    expect(loop).toBeGreaterThan(0);
    expect(lines[loop - 1]).toMatch(/Note over b: 1\. run/);
    const end = lines.indexOf('  end');
    expect(lines.slice(loop, end).filter((l) => l.startsWith('  Note over a: '))).toHaveLength(3);
  });

  test('Mermaid itself reads the diagram with its loop', async () => {
    await expect(mermaid.parse(renderMermaid(trace))).resolves.toMatchObject({ diagramType: 'sequence' });
  });

  test('compare: still a counterexample where fairness allows it, not where b is strongly fair', () => {
    const v = explore(system).violations[0];
    expect(counterexampleAgainst(tasMutex('none'), v)).toMatchObject({ kind: 'violated', property: 'bEnters', step: 4 });
    expect(counterexampleAgainst(tasMutex({ strong: ['b'] }), v)).toEqual({
      kind: 'harmless', steps: 4, notLasso: 'the cycle is not a fair run: b is enabled on the cycle but never steps (strong fairness)',
    });
  });
});

describe('a liveness trace of a run that ends', () => {
  const worker = setup({}).createMachine({
    initial: 'start',
    states: { start: { on: { run: { target: 'done', actions: write('done', true) } } }, done: { tags: ['end'] } },
  });
  const system = defineSystem({
    actors: { worker: { machine: worker, spontaneous: [{ type: 'run' }] } },
    cells: { done: false },
    properties: { reaches: eventually((g) => g.cells.done === 'never') },
  });

  test('has no cycle and replays: the run ends with the obligation open', () => {
    const trace = lassoTrace(system);
    expect(trace.cycle).toBeUndefined();
    expect(replayTrace(system, trace).status).toBe('reproduced');
    const met = defineSystem({ ...system, properties: { reaches: eventually((g) => g.cells.done === true) } });
    const r = replayTrace(met, trace);
    expect(r.status).toBe('diverged');
    expect(r.divergence!.differences).toEqual(['the goal of reaches holds after step 1']);
  });
});

describe('trace formats', () => {
  // Written by a version 1 checker (before traces named their schema).
  const v1 = readFileSync(new URL('./fixtures/lost-wakeup.v1.trace.json', import.meta.url), 'utf8');

  test('a version 1 trace still loads and re-serializes as it was, with the schema named', () => {
    const trace = parseTrace(v1);
    expect(trace.format).toBe('vmbus-check-trace/1');
    expect(serializeTrace(trace)).toBe(v1.replace(/^\{\n/, `{\n  "$schema": "${TRACE_SCHEMA_ID}",\n`));
  });

  test('a cycle in a version 1 file, or one past the last step, is refused', () => {
    const data = JSON.parse(v1);
    expect(() => parseTrace(JSON.stringify({ ...data, cycle: { start: 0 } }))).toThrow(/a "vmbus-check-trace\/1" file has no cycle/);
    const v2 = { ...data, format: 'vmbus-check-trace/2' };
    expect(() => parseTrace(JSON.stringify({ ...v2, cycle: { start: data.steps.length } }))).toThrow(/its cycle starts after step/);
    expect(() => parseTrace(JSON.stringify({ ...v2, cycle: { start: -1 } }))).toThrow(/invalid at cycle\.start/);
    expect(() => parseTrace(JSON.stringify({ ...data, format: 'vmbus-check-trace/3' }))).toThrow(/reads "vmbus-check-trace\/1" and "vmbus-check-trace\/2"/);
  });
});
