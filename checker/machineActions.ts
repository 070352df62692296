// The walk the footprint scans share: every action a machine may run, read before exploring.
import type { AnyStateMachine } from 'xstate';

/**
 * Visits each function action of `machine` once (entry, exit, initial, transition and `always`
 * actions of every state, named actions resolved through its implementations). `marked` reads the
 * vocabulary's mark off one: true when it is marked and taken in, false when it is marked as not to be
 * seen through, undefined when unmarked. False as soon as an action cannot be seen through: one marked
 * so, or an unmarked `emit` or `enqueueActions` (XState's other actions, and plain functions, touch
 * nothing the scans look for).
 */
export function scanActions(machine: AnyStateMachine, marked: (action: object) => boolean | undefined): boolean {
  const named = (machine.implementations?.actions ?? {}) as Record<string, unknown>;
  const seen = new Set<unknown>();
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
    const mark = marked(action);
    if (mark !== undefined) return mark;
    const type = (action as { type?: unknown }).type;
    return type !== 'xstate.emit' && type !== 'xstate.enqueueActions';
  };
  const nodes: any[] = [machine.root];
  while (nodes.length > 0) {
    const node = nodes.pop();
    const actions: unknown[] = [...(node.entry ?? []), ...(node.exit ?? []), ...(node.initial?.actions ?? [])];
    for (const ts of node.transitions?.values() ?? []) for (const t of ts) actions.push(...(t.actions ?? []));
    for (const t of node.always ?? []) actions.push(...(t.actions ?? []));
    for (const a of actions) if (!visit(a)) return false;
    nodes.push(...Object.values(node.states ?? {}));
  }
  return true;
}
