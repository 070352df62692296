// The trace as a Mermaid sequenceDiagram (renders on GitHub as is): a lifeline per actor that takes part,
// a note per step for what the actor did, arrows for the messages sent (post: async, call: solid, reply:
// dashed, a message its receiver ignored: a lost arrow ending in a cross), and the violation in a note
// at the end. Notes and labels are wrapped short, so that a counterexample of a dozen steps reads at the
// size of a page; the timeline (traces/timeline.ts) keeps every detail. A lasso's cycle is a `loop` block.
import type { GlobalState } from '../checker/index.ts';
import { safeLines } from './safeText.ts';
import { plainEventLabel, plainLabel, stateLabel } from './labels.ts';
import { applyChanges } from './stateChange.ts';
import { accessLabel, actorChange, triggerLabel } from './stepEffects.ts';
import type { TraceFile, TraceMessage } from './traceFile.ts';

const ARROW = { post: '-)', call: '->>', reply: '-->>' } as const;
const LOST = { post: '-x', call: '-x', reply: '--x' } as const;

/** Characters per line of a note or a message label. */
const WIDTH = 26;
/** Lines of a step's note; the rest is counted, and shown in the timeline. */
const NOTE_LINES = 5;
const MESSAGE_LINES = 3;

// Words Mermaid's sequence grammar treats as keywords; an actor with such a name gets an alias.
const KEYWORDS = new Set(['end', 'participant', 'actor', 'as', 'note', 'over', 'loop', 'alt', 'else', 'opt', 'par', 'and',
  'rect', 'critical', 'break', 'box', 'autonumber', 'activate', 'deactivate', 'title', 'links', 'link', 'create', 'destroy',
  'left', 'right', 'of', 'sequencediagram']);

export function renderMermaid(trace: TraceFile): string {
  const all = Object.keys(trace.initial.actors);
  const taking = involved(trace);
  const actors = all.filter((a) => taking.has(a));
  if (actors.length === 0) actors.push(...all);
  const id = new Map(all.map((a, i) => [a, /^[A-Za-z_][A-Za-z0-9_]*$/.test(a) && !KEYWORDS.has(a.toLowerCase()) ? a : `actor${i}`]));
  // Tighter spacing than Mermaid's default, so that more of the diagram fits a page.
  const lines = ['%%{init: {"sequence": {"actorMargin": 24, "messageMargin": 20, "noteMargin": 6, "boxMargin": 6}}}%%', 'sequenceDiagram'];
  for (const a of actors) lines.push(id.get(a) === a ? `  participant ${a}` : `  participant ${id.get(a)} as ${text(a)}`);
  const span = actors.length > 1 ? `${id.get(actors[0])},${id.get(actors[actors.length - 1])}` : id.get(actors[0]);
  lines.push(`  Note over ${span}: ${note(initialNote(trace.initial, actors, all), Infinity, WIDTH * 3)}`);

  let state = trace.initial;
  for (const step of trace.steps) {
    if (trace.cycle && step.step === trace.cycle.start + 1) lines.push(`  loop steps ${step.step}-${trace.steps.length} repeat forever`);
    const own = actorChange(state, step.actor, step, plainLabel);
    const writes = step.memory ? step.memory.map(accessLabel) : Object.entries(step.cells ?? {}).map(([c, v]) => `${c} := ${plainLabel(v)}`);
    const head = `${step.step}. ${triggerLabel(step, plainEventLabel)}${step.ignored ? ': ignored' : ''}`;
    lines.push(`  Note over ${id.get(step.actor)}: ${note([head, ...own.map(plain), ...writes.map(plain)])}`);
    for (const m of step.sent ?? []) lines.push(`  ${arrow(m, id)}: ${note([messageLabel(m, state)], MESSAGE_LINES)}`);
    for (const name of Object.keys(step.changed ?? {})) {
      if (name === step.actor || !id.has(name)) continue;
      const change = actorChange(state, name, step, plainLabel);
      if (change.length > 0) lines.push(`  Note over ${id.get(name)}: ${note(change.map(plain))}`);
    }
    if (step.violation) lines.push(`  Note over ${id.get(step.actor)}: ${note([`raises ${step.violation.property}`])}`);
    state = applyChanges(state, step);
  }
  if (trace.cycle) lines.push('  end');
  lines.push(`  Note over ${span}: ${note([`${trace.kind === 'witness' ? 'REACHED' : 'VIOLATED'} ${trace.property}`, trace.message], Infinity, WIDTH * 3)}`);
  return safeLines(lines.join('\n')) + '\n';
}

/** Every actor the trace shows doing something: stepping, sending, receiving, or changing. */
function involved(trace: TraceFile): Set<string> {
  const out = new Set<string>();
  for (const s of trace.steps) {
    out.add(s.actor);
    for (const m of s.sent ?? []) out.add(m.from).add(m.to);
    for (const a of Object.keys(s.changed ?? {})) out.add(a);
  }
  return out;
}

function arrow(m: TraceMessage, id: Map<string, string | undefined>): string {
  return `${id.get(m.from)}${(m.ignored ? LOST : ARROW)[m.kind]}${id.get(m.to)}`;
}

/** A message's event; one its receiver ignored says so, with the state the receiver ignored it in. */
function messageLabel(m: TraceMessage, before: GlobalState): string {
  const label = plainEventLabel(m.event);
  const receiver = before.actors[m.to];
  return m.ignored ? `${label} ✗ ignored by ${m.to}${receiver ? ` in ${stateLabel(receiver.value)}` : ''}` : label;
}

/** The initial state, short: each shown actor's state, then cells only where not zero, null or false. */
function initialNote(g: GlobalState, shown: string[], all: string[]): string[] {
  const parts = shown.map((a) => `${a}: ${stateLabel(g.actors[a].value)}`);
  const hidden = all.filter((a) => !shown.includes(a));
  if (hidden.length > 0) parts.push(`not taking part: ${hidden.join(', ')}`);
  const cells = Object.entries(g.cells);
  const set = cells.filter(([, v]) => v !== 0 && v !== null && v !== false && v !== '');
  if (set.length > 0) parts.push(...set.map(([c, v]) => `${c} = ${plainLabel(v)}`));
  if (cells.length > set.length) parts.push(set.length === 0 ? `all ${cells.length} cells 0, null or false` : `other cells 0, null or false`);
  return [`initial: ${parts.join('; ')}`];
}

/** Labels use arrows Mermaid does not read as syntax. */
const plain = (s: string) => s.replace(/ -> /g, ' → ').replace(/<- /g, '← ');

/** Phrases wrapped into lines of `width`, at most `max` lines (then a count of what is left out), joined with <br/>. */
function note(phrases: string[], max = NOTE_LINES, width = WIDTH): string {
  const lines: string[] = [];
  for (const p of phrases) lines.push(...wrap(plain(p), width));
  const kept = lines.length > max ? [...lines.slice(0, max - 1), `… +${lines.length - max + 1} more (timeline)`] : lines;
  return kept.map(text).join('<br/>');
}

/** Breaks at spaces (a word longer than the width on its own line, cut there). */
function wrap(s: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of s.split(' ')) {
    for (let w = word; w.length > 0; w = w.slice(width)) {
      const piece = w.slice(0, width);
      if (line === '') line = piece;
      else if (line.length + 1 + piece.length <= width) line += ' ' + piece;
      else {
        out.push(line);
        line = piece;
      }
    }
  }
  if (line !== '') out.push(line);
  return out;
}

/** Message and note text: one line, with the characters Mermaid reads as syntax written as entity codes. */
function text(s: string): string {
  return s
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/[#;<>%"]/g, (c) => ENTITY[c]);
}

// In one pass, so the `;` of an entity code is not escaped again.
const ENTITY: Record<string, string> = { '#': '#35;', ';': '#59;', '<': '#lt;', '>': '#gt;', '%': '#37;', '"': '#quot;' };
