// Records a counterexample as a trace file: re-executes the violation's steps with Execution, which
// reports everything each step did, and keeps what changed.
import type { GoalResult, Happening, SystemDefinition, Violation } from '../checker/index.ts';
import { Execution } from '../checker/index.ts';
import { canonicalJson } from '../checker/canonical.ts';
import { ignoredCalls, ignoredDelivery } from './ignoredMessages.ts';
import { sentMessages } from './sentMessages.ts';
import { stateChanges } from './stateChange.ts';
import { TRACE_FORMAT } from './traceFile.ts';
import type { SystemSource, TraceFile, TraceStep } from './traceFile.ts';
import { memoryAccesses } from './memoryAccesses.ts';
import { TraceError } from './traceError.ts';

export function buildTrace(system: SystemDefinition, source: SystemSource, violation: Violation): TraceFile {
  const exec = new Execution(system);
  const init = exec.initial();
  if (!init.state) {
    // A violation as the actors start: a zero-step counterexample, the initial state as far as it got.
    if (violation.steps.length > 0 || !init.violation) throw new TraceError(`the system now fails as its actors start (${init.violation?.property ?? init.bound}), before step 1 of the counterexample`);
    const trace: TraceFile = { format: TRACE_FORMAT, system: source, property: violation.property, message: violation.message, initial: exec.materialize(init.reached!), steps: [] };
    if (system.name) trace.systemName = system.name;
    return trace;
  }
  const initial = exec.materialize(init.state);
  let v = init.state;
  let before = initial;
  let buffers = exec.storeBuffers(v);
  const steps: TraceStep[] = violation.steps.map((step, i) => {
    const out = exec.apply(v, step);
    if (!out) throw new TraceError(`step ${i + 1} of the counterexample (${step.actor}: ${step.kind} ${step.event.type}) is not enabled when re-executed`);
    const recorded: TraceStep = { step: i + 1, actor: step.actor, kind: step.kind, event: step.event };
    if (step.choices) recorded.choices = step.choices;
    const reads = readsOf(out.happenings, step.actor, step.kind);
    if (reads) recorded.reads = reads;
    const memory = exec.sys.memory === 'sc' ? [] : memoryAccesses(out.happenings);
    if (memory.length > 0) recorded.memory = memory;
    const ignored = ignoredCalls(out.happenings);
    const sent = sentMessages(out.happenings).map((m, k) => (ignored[k] ? { ...m, ignored: true as const } : m));
    if (sent.length > 0) recorded.sent = sent;
    if (step.kind === 'deliver' && ignoredDelivery(out.happenings, step.actor)) recorded.ignored = true;
    if (out.violation || !out.state) {
      if (i !== violation.steps.length - 1) throw new TraceError(`step ${i + 1} of the counterexample stops the run before its end (${out.violation?.property ?? out.bound})`);
      if (out.violation) recorded.violation = out.violation;
      return recorded;
    }
    const after = exec.materialize(out.state);
    Object.assign(recorded, stateChanges(before, after, out.happenings));
    const nowBuffered = exec.storeBuffers(out.state);
    const changedBuffers = Object.entries(nowBuffered).filter(([a, b]) => canonicalJson(b) !== canonicalJson(buffers[a]));
    if (changedBuffers.length > 0) recorded.buffers = Object.fromEntries(changedBuffers);
    buffers = nowBuffered;
    before = after;
    v = out.state;
    return recorded;
  });
  const trace: TraceFile = { format: TRACE_FORMAT, system: source, property: violation.property, message: violation.message, initial, steps };
  if (system.name) trace.systemName = system.name;
  if (exec.sys.memory !== 'sc') trace.memory = exec.sys.memory;
  if (typeof violation.cycleStart === 'number') trace.cycle = { start: violation.cycleStart };
  return trace;
}

/**
 * Records a reachability goal's witness (CheckResult.goals) as a trace of kind `witness`: its steps
 * lead to a state where the goal holds, which replay checks.
 */
export function buildWitnessTrace(system: SystemDefinition, source: SystemSource, goal: GoalResult): TraceFile {
  if (!goal.steps) throw new TraceError(`the goal ${goal.property} was not reached: it has no witness`);
  const n = goal.steps.length;
  const trace = buildTrace(system, source, { property: goal.property, message: `the goal holds ${n === 0 ? 'in the initial state' : `after step ${n}`}`, steps: goal.steps });
  return { ...trace, kind: 'witness' };
}

/** The cells the stepping actor read when it handled the step's event (absent when it reads none). */
function readsOf(happenings: Happening[], actor: string, kind: string): TraceStep['reads'] {
  for (const h of happenings) {
    if (h.what === 'event' && h.actor === actor && h.via === kind) {
      const cells = (h.event as { cells?: TraceStep['reads'] }).cells;
      return cells && Object.keys(cells).length > 0 ? { ...cells } : undefined;
    }
  }
  return undefined;
}
