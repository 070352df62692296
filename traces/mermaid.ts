// The trace as a Mermaid sequenceDiagram (renders on GitHub as is): a lifeline per actor, a note per
// step for what the actor did, arrows for the messages sent (post: async, call: solid, reply: dashed),
// and the violation in a note across all lifelines at the end. A lasso's cycle is a `loop` block.
import { safeLines } from './safeText.ts';
import { cellsLabel, stateLabel } from './labels.ts';
import { applyChanges } from './stateChange.ts';
import { accessLabel, actorChange, triggerLabel } from './stepEffects.ts';
import { eventLabel } from './labels.ts';
import { compactJson } from './serializeTrace.ts';
import type { TraceFile } from './traceFile.ts';

const ARROW = { post: '-)', call: '->>', reply: '-->>' } as const;

// Words Mermaid's sequence grammar treats as keywords; an actor with such a name gets an alias.
const KEYWORDS = new Set(['end', 'participant', 'actor', 'as', 'note', 'over', 'loop', 'alt', 'else', 'opt', 'par', 'and',
  'rect', 'critical', 'break', 'box', 'autonumber', 'activate', 'deactivate', 'title', 'links', 'link', 'create', 'destroy',
  'left', 'right', 'of', 'sequencediagram']);

export function renderMermaid(trace: TraceFile): string {
  const actors = Object.keys(trace.initial.actors);
  const id = new Map(actors.map((a, i) => [a, /^[A-Za-z_][A-Za-z0-9_]*$/.test(a) && !KEYWORDS.has(a.toLowerCase()) ? a : `actor${i}`]));
  const lines = ['sequenceDiagram'];
  for (const a of actors) lines.push(id.get(a) === a ? `  participant ${a}` : `  participant ${id.get(a)} as ${text(a)}`);
  const span = actors.length > 1 ? `${id.get(actors[0])},${id.get(actors[actors.length - 1])}` : id.get(actors[0]);
  const initial = actors.map((a) => `${a}: ${stateLabel(trace.initial.actors[a].value)}`);
  if (Object.keys(trace.initial.cells).length > 0) initial.push(cellsLabel(trace.initial.cells));
  lines.push(`  Note over ${span}: ${text(`initial: ${initial.join(', ')}`)}`);

  let state = trace.initial;
  for (const step of trace.steps) {
    if (trace.cycle && step.step === trace.cycle.start + 1) lines.push(`  loop ${text(`steps ${step.step}-${trace.steps.length} repeat forever`)}`);
    const own = actorChange(state, step.actor, step);
    const writes = step.memory ? step.memory.map(accessLabel) : Object.entries(step.cells ?? {}).map(([c, v]) => `${c} := ${compactJson(v)}`);
    lines.push(`  Note over ${id.get(step.actor)}: ${text([`${step.step}. ${triggerLabel(step)}`, ...own, ...writes].join(' | '))}`);
    for (const m of step.sent ?? []) lines.push(`  ${id.get(m.from)}${ARROW[m.kind]}${id.get(m.to)}: ${text(eventLabel(m.event))}`);
    for (const name of Object.keys(step.changed ?? {})) {
      if (name === step.actor) continue;
      const change = actorChange(state, name, step);
      if (change.length > 0) lines.push(`  Note over ${id.get(name)}: ${text(change.join(' | '))}`);
    }
    if (step.violation) lines.push(`  Note over ${id.get(step.actor)}: ${text(`raises ${step.violation.property}`)}`);
    state = applyChanges(state, step);
  }
  if (trace.cycle) lines.push('  end');
  lines.push(`  Note over ${span}: ${text(`VIOLATED ${trace.property}: ${trace.message}`)}`);
  return safeLines(lines.join('\n')) + '\n';
}

/** Message and note text: one line, with the characters Mermaid reads as syntax written as entity codes. */
function text(s: string): string {
  return s
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/ -> /g, ' → ')
    .replace(/<- /g, '← ')
    .replace(/[#;<>%"]/g, (c) => ENTITY[c]);
}

// In one pass, so the `;` of an entity code is not escaped again.
const ENTITY: Record<string, string> = { '#': '#35;', ';': '#59;', '<': '#lt;', '>': '#gt;', '%': '#37;', '"': '#quot;' };
