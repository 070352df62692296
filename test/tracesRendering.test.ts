// The pictures: the Mermaid sequence diagram is checked by parsing its lines against the sequenceDiagram
// grammar it uses (not against a stored copy), then with Mermaid's own parser, and the Markdown report
// by its parts.
import { readdirSync, readFileSync } from 'node:fs';
import mermaid from 'mermaid';
import { describe, expect, it } from 'vitest';
import { explore } from '../checker/index.ts';
import type { SystemDefinition } from '../checker/index.ts';
import { lostWakeup } from '../models/examples/lostWakeup.ts';
import { peterson } from '../models/examples/peterson.ts';
import { buildTrace, parseTrace, renderMarkdown, renderMermaid, renderTimeline } from '../traces/index.ts';
import type { TraceFile } from '../traces/index.ts';
import { awkwardNames, unhandledPing } from './support/traceSystems.ts';

interface Diagram {
  participants: { id: string; label: string }[];
  arrows: { from: string; arrow: string; to: string; text: string }[];
  notes: { over: string[]; text: string }[];
  /** Line kinds in order: 'participant' | 'arrow' | 'note'. */
  order: string[];
}

/** Parses the subset of Mermaid's sequenceDiagram syntax a trace diagram may use; throws on anything else. */
function parseSequenceDiagram(text: string): Diagram {
  const lines = text.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^%%\{init: \{.*\}\}%%$/);
  expect(lines[1]).toBe('sequenceDiagram');
  const d: Diagram = { participants: [], arrows: [], notes: [], order: [] };
  for (const line of lines.slice(2)) {
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^\s+participant ([A-Za-z_][A-Za-z0-9_]*)(?: as (.+))?$/))) {
      d.participants.push({ id: m[1], label: m[2] ?? m[1] });
      d.order.push('participant');
    } else if ((m = line.match(/^\s+([A-Za-z_][A-Za-z0-9_]*)(-\)|->>|-->>|-x|--x)([A-Za-z_][A-Za-z0-9_]*): (.+)$/))) {
      d.arrows.push({ from: m[1], arrow: m[2], to: m[3], text: m[4] });
      d.order.push('arrow');
    } else if ((m = line.match(/^\s+Note over ([A-Za-z_][A-Za-z0-9_]*(?:,[A-Za-z_][A-Za-z0-9_]*)?): (.+)$/))) {
      d.notes.push({ over: m[1].split(','), text: m[2] });
      d.order.push('note');
    } else {
      throw new Error(`not a sequence diagram line: ${JSON.stringify(line)}`);
    }
  }
  return d;
}

function traceOf(system: SystemDefinition): TraceFile {
  return buildTrace(system, { module: 'test', parameters: {} }, explore(system).violations[0]);
}

/** Structure every trace diagram must have, whatever the system. */
function checkDiagram(trace: TraceFile, actorNames: string[]): Diagram {
  const text = renderMermaid(trace);
  const d = parseSequenceDiagram(text);
  // One lifeline per actor of the system, declared before anything else.
  expect(d.participants.map((p) => p.label)).toEqual(actorNames);
  expect(d.order.slice(0, actorNames.length).every((k) => k === 'participant')).toBe(true);
  expect(d.order.slice(actorNames.length).includes('participant')).toBe(false);
  const ids = new Set(d.participants.map((p) => p.id));
  expect(ids.size).toBe(actorNames.length);
  for (const a of d.arrows) { expect(ids.has(a.from)).toBe(true); expect(ids.has(a.to)).toBe(true); }
  for (const n of d.notes) for (const id of n.over) expect(ids.has(id)).toBe(true);
  // An arrow per message sent, in the style of its kind; a lost arrow for a message its receiver ignored.
  const sent = trace.steps.flatMap((s) => s.sent ?? []);
  const style = { post: '-)', call: '->>', reply: '-->>' };
  const lost = { post: '-x', call: '-x', reply: '--x' };
  expect(d.arrows.map((a) => a.arrow)).toEqual(sent.map((m) => (m.ignored ? lost : style)[m.kind]));
  const idOf = (name: string) => d.participants.find((p) => p.label === name)!.id;
  expect(d.arrows.map((a) => [a.from, a.to])).toEqual(sent.map((m) => [idOf(m.from), idOf(m.to)]));
  // A numbered note per step over the actor that took it, in order.
  const stepNotes = d.notes.filter((n) => /^\d+\. /.test(n.text));
  expect(stepNotes.map((n) => Number(n.text.split('.')[0]))).toEqual(trace.steps.map((s) => s.step));
  expect(stepNotes.map((n) => n.over)).toEqual(trace.steps.map((s) => [idOf(s.actor)]));
  // The violation marked at the end, across every lifeline.
  expect(d.order.at(-1)).toBe('note');
  const last = d.notes.at(-1)!;
  expect(last.text.startsWith(`VIOLATED ${trace.property}`)).toBe(true);
  expect(last.over).toEqual(actorNames.length > 1 ? [d.participants[0].id, d.participants.at(-1)!.id] : [d.participants[0].id]);
  // Nothing Mermaid reads as syntax inside text: statement separators and comments are escaped.
  for (const line of text.trimEnd().split('\n').slice(1)) expect(line.replace(/#\w+;|<br\/>/g, '')).not.toMatch(/[;#<>"]|%%/);
  // Short lines, so the diagram reads at the size of a page.
  for (const n of d.notes.slice(1, -1)) for (const l of n.text.split('<br/>')) expect(l.replace(/#\w+;/g, '_').length).toBeLessThanOrEqual(40);
  return d;
}

describe('Mermaid sequence diagram', () => {
  it('of the committed lost-wakeup fixture parses as a sequence diagram with the expected structure', () => {
    const text = readFileSync(new URL('../traces/fixtures/examples/lost-wakeup.trace.json', import.meta.url), 'utf8');
    const trace = parseTrace(text);
    const d = checkDiagram(trace, Object.keys(lostWakeup(false).actors));
    // The one message of the race: the producer's wakeup, posted asynchronously to the consumer.
    expect(d.arrows).toEqual([{ from: 'producer', arrow: '-)', to: 'consumer', text: 'wakeup' }]);
    // The watchdog firing is the last step.
    expect(d.notes.at(-2)!.text).toMatch(/^6\. timer after 1000ms/);
  });

  it('of broken Peterson (no messages, only shared memory) notes the writes', () => {
    const trace = traceOf(peterson(true));
    const d = checkDiagram(trace, ['p0', 'p1']);
    expect(d.arrows).toEqual([]);
    expect(d.notes.filter((n) => / := /.test(n.text))).toHaveLength(trace.steps.filter((s) => s.cells).length);
  });

  it('of an unhandled-event violation marks the step that raised it', () => {
    const trace = traceOf(unhandledPing());
    const d = checkDiagram(trace, ['sender', 'receiver']);
    expect(d.notes.some((n) => n.over[0] === 'receiver' && n.text === 'raises unhandledEvent')).toBe(true);
  });

  it('gives actors whose names Mermaid would misread an alias, and escapes syntax characters in text', () => {
    const trace = traceOf(awkwardNames());
    const d = checkDiagram(trace, ['end', 'rx-ring']);
    expect(d.participants.every((p) => p.id !== 'end' && p.id !== 'rx-ring')).toBe(true);
    const [arrow] = d.arrows;
    // The payload was 'x; y # %% <z>': every syntax character is an entity code, decoded back by Mermaid.
    const named: Record<string, string> = { lt: '<', gt: '>', quot: '"' };
    const decoded = arrow.text.split('<br/>').join(' ').replace(/#(\d+|lt|gt|quot);/g, (_, c) => named[c] ?? String.fromCharCode(Number(c)));
    expect(decoded).toBe('note(text: "x; y # %% <z>")');
  });
});

const fixture = (name: string) => parseTrace(readFileSync(new URL(`../traces/fixtures/${name}`, import.meta.url), 'utf8'));
const fixtures = readdirSync(new URL('../traces/fixtures/', import.meta.url)).filter((f) => f.endsWith('.trace.json'));

describe('Mermaid sequence diagram, read by Mermaid itself', () => {
  it.each(fixtures)('%s parses', async (name) => {
    await expect(mermaid.parse(renderMermaid(fixture(name)))).resolves.toMatchObject({ diagramType: 'sequence' });
  });

  it('parses with names and payloads that hold Mermaid syntax', async () => {
    for (const system of [awkwardNames(), unhandledPing(), peterson(true)]) {
      await expect(mermaid.parse(renderMermaid(traceOf(system)))).resolves.toMatchObject({ diagramType: 'sequence' });
    }
  });

  it('rejects what is not a diagram (the check can fail)', async () => {
    await expect(mermaid.parse('sequenceDiagram\n  a->>: x\n')).rejects.toThrow();
  });
});

describe('Mermaid sequence diagram of a lost signal', () => {
  // OpenVMM #715: the IC signals the guest's event port before complete_open arms it; the port does nothing.
  const trace = fixture('shutdown-ic-boot.buggy-linux.trace.json');
  const d = parseSequenceDiagram(renderMermaid(trace));

  it('draws the signal to the unarmed port as a lost arrow, saying who ignored it in which state', () => {
    const lost = d.arrows.filter((a) => a.arrow === '-x');
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ from: 'icWriter', to: 'eventPort' });
    expect(lost[0].text.split('<br/>').join(' ')).toBe('signal ✗ ignored by eventPort in notCreated');
  });

  it('leaves out actors that take no part, and says so in a short initial note', () => {
    expect(d.participants.map((p) => p.id)).not.toContain('icReader');
    const initial = d.notes[0].text.split('<br/>').join(' ');
    expect(initial).toMatch(/not taking part: guestReader, guestWriter, icReader/);
    expect(initial).toMatch(/all 14 cells 0, null or false/);
    expect(initial.length).toBeLessThan(400);
  });

  it('the lost wakeup: the delivery the sleeping consumer ignores is marked in its note', () => {
    const wakeup = parseSequenceDiagram(renderMermaid(fixture('lost-wakeup.buggy.trace.json')));
    expect(wakeup.notes.some((n) => /^\d+\. ← wakeup: ignored/.test(n.text))).toBe(true);
  });
});

describe('Markdown report', () => {
  it('has a summary, the diagram in a mermaid block and the timeline', () => {
    const trace = traceOf(lostWakeup(false));
    const md = renderMarkdown(trace);
    expect(md.split('\n')[0]).toBe('# Counterexample: lostWakeup in lost-wakeup');
    expect(md).toContain(trace.message);
    const blocks = [...md.matchAll(/```(\w+)\n([\s\S]*?)\n```/g)].map((m) => [m[1], m[2]]);
    expect(blocks.map(([lang]) => lang)).toEqual(['mermaid', 'text']);
    checkDiagramText(blocks[0][1], trace);
    expect(blocks[1][1].split('\n')).toHaveLength(trace.steps.length + 3);
    expect(blocks[1][1] + '\n').toBe(renderTimeline(trace));
  });
});

function checkDiagramText(text: string, trace: TraceFile) {
  const d = parseSequenceDiagram(text);
  expect(d.participants.map((p) => p.label)).toEqual(Object.keys(trace.initial.actors));
}

describe('HTML page (without a browser: see htmlViewer.test.ts)', () => {
  it('replay --format html prints one self-contained page with a frame per step', async () => {
    const { runMain } = await import('./cliInProcess.ts');
    const r = await runMain(['replay', 'traces/fixtures/lost-wakeup.buggy.trace.json', '--format', 'html']);
    expect(r.stdout.startsWith('<!doctype html>\n')).toBe(true);
    expect(r.stdout).not.toMatch(/<(script|link|img|iframe)[^>]*\s(src|href)=/i);
    const json = /<script type="application\/json" id="frames">(.*)<\/script>/.exec(r.stdout)![1];
    const frames = JSON.parse(json) as { step: number; title: string }[];
    expect(frames.map((f) => f.step)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(frames[4].title).toBe('4. consumer: <- wakeup');
    expect(r.stderr).toMatch(/^reproduced: lostWakeup/);
  });
});
