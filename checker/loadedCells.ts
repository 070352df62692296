// Which cells an actor may ever load, read off its machine before exploring: the ARM model forgets the
// write history and views that only actors which never load a cell could tell apart (memoryModel.ts,
// armv8 `normalize`). Only an over-approximation is safe, so anything the scan cannot see through (an
// `emit` without the vocabulary's mark, `enqueueActions`, a cell computed at run time) means "any cell",
// and the stepper refuses, as a modelError, a load the scan did not foresee rather than explore wrongly.
import type { AnyStateMachine } from 'xstate';
import { scanActions } from './machineActions.ts';
import { LOADS } from './vocabulary.ts';

/** The cells `machine` may load (by name), or null when it may load any. */
export function scanLoadedCells(machine: AnyStateMachine): Set<string> | null {
  const found = new Set<string>();
  const seeThrough = scanActions(machine, (action) => {
    if (!(LOADS in action)) return undefined;
    const loads = (action as any)[LOADS] as string[] | null;
    if (loads === null) return false;
    for (const c of loads) found.add(c);
    return true;
  });
  return seeThrough ? found : null;
}
