// Before replay: does the trace speak about this system at all? An actor, cell or event the system
// does not have is a mistake in the file (or the wrong system), reported as an error rather than as a
// divergence, before any model code runs.
import type { Execution } from '../checker/index.ts';
import type { TraceFile } from './traceFile.ts';
import { TraceError } from './traceError.ts';

export function checkTraceFitsSystem(exec: Execution, trace: TraceFile): void {
  const def = exec.sys.definition;
  const system = def.name ? `system '${def.name}'` : 'the system';
  const actorNames = Object.keys(def.actors);
  const cellNames = Object.keys(def.cells ?? {});
  const actor = (where: string, name: string) => {
    if (!Object.hasOwn(def.actors, name)) throw new TraceError(`${where} names actor '${name}', which ${system} does not have (actors: ${actorNames.join(', ')})`);
  };
  const cell = (where: string, name: string) => {
    if (!cellNames.includes(name)) throw new TraceError(`${where} names cell '${name}', which ${system} does not have (cells: ${cellNames.join(', ') || 'none'})`);
  };
  for (const a of Object.keys(trace.initial.actors)) actor('the initial state', a);
  for (const c of Object.keys(trace.initial.cells)) cell('the initial state', c);

  // Events that may legitimately arrive at an actor without its machine naming them: those the trace
  // shows being sent to it (an unhandled-event counterexample delivers exactly such an event).
  const sentTo = new Map<string, Set<string>>();
  const note = (to: string, type: string) => { if (!sentTo.has(to)) sentTo.set(to, new Set()); sentTo.get(to)!.add(type); };
  for (const [to, q] of Object.entries(trace.initial.inFlight)) for (const e of q) note(to, e.type);

  trace.steps.forEach((s, i) => {
    const where = `trace step ${i + 1}`;
    actor(where, s.actor);
    for (const c of [...Object.keys(s.reads ?? {}), ...Object.keys(s.cells ?? {})]) cell(where, c);
    for (const a of Object.keys(s.changed ?? {})) actor(where, a);
    if (s.kind === 'flush') {
      // A store buffer flush names the cell, not an event of the machine.
      const flushed = (s.event as { cell?: unknown }).cell;
      if (exec.sys.memory === 'sc') throw new TraceError(`${where} is a store buffer flush, but the replay runs under sc`);
      if (typeof flushed !== 'string') throw new TraceError(`${where}: a flush step must name its cell`);
      cell(where, flushed);
      return;
    }
    const known = def.actors[s.actor].machine.root.events as string[];
    const delivered = s.kind === 'deliver' && sentTo.get(s.actor)?.has(s.event.type);
    if (!known.includes(s.event.type) && !delivered) {
      throw new TraceError(`${where}: actor '${s.actor}' has no event '${s.event.type}' (its machine handles: ${known.join(', ') || 'none'})`);
    }
    for (const m of s.sent ?? []) { actor(where, m.from); actor(where, m.to); note(m.to, m.event.type); }
  });
}
