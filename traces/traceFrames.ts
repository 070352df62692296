// The global state at every step of a trace, as a viewer steps through it: each actor's state and
// context, the cells, the in-flight queues and (under tso and arm) the store buffers, with what each step
// changed. Rebuilt from the trace alone (its initial state and each step's recorded changes).
import { canonicalJson } from '../checker/canonical.ts';
import type { CellValue, GlobalState } from '../checker/index.ts';
import { cellsLabel } from './labels.ts';
import { applyChanges } from './stateChange.ts';
import { accessLabel, stepEffects, triggerLabel } from './stepEffects.ts';
import type { TraceFile } from './traceFile.ts';

export interface BufferedStore {
  cell: string;
  value: CellValue;
}

export interface TraceFrame {
  /** 0 for the initial state. */
  step: number;
  /** `3. guest: <- sint(vp: 0, sint: 2)`; `initial state` for step 0. */
  title: string;
  /** What the step did, as the timeline says it. */
  effects: string[];
  /** The cells the stepping actor read, as its loads returned them. */
  reads: string | null;
  /** The step's memory accesses under tso or arm. */
  accesses: string[];
  violation: string | null;
  /** Where the step stands in a lasso's cycle (null outside it, and for other traces). */
  cycle: string | null;
  state: GlobalState;
  /** Each actor's store buffer, oldest store first (tso, arm; empty under sc). */
  buffers: Record<string, BufferedStore[]>;
  /** What differs from the frame before: actor, cell, queue and buffer names. */
  changed: { actors: string[]; cells: string[]; inFlight: string[]; buffers: string[] };
}

const differs = (a: unknown, b: unknown) => canonicalJson(a) !== canonicalJson(b);
const changedKeys = <T>(before: Record<string, T>, after: Record<string, T>) =>
  Object.keys(after).filter((k) => differs(before[k], after[k]));

/**
 * A lasso's cycle at step `k`: its start (the state the cycle returns to), each step in it, and its
 * last step, after which the run is back at the start.
 */
function cycleNote(trace: TraceFile, k: number): string | null {
  if (!trace.cycle) return null;
  const { start } = trace.cycle;
  const last = trace.steps.length;
  const repeat = `steps ${start + 1}-${last} repeat forever`;
  if (k === start) return `the cycle starts here: ${repeat}, each time returning to this state`;
  if (k < start) return null;
  if (k === last) return `the last step of the cycle (${repeat}): the run is back at the state after step ${start}, and goes round again`;
  return `step ${k - start} of ${last - start} of the cycle (${repeat})`;
}

export function traceFrames(trace: TraceFile): TraceFrame[] {
  const actors = Object.keys(trace.initial.actors);
  let buffers: Record<string, BufferedStore[]> = Object.fromEntries(actors.map((a) => [a, []]));
  const frames: TraceFrame[] = [{
    step: 0, title: 'initial state', effects: [], reads: null, accesses: [], violation: null, cycle: cycleNote(trace, 0), state: trace.initial, buffers,
    changed: { actors: [], cells: [], inFlight: [], buffers: [] },
  }];
  let state = trace.initial;
  for (const step of trace.steps) {
    const effects = stepEffects(state, step);
    const next = applyChanges(state, step);
    const after = { ...buffers, ...step.buffers };
    frames.push({
      step: step.step,
      title: `${step.step}. ${step.actor}: ${triggerLabel(step)}`,
      effects: effects.length > 0 ? effects : ['no change'],
      reads: step.reads ? cellsLabel(step.reads) : null,
      accesses: (step.memory ?? []).map(accessLabel),
      violation: step.violation ? `${step.violation.property}: ${step.violation.message}` : null,
      cycle: cycleNote(trace, step.step),
      state: next,
      buffers: after,
      changed: {
        actors: changedKeys(state.actors, next.actors), cells: changedKeys(state.cells, next.cells),
        inFlight: changedKeys(state.inFlight, next.inFlight), buffers: changedKeys(buffers, after),
      },
    });
    state = next;
    buffers = after;
  }
  return frames;
}
