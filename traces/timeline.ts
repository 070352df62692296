// The trace as a text timeline for a terminal: one line per step (number, actor, event, what changed),
// between a header line and the violation (for a witness: the goal reached). A lasso's cycle is marked: a line before its first step and
// one after its last, which returns to the state the cycle started in.
import type { GlobalState } from '../checker/index.ts';
import { cellsLabel, stateLabel } from './labels.ts';
import { safeText } from './safeText.ts';
import { applyChanges } from './stateChange.ts';
import { stepEffects, triggerLabel } from './stepEffects.ts';
import type { TraceFile } from './traceFile.ts';

const MAX_EVENT_COLUMN = 40;

export function renderTimeline(trace: TraceFile): string {
  const actorWidth = Math.max(7, ...trace.steps.map((s) => s.actor.length));
  const eventWidth = Math.min(MAX_EVENT_COLUMN, Math.max(5, ...trace.steps.map((s) => triggerLabel(s).length)));
  const numberWidth = String(trace.steps.length).length;
  const under = trace.memory && trace.memory !== 'sc' ? ` under ${trace.memory}` : '';
  const cycle = trace.cycle ? ` (steps ${trace.cycle.start + 1}-${trace.steps.length} repeat forever)` : '';
  const outcome = trace.kind === 'witness' ? `goal ${trace.property} reached` : `${trace.property} violated`;
  const lines = [`${trace.systemName ?? 'system'}: ${outcome} after ${trace.steps.length} steps${cycle}${under}`];
  lines.push(`${'0'.padStart(numberWidth)}  ${'initial'.padEnd(actorWidth)}  ${initialLabel(trace.initial)}`);
  const marker = '~'.repeat(numberWidth);
  let state = trace.initial;
  for (const step of trace.steps) {
    if (trace.cycle && step.step === trace.cycle.start + 1) lines.push(`${marker}  cycle: steps ${step.step}-${trace.steps.length} repeat forever, from the state after step ${trace.cycle.start}`);
    const effects = stepEffects(state, step);
    if (step.violation) effects.push(`raises ${step.violation.property}`);
    const reads = step.reads ? `  [read ${cellsLabel(step.reads)}]` : '';
    const trigger = triggerLabel(step);
    const cols = `${String(step.step).padStart(numberWidth)}  ${step.actor.padEnd(actorWidth)}  ${trigger.padEnd(eventWidth)}`;
    lines.push(`${cols}  ${effects.length > 0 ? effects.join('; ') : 'no change'}${reads}`.trimEnd());
    state = applyChanges(state, step);
  }
  if (trace.cycle) lines.push(`${marker}  back to the state after step ${trace.cycle.start}`);
  lines.push(`${(trace.kind === 'witness' ? '=' : '!').repeat(numberWidth)}  ${trace.property}: ${trace.message}`);
  return lines.map(safeText).join('\n') + '\n';
}

function initialLabel(g: GlobalState): string {
  const actors = Object.entries(g.actors).map(([name, a]) => `${name} ${notStarted(a) ? '(did not start)' : stateLabel(a.value)}`).join(', ');
  const queued = Object.entries(g.inFlight).filter(([, q]) => q.length > 0).map(([name, q]) => `${q.length} in flight to ${name}`);
  return [actors, Object.keys(g.cells).length > 0 ? cellsLabel(g.cells) : '', ...queued].filter(Boolean).join('; ');
}

/** An actor whose initial transition threw: recorded stopped in the error status, with no state. */
const notStarted = (a: { value: unknown; status: string }) => a.status === 'error' && a.value === null;
