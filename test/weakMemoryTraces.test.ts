// Traces and reports under weak memory: the trace names its memory model, records buffered stores,
// flushes as steps of their own and what each load returned; replay checks all of it; the CLI runs a
// check under each memory model asked for, side by side.
import { describe, expect, it } from 'vitest';
import { explore } from '../checker/index.ts';
import { LITMUS_TESTS, litmusSystem } from '../models/litmus/litmus.ts';
import { buildTrace, parseTrace, renderMarkdown, renderMermaid, renderTimeline, replayTrace, serializeTrace } from '../traces/index.ts';
import { runMain } from './cliInProcess.ts';

const sb = LITMUS_TESTS.find((t) => t.name === 'SB')!;
const source = { module: 'litmus.ts', parameters: {} };

function sbTrace(memory: 'tso' | 'arm') {
  const system = litmusSystem(sb, memory);
  const r = explore(system);
  return { system, trace: buildTrace(system, source, r.violations[0]) };
}

describe('weak-memory traces', () => {
  it('record the memory model, buffered stores, flush steps and the values loads returned', () => {
    const { trace } = sbTrace('tso');
    expect(trace.memory).toBe('tso');
    expect(trace.steps.filter((s) => s.kind === 'flush')).toHaveLength(2);
    const accesses = trace.steps.flatMap((s) => s.memory ?? []);
    expect(accesses.filter((a) => a.op === 'store').every((a) => a.op === 'store' && a.buffered)).toBe(true);
    expect(accesses.filter((a) => a.op === 'load').map((a) => a.op === 'load' && a.value)).toEqual([0, 0]);
    const timeline = renderTimeline(trace);
    expect(timeline).toContain('under tso');
    expect(timeline).toContain('store x = 1 (buffered)');
    expect(timeline).toContain('store buffer flush');
    expect(renderMermaid(trace)).toMatch(/Note over P\d: \d\. store buffer flush<br\/>flush [xy] = 1 to memory/);
    expect(renderMarkdown(trace)).toContain('**Memory model:** tso');
  });

  it('a load forwarded from the actor\'s own store buffer is recorded as such', () => {
    const test = { ...sb, name: 'own', threads: [[{ st: 'x', v: 1 }, { ld: 'x', r: 'r0' }]], holds: (r: Record<string, number>) => r.r0 === 1 };
    const system = litmusSystem(test, 'tso');
    const r = explore(system);
    const trace = buildTrace(system, source, r.violations[0]);
    const load = trace.steps.flatMap((s) => s.memory ?? []).find((a) => a.op === 'load');
    expect(load).toEqual({ op: 'load', cell: 'x', value: 1, from: 'buffer' });
    expect(renderTimeline(trace)).toContain('load x = 1 (own buffer)');
  });

  for (const memory of ['tso', 'arm'] as const) {
    it(`replay under ${memory}: reproduces through a file, and a changed load value diverges`, () => {
      const { system, trace } = sbTrace(memory);
      const back = parseTrace(serializeTrace(trace));
      expect(back).toEqual(trace);
      expect(replayTrace(system, back).status).toBe('reproduced');
      const tampered = structuredClone(back);
      const step = tampered.steps.find((s) => s.memory?.some((a) => a.op === 'load'))!;
      for (const a of step.memory!) if (a.op === 'load') a.value = 1;
      const replay = replayTrace(system, tampered);
      expect(replay.status).toBe('diverged');
      expect(replay.divergence!.reason).toContain('loads or stores other values');
    });
  }

  it('a trace with flush steps does not replay under sc', () => {
    const { system, trace } = sbTrace('tso');
    const { memory: _dropped, ...underSc } = trace;
    expect(() => replayTrace({ ...system, memory: 'sc' }, underSc)).toThrow(/store buffer flush, but the replay runs under sc/);
  });
});

describe('--memory', () => {
  it('runs each check under each model, side by side, and says what arm leaves out', async () => {
    const r = await runMain(['check', 'peterson', '--variant', 'correct', '--memory', 'sc,tso,arm', '--quiet']);
    expect(r.code).toBe(1);
    const rows = r.stdout.split('\n').filter((l) => /^peterson\s/.test(l));
    expect(rows.map((l) => l.split(/\s+/).slice(2, 4).join(' '))).toEqual(['sc verified', 'tso violated', 'arm violated']);
    expect(r.stdout).toContain('violated (without load buffering)');
    expect(r.stdout).toContain('peterson/correct [tso]: mutualExclusion violated');
  });

  it('json records carry the memory model; a bad --memory is a usage error', async () => {
    const r = await runMain(['check', 'lost-wakeup', '--memory', 'tso,arm', '--format', 'json', '--quiet']);
    const objects = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(objects.map((o) => `${o.variant}:${o.memory}`)).toEqual(['buggy:tso', 'buggy:arm', 'fixed:tso', 'fixed:arm']);
    // The producer's post drains its buffered store of count: the event-synchronization approximation is named.
    expect(objects.map((o) => o.memoryCaveat)).toEqual([
      'events between actors synchronize', 'without load buffering; events between actors synchronize',
      'events between actors synchronize', 'without load buffering; events between actors synchronize',
    ]);
    const bad = await runMain(['check', 'lost-wakeup', '--memory', 'power']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("not 'power'");
  });
});
