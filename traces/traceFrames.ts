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
  state: GlobalState;
  /** Each actor's store buffer, oldest store first (tso, arm; empty under sc). */
  buffers: Record<string, BufferedStore[]>;
  /** What differs from the frame before: actor, cell, queue and buffer names. */
  changed: { actors: string[]; cells: string[]; inFlight: string[]; buffers: string[] };
}

const differs = (a: unknown, b: unknown) => canonicalJson(a) !== canonicalJson(b);
const changedKeys = <T>(before: Record<string, T>, after: Record<string, T>) =>
  Object.keys(after).filter((k) => differs(before[k], after[k]));

export function traceFrames(trace: TraceFile): TraceFrame[] {
  const actors = Object.keys(trace.initial.actors);
  let buffers: Record<string, BufferedStore[]> = Object.fromEntries(actors.map((a) => [a, []]));
  const frames: TraceFrame[] = [{
    step: 0, title: 'initial state', effects: [], reads: null, accesses: [], violation: null, state: trace.initial, buffers,
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
