// Corrupt and hostile trace files: each is refused with one clear line, and nothing in the file runs.
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { explore } from '../checker/index.ts';
import { lostWakeup } from '../models/examples/lostWakeup.ts';
import { buildTrace, describeReplay, MAX_TRACE_CHARS, parseTrace, readTraceFile, renderMarkdown, renderMermaid, renderTimeline, replayTrace, serializeTrace, TraceError } from '../traces/index.ts';
import type { TraceFile } from '../traces/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'vmbus-check-traces-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const good: TraceFile = buildTrace(lostWakeup(false), { module: 'models/examples/lostWakeup.ts', export: 'lostWakeup', parameters: { fixed: false } },
  explore(lostWakeup(false)).violations[0]);
const goodText = serializeTrace(good);
const json = (f: (t: any) => void): string => { const t = structuredClone(good) as any; f(t); return JSON.stringify(t); };

/** The error a call throws: a TraceError with a one-line message matching `pattern`. */
function refused(call: () => unknown, pattern: RegExp): string {
  let error: unknown;
  try { call(); } catch (e) { error = e; }
  expect(error).toBeInstanceOf(TraceError);
  const message = (error as Error).message;
  expect(message).not.toMatch(/\n/);
  expect(message.length).toBeLessThan(400);
  expect(message).toMatch(pattern);
  return message;
}

describe('parseTrace refuses', () => {
  it('truncated JSON', () => {
    refused(() => parseTrace(goodText.slice(0, goodText.length / 2)), /^trace file is not valid JSON \(truncated or edited\?\)/);
  });
  it('an empty file and a file that is not an object', () => {
    refused(() => parseTrace(''), /not valid JSON/);
    refused(() => parseTrace('[1, 2]'), /not a JSON object/);
  });
  it('a wrong format version, naming both versions', () => {
    refused(() => parseTrace(json((t) => { t.format = 'vmbus-check-trace/3'; })), /unsupported trace format "vmbus-check-trace\/3".*"vmbus-check-trace\/1" and "vmbus-check-trace\/2"/);
  });
  it('a file with no format field', () => {
    refused(() => parseTrace(json((t) => { delete t.format; })), /no "format" field/);
  });
  it('a step of an unknown kind, naming where', () => {
    refused(() => parseTrace(json((t) => { t.steps[1].kind = 'teleport'; })), /at steps\[1\]\.kind: .*deliver/);
  });
  it('an unknown field (a typo or a newer format)', () => {
    refused(() => parseTrace(json((t) => { t.steps[0].chnaged = {}; })), /at steps\[0\]/);
  });
  it('a step naming an actor the trace does not declare', () => {
    refused(() => parseTrace(json((t) => { t.steps[2].actor = 'ghost'; })), /step 3 names actor 'ghost'/);
  });
  it('steps out of order', () => {
    refused(() => parseTrace(json((t) => { t.steps[2].step = 9; })), /step 3 is numbered 9/);
  });
  it('names that would reach an object prototype', () => {
    const text = goodText.replace('"changed": {"consumer"', '"changed": {"__proto__"');
    expect(text).not.toBe(goodText);
    refused(() => parseTrace(text), /uses the key "__proto__"/);
  });
  it('values nested deeper than any model produces, before validation recurses into them', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    refused(() => parseTrace(goodText.replace('"context": {}', `"context": ${deep}`)), /nests values more than \d+ levels deep/);
  });
  it('a huge file, by its size, before parsing it', () => {
    // Whitespace makes it valid JSON: only the size check can refuse it.
    const huge = goodText.replace('{', '{' + ' '.repeat(MAX_TRACE_CHARS));
    refused(() => parseTrace(huge), /^trace file is too large \(\d+ characters; the limit is 16777216\)/);
  });
  it('a huge file on disk, before reading it', () => {
    const path = join(dir, 'huge.trace.json');
    writeFileSync(path, goodText);
    truncateSync(path, MAX_TRACE_CHARS + 1); // sparse: no need to write 16 MB
    refused(() => readTraceFile(path), /huge\.trace\.json is too large \(16777217 bytes/);
  });
  it('a missing file', () => {
    refused(() => readTraceFile(join(dir, 'nope.trace.json')), /cannot read trace file .*nope\.trace\.json: ENOENT/);
  });
});

describe('replayTrace refuses a trace that does not fit the system', () => {
  it('an actor the system does not have, naming the actors it has', () => {
    const renamed = parseTrace(goodText.replaceAll('"consumer"', '"ghost"'));
    refused(() => replayTrace(lostWakeup(false), renamed), /names actor 'ghost', which system 'lost-wakeup' does not have \(actors: consumer, producer\)/);
  });
  it('an event the actor\'s machine does not have', () => {
    const t = parseTrace(json((t) => { t.steps[0].event = { type: 'selfDestruct' }; }));
    refused(() => replayTrace(lostWakeup(false), t), /^trace step 1: actor 'consumer' has no event 'selfDestruct'/);
  });
  it('a cell the system does not have', () => {
    const t = parseTrace(goodText.replaceAll('"count"', '"secret"'));
    refused(() => replayTrace(lostWakeup(false), t), /the initial state names cell 'secret', which system 'lost-wakeup' does not have \(cells: count\)/);
  });
  it('a nonsensical step to stop at', () => {
    refused(() => replayTrace(lostWakeup(false), good, { stopAtStep: -1 }), /cannot stop at step -1/);
  });
});

describe('a step that is not enabled', () => {
  it('is a divergence with a one-line reason, not a crash', () => {
    // A second wakeup delivery, with nothing in flight any more.
    const t = parseTrace(json((t) => { t.steps.splice(4, 0, { ...t.steps[3] }); t.steps.forEach((s: any, i: number) => { s.step = i + 1; }); }));
    const r = replayTrace(lostWakeup(false), t);
    expect(r.status).toBe('diverged');
    expect(r.divergence).toMatchObject({ step: 5, actor: 'consumer', reason: 'deliver wakeup is no longer enabled' });
    expect(r.divergence!.reason).not.toMatch(/\n/);
  });
});

describe('text from the file is printed inertly', () => {
  it('terminal escape sequences in a message are shown escaped by the timeline, the report and replay summaries', () => {
    const t = parseTrace(json((t) => { t.message = 'boom\u001b[2J\u001b]0;pwned\u0007'; t.property = 'x\u001b[31m'; }));
    for (const out of [renderTimeline(t), renderMarkdown(t), renderMermaid(t), describeReplay(replayTrace(lostWakeup(false), t), t)]) {
      expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    }
    expect(renderTimeline(t)).toContain('boom\\u001b[2J');
  });
  it('escape sequences in an event payload are shown escaped in a divergence', () => {
    const t = parseTrace(json((t) => { t.steps[0].event = { type: 'run', ['k\u001b[2J']: 'v\u001b' }; }));
    const d = replayTrace(lostWakeup(false), t).divergence!;
    expect(d.step).toBe(1);
    for (const line of [d.reason, ...d.differences]) expect(line).not.toMatch(/[\u0000-\u001f]/);
  });
  it('a trace with no actors is refused (every system has one)', () => {
    refused(() => parseTrace(json((t) => { t.initial.actors = {}; t.initial.inFlight = {}; t.steps = []; })), /at initial\.actors: a trace has at least one actor/);
  });
});

describe('nothing in the file is executed', () => {
  it('a module path in the trace is never loaded by parse, read or replay', () => {
    const marker = join(dir, 'marker');
    const module = join(dir, 'evil.ts');
    writeFileSync(module, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\nexport const lostWakeup = 1;\n`);
    const path = join(dir, 'evil.trace.json');
    writeFileSync(path, json((t) => { t.system = { module, export: 'lostWakeup', parameters: { fixed: false } }; }));
    const t = readTraceFile(path);
    expect(t.system.module).toBe(module);
    expect(replayTrace(lostWakeup(false), t).status).toBe('reproduced');
    expect(existsSync(marker)).toBe(false);
    expect(readFileSync(path, 'utf8')).toContain('evil.ts');
  });
  it('code-like strings in events and contexts stay data', () => {
    const t = parseTrace(json((t) => { t.steps[0].event = { type: 'run', payload: '${process.exit(1)}', toString: 'x' }; }));
    const r = replayTrace(lostWakeup(false), t);
    expect(r.status).toBe('diverged');
    expect(r.divergence).toMatchObject({ step: 1, actor: 'consumer' });
    expect(r.divergence!.reason).toMatch(/is no longer enabled/);
  });
});
