// Replays a trace against a system: re-executes each recorded step with the models (Execution.apply)
// and checks after each that the state reached is the state recorded. The first step that is not
// enabled, or whose outcome differs, is where the counterexample stops being possible.
import { canonicalJson } from '../checker/canonical.ts';
import { Execution } from '../checker/index.ts';
import type { GlobalState, StepOutcome, SystemDefinition } from '../checker/index.ts';
import { eventLabel } from './labels.ts';
import { safeText } from './safeText.ts';
import { finalJudgement } from './finalJudgement.ts';
import { sentMessages } from './sentMessages.ts';
import { memoryAccesses } from './memoryAccesses.ts';
import { accessLabel } from './stepEffects.ts';
import { applyChanges } from './stateChange.ts';
import { stateDifferences } from './stateDifferences.ts';
import { compactJson } from './serializeTrace.ts';
import { checkTraceFitsSystem } from './traceFitsSystem.ts';
import type { TraceFile, TraceStep } from './traceFile.ts';
import { TraceError } from './traceError.ts';

export interface Divergence {
  /** The 1-based step (as in the timeline) where replay departs from the trace; 0 for the initial state. */
  step: number;
  actor: string;
  /** One line: why the step does not reproduce. */
  reason: string;
  /** One line per difference between the recorded and the re-executed state (or outcome). */
  differences: string[];
}

export interface ReplayResult {
  /**
   * reproduced: every step matched and the last one shows the recorded property's violation (for a
   * witness: the run ends in a state where its goal holds).
   */
  status: 'reproduced' | 'diverged' | 'stopped';
  /** Steps re-executed and matched. */
  stepsReplayed: number;
  divergence?: Divergence;
  /** The violation the replayed run ends with (absent when it shows none, or was stopped early). */
  violation?: { property: string; message: string };
  /** The global state at the stop, at a divergence (before the diverging step) or at the end
   *  (before the last step when that step itself raised the violation). */
  state?: GlobalState;
}

export interface ReplayOptions {
  /** Stop after this many steps (0 = the initial state) and report the state there. */
  stopAtStep?: number;
}

export function replayTrace(system: SystemDefinition, trace: TraceFile, options: ReplayOptions = {}): ReplayResult {
  const { stopAtStep } = options;
  if (stopAtStep !== undefined && (!Number.isInteger(stopAtStep) || stopAtStep < 0)) {
    throw new TraceError(`cannot stop at step ${stopAtStep}: give a step number from 0 to ${trace.steps.length}`);
  }
  const exec = new Execution(system, trace.memory ?? 'sc');
  checkTraceFitsSystem(exec, trace);

  const init = exec.initial();
  if (!init.state && trace.steps.length === 0 && init.violation) {
    // A zero-step trace: the violation happens as the actors start.
    const now = exec.materialize(init.reached!);
    if (init.violation.property === trace.property) return { status: 'reproduced', stepsReplayed: 0, violation: init.violation, state: now };
    const reason = `the run no longer ends in a violation of ${trace.property}`;
    return { status: 'diverged', stepsReplayed: 0, divergence: divergence(0, '(initial state)', reason, [`instead: ${init.violation.property}: ${init.violation.message}`]), violation: init.violation, state: now };
  }
  if (!init.state) {
    const reason = `the system now fails as its actors start: ${init.violation?.property ?? init.bound}: ${init.violation?.message ?? ''}`;
    return { status: 'diverged', stepsReplayed: 0, divergence: divergence(0, '(initial state)', reason, []) };
  }
  let v = init.state;
  const states = [v];
  let recorded = trace.initial;
  let now = exec.materialize(v);
  const initialDifferences = stateDifferences(recorded, now);
  if (initialDifferences.length > 0) {
    const actor = Object.keys(now.actors).find((a) => initialDifferences.some((d) => d.startsWith(`${a} `))) ?? '(initial state)';
    return diverged(0, actor, 'the initial state differs from the recorded one', initialDifferences, now);
  }
  if (trace.steps.length === 0) return judgeEnd(exec, trace, null, v, { state: v, happenings: [] }, now, states);

  for (let i = 0; i < trace.steps.length; i++) {
    if (stopAtStep !== undefined && i >= stopAtStep) return { status: 'stopped', stepsReplayed: i, state: now };
    const step = trace.steps[i];
    const n = i + 1;
    const last = i === trace.steps.length - 1;
    const out = exec.apply(v, { actor: step.actor, kind: step.kind, event: step.event, ...(step.choices ? { choices: step.choices } : {}) });
    if (!out) {
      const enabled = exec.enabled(v).map((s) => `${s.actor}: ${s.kind} ${eventLabel(s.event)}`);
      return diverged(n, step.actor, `${step.kind} ${eventLabel(step.event)} is no longer enabled`,
        [`enabled instead: ${enabled.length > 0 ? enabled.join('; ') : 'nothing'}`], now);
    }
    const sent = sentDifferences(step, out);
    const accesses = memoryDifferences(exec, step, out);
    const differences = [...sent, ...accesses];
    const sentOther = sent.length > 0;
    if (out.bound) return diverged(n, step.actor, `the step now hits a bound: ${out.bound}`, differences, now);
    if (out.violation && !last) {
      return diverged(n, step.actor, `the step now violates ${out.violation.property}: ${out.violation.message}`, differences, now);
    }
    if (out.violation || step.violation) {
      // The recorded last step raised the violation itself: there is no state after it to compare.
      if (!out.violation) differences.push(`violation: recorded ${step.violation!.property}, now none`);
      if (differences.length > 0) return diverged(n, step.actor, 'the step has a different outcome than recorded', differences, now);
    } else {
      recorded = applyChanges(recorded, step);
      const after = exec.materialize(out.state!);
      differences.push(...stateDifferences(recorded, after));
      if (differences.length > 0) {
        const reason = sentOther ? 'the step sends other messages than recorded'
          : accesses.length > 0 ? 'the step loads or stores other values than recorded' : 'the state after the step differs from the recorded one';
        return diverged(n, step.actor, reason, differences, now);
      }
      now = after;
    }
    if (out.state) states.push(out.state);
    if (last) return judgeEnd(exec, trace, step, v, out, now, states);
    v = out.state!;
  }
  throw new Error('unreachable: the loop returns at the last step');
}

/**
 * Judges the end of a run whose steps all matched; `v` is the state before the last step (the initial
 * state when there are none), `states` every state passed. A liveness trace is judged as a lasso: its
 * cycle must return to its start and be a fair run with the obligation open throughout (or, with no
 * cycle, the run must end with it open).
 */
function judgeEnd(exec: Execution, trace: TraceFile, step: TraceStep | null, v: Int32Array, out: StepOutcome, state: GlobalState, states: Int32Array[]): ReplayResult {
  const n = trace.steps.length;
  if (trace.kind === 'witness') return judgeWitness(exec, trace, step, out, state);
  if ((exec.isLiveness(trace.property) || trace.cycle) && !out.violation) {
    const steps = trace.steps.map((s) => ({ actor: s.actor, kind: s.kind, event: s.event }));
    const lasso = exec.lassoJudgement(trace.property, states, steps, trace.cycle ? trace.cycle.start : null);
    if (lasso.violated) return { status: 'reproduced', stepsReplayed: n, violation: { property: trace.property, message: lasso.message }, state };
    return { status: 'diverged', stepsReplayed: n, divergence: divergence(n, step?.actor ?? '(initial state)', `the run is no longer a counterexample to ${trace.property}`, [lasso.reason]), state };
  }
  const found = finalJudgement(exec, v, step && { actor: step.actor, kind: step.kind, event: step.event }, out);
  const same = found.find((f) => f.property === trace.property);
  if (same) return { status: 'reproduced', stepsReplayed: n, violation: same, state };
  const reason = `the run no longer ends in a violation of ${trace.property}`;
  const differences = found.length > 0 ? found.map((f) => `instead: ${f.property}: ${f.message}`) : ['no property is violated at the end'];
  return { status: 'diverged', stepsReplayed: n, divergence: divergence(n, step?.actor ?? '(initial state)', reason, differences), violation: found[0], state };
}

/** A witness reproduces when its run ends in a state where its goal holds (and no violation on the way). */
function judgeWitness(exec: Execution, trace: TraceFile, step: TraceStep | null, out: StepOutcome, state: GlobalState): ReplayResult {
  const n = trace.steps.length;
  const actor = step?.actor ?? '(initial state)';
  if (out.violation) return { status: 'diverged', stepsReplayed: n, divergence: divergence(n, actor, `the run now ends in a violation of ${out.violation.property} instead of reaching ${trace.property}`, [out.violation.message]), violation: out.violation, state };
  const holds = exec.goalHolds(trace.property, out.state!);
  if (holds === true) return { status: 'reproduced', stepsReplayed: n, state };
  const why = holds === false ? `the goal ${trace.property} does not hold in the final state` : holds.error;
  return { status: 'diverged', stepsReplayed: n, divergence: divergence(n, actor, `the run no longer reaches the goal ${trace.property}`, [why]), state };
}

function diverged(step: number, actor: string, reason: string, differences: string[], state: GlobalState): ReplayResult {
  return { status: 'diverged', stepsReplayed: Math.max(0, step - 1), divergence: divergence(step, actor, reason, differences), state };
}

/** Reasons quote events and values from the file: made printable, as a CLI shows them as they are. */
function divergence(step: number, actor: string, reason: string, differences: string[]): Divergence {
  return { step, actor, reason: safeText(reason), differences: differences.map((d) => safeText(d)) };
}

function memoryDifferences(exec: Execution, step: TraceStep, out: StepOutcome): string[] {
  if (exec.sys.memory === 'sc') return [];
  const now = memoryAccesses(out.happenings);
  const recorded = step.memory ?? [];
  if (canonicalJson(now) === canonicalJson(recorded)) return [];
  return [`memory accesses: recorded ${compactJson(recorded.map(accessLabel))}, now ${compactJson(now.map(accessLabel))}`];
}

function sentDifferences(step: TraceStep, out: StepOutcome): string[] {
  const now = sentMessages(out.happenings);
  // Whether a receiver ignored a message is how the step reads, not what it did: not compared.
  const recorded = (step.sent ?? []).map(({ ignored: _, ...m }) => m);
  if (canonicalJson(now) === canonicalJson(recorded)) return [];
  return [`messages sent: recorded ${compactJson(recorded.map(messageText))}, now ${compactJson(now.map(messageText))}`];
}

const messageText = (m: { kind: string; from: string; to: string; event: { type: string } }) => `${m.kind} ${m.from}->${m.to} ${eventLabel(m.event)}`;
