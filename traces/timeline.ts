// The trace as a text timeline for a terminal: one line per step (number, actor, event, what changed),
// between a header line and the violation.
import type { GlobalState } from '../checker/index.ts';
import { cellsLabel, printable, stateLabel } from './labels.ts';
import { applyChanges } from './stateChange.ts';
import { stepEffects, triggerLabel } from './stepEffects.ts';
import type { TraceFile } from './traceFile.ts';

const MAX_EVENT_COLUMN = 40;

export function renderTimeline(trace: TraceFile): string {
  const actorWidth = Math.max(7, ...trace.steps.map((s) => s.actor.length));
  const eventWidth = Math.min(MAX_EVENT_COLUMN, Math.max(5, ...trace.steps.map((s) => triggerLabel(s).length)));
  const numberWidth = String(trace.steps.length).length;
  const lines = [`${trace.systemName ?? 'system'}: ${trace.property} violated after ${trace.steps.length} steps`];
  lines.push(`${'0'.padStart(numberWidth)}  ${'initial'.padEnd(actorWidth)}  ${initialLabel(trace.initial)}`);
  let state = trace.initial;
  for (const step of trace.steps) {
    const effects = stepEffects(state, step);
    if (step.violation) effects.push(`raises ${step.violation.property}`);
    const reads = step.reads ? `  [read ${cellsLabel(step.reads)}]` : '';
    const trigger = triggerLabel(step);
    const cols = `${String(step.step).padStart(numberWidth)}  ${step.actor.padEnd(actorWidth)}  ${trigger.padEnd(eventWidth)}`;
    lines.push(`${cols}  ${effects.length > 0 ? effects.join('; ') : 'no change'}${reads}`.trimEnd());
    state = applyChanges(state, step);
  }
  lines.push(`${'!'.repeat(numberWidth)}  ${trace.property}: ${trace.message}`);
  return printable(lines.join('\n'), true) + '\n';
}

function initialLabel(g: GlobalState): string {
  const actors = Object.entries(g.actors).map(([name, a]) => `${name} ${notStarted(a) ? '(did not start)' : stateLabel(a.value)}`).join(', ');
  const queued = Object.entries(g.inFlight).filter(([, q]) => q.length > 0).map(([name, q]) => `${q.length} in flight to ${name}`);
  return [actors, Object.keys(g.cells).length > 0 ? cellsLabel(g.cells) : '', ...queued].filter(Boolean).join('; ');
}

/** An actor whose initial transition threw: recorded stopped in the error status, with no state. */
const notStarted = (a: { value: unknown; status: string }) => a.status === 'error' && a.value === null;
