// Which cells an actor may ever load, read off its machine before exploring: the ARM model forgets the
// write history and views that only actors which never load a cell could tell apart (memoryModel.ts,
// armv8 `normalize`). Only an over-approximation is safe, so anything the scan cannot see through (an
// `emit` without the vocabulary's mark, `enqueueActions`, a cell computed at run time) means "any cell",
// and the stepper refuses, as a modelError, a load the scan did not foresee rather than explore wrongly.
import type { AnyStateMachine } from 'xstate';
import { LOADS } from './vocabulary.ts';

/** The cells `machine` may load (by name), or null when it may load any. */
export function scanLoadedCells(machine: AnyStateMachine): Set<string> | null {
  const found = new Set<string>();
  const named = (machine.implementations?.actions ?? {}) as Record<string, unknown>;
  const seen = new Set<unknown>();
  // False when the action may load a cell the scan cannot name.
  const visit = (action: unknown): boolean => {
    if (typeof action === 'string') return action in named ? visit(named[action]) : true;
    if (action === null || action === undefined) return true;
    if (typeof action === 'object') {
      const type = (action as { type?: unknown }).type;
      return typeof type === 'string' && type in named ? visit(named[type]) : true;
    }
    if (typeof action !== 'function') return true;
    if (seen.has(action)) return true;
    seen.add(action);
    if (LOADS in action) {
      const loads = (action as any)[LOADS] as string[] | null;
      if (loads === null) return false;
      for (const c of loads) found.add(c);
      return true;
    }
    const type = (action as { type?: unknown }).type;
    // XState's own actions other than these cannot emit; a plain function action cannot either.
    return type !== 'xstate.emit' && type !== 'xstate.enqueueActions';
  };
  const nodes: any[] = [machine.root];
  while (nodes.length > 0) {
    const node = nodes.pop();
    const actions: unknown[] = [...(node.entry ?? []), ...(node.exit ?? []), ...(node.initial?.actions ?? [])];
    for (const ts of node.transitions?.values() ?? []) for (const t of ts) actions.push(...(t.actions ?? []));
    for (const t of node.always ?? []) actions.push(...(t.actions ?? []));
    for (const a of actions) if (!visit(a)) return null;
    nodes.push(...Object.values(node.states ?? {}));
  }
  return found;
}
