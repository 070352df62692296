// What one step changed in the global state, as the trace records it, and the inverse: the recorded
// state after a step, from the state before it and the step's recorded changes.
import type { EventObject } from 'xstate';
import { canonicalJson } from '../checker/canonical.ts';
import type { CellValue, GlobalState, Happening } from '../checker/index.ts';
import type { TraceActorState, TraceStep } from './traceFile.ts';

export type StateChanges = Pick<TraceStep, 'changed' | 'cells' | 'inFlight'>;

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

/** The actors and queues that differ between `before` and `after`, and the cells the step wrote or changed in memory. */
export function stateChanges(before: GlobalState, after: GlobalState, happenings: Happening[]): StateChanges {
  const out: StateChanges = {};
  for (const [name, a] of Object.entries(after.actors)) {
    if (!same(before.actors[name], a)) (out.changed ??= {})[name] = { value: a.value, context: a.context, status: a.status };
  }
  for (const h of happenings) {
    if (h.what === 'write' || h.what === 'flush' || h.what === 'rmw') (out.cells ??= {})[h.cell] = after.cells[h.cell];
  }
  // Under tso and arm a fence or a message also drains the store buffer into memory.
  for (const [cell, value] of Object.entries(after.cells)) if (!same(before.cells[cell], value)) (out.cells ??= {})[cell] = value;
  for (const [name, q] of Object.entries(after.inFlight)) {
    if (!same(before.inFlight[name], q)) (out.inFlight ??= {})[name] = q;
  }
  return out;
}

/** The state after `step` according to the trace. Maps are used as the names come from a file. */
export function applyChanges(state: GlobalState, step: StateChanges): GlobalState {
  const actors = new Map<string, TraceActorState>(Object.entries(state.actors));
  const cells = new Map<string, CellValue>(Object.entries(state.cells));
  const inFlight = new Map<string, EventObject[]>(Object.entries(state.inFlight));
  for (const [name, a] of Object.entries(step.changed ?? {})) actors.set(name, a);
  for (const [name, v] of Object.entries(step.cells ?? {})) cells.set(name, v);
  for (const [name, q] of Object.entries(step.inFlight ?? {})) inFlight.set(name, q);
  return { actors: Object.fromEntries(actors), cells: Object.fromEntries(cells), inFlight: Object.fromEntries(inFlight) };
}
