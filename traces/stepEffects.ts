// What a recorded step did, as short phrases: state changes, context changes, writes and messages.
// Shared by the timeline and the sequence diagram.
import { canonicalJson } from '../checker/canonical.ts';
import type { GlobalState } from '../checker/index.ts';
import { jsonChanges } from './jsonChanges.ts';
import { eventLabel, stateLabel } from './labels.ts';
import { compactJson } from './serializeTrace.ts';
import type { TraceStep } from './traceFile.ts';

/** An actor's change in one step: `check -> goingToSleep`, `pending: 0 -> 1`, `done`. */
export function actorChange(before: GlobalState, name: string, step: TraceStep, show: (v: unknown) => string = compactJson): string[] {
  const after = step.changed?.[name];
  const prev = before.actors[name];
  if (!after || !prev) return [];
  const out: string[] = [];
  if (canonicalJson(prev.value) !== canonicalJson(after.value)) out.push(`${stateLabel(prev.value)} -> ${stateLabel(after.value)}`);
  out.push(...contextChanges(prev.context, after.context, show));
  if (prev.status !== after.status) out.push(`status ${after.status}`);
  return out;
}

function contextChanges(prev: unknown, next: unknown, show: (v: unknown) => string): string[] {
  const shown = (v: unknown) => (v === undefined ? 'unset' : show(v));
  return jsonChanges(prev, next).map((c) => `${c.path.length > 0 ? c.path.join('.') : 'context'}: ${shown(c.before)} -> ${shown(c.after)}`);
}

/** Everything the step did, in reading order: the stepping actor's change first, then the others, writes, messages. */
export function stepEffects(before: GlobalState, step: TraceStep): string[] {
  const out = [...actorChange(before, step.actor, step)];
  for (const name of Object.keys(step.changed ?? {})) {
    if (name !== step.actor) out.push(...actorChange(before, name, step).map((c) => `${name} ${c}`));
  }
  if (step.memory) out.push(...step.memory.map(accessLabel));
  else for (const [cell, value] of Object.entries(step.cells ?? {})) out.push(`${cell} := ${compactJson(value)}`);
  for (const m of step.sent ?? []) out.push(`${m.kind} ${eventLabel(m.event)} ${m.kind === 'reply' ? 'to' : '->'} ${m.to}${m.ignored ? ` (ignored by ${m.to}: no effect)` : ''}`);
  if (step.ignored) out.push(`ignored by ${step.actor}: no effect`);
  return out;
}

/** `store x = 1 (buffered)`, `load y = 0 (own buffer)`, `smp_mb`, `flush x = 1 to memory`. */
export function accessLabel(a: NonNullable<TraceStep['memory']>[number]): string {
  switch (a.op) {
    case 'store': return `${a.release ? 'store-release' : 'store'} ${a.cell} = ${compactJson(a.value)}${a.buffered ? ' (buffered)' : ''}`;
    case 'load': return `${a.acquire ? 'load-acquire' : 'load'} ${a.cell} = ${compactJson(a.value)}${a.from === 'buffer' ? ' (own buffer)' : ''}`;
    case 'fence': return a.fence === 'full' ? 'smp_mb' : a.fence === 'store' ? 'smp_wmb' : 'smp_rmb';
    case 'rmw': return `${a.rmw} ${a.cell}: was ${compactJson(a.old)}${a.stored ? '' : ' (failed, no store)'}`;
    case 'flush': return `flush ${a.cell} = ${compactJson(a.value)} to memory`;
  }
}

/** How the step's event reached its actor: `run`, `<- wakeup`, `timer after 1000ms (consumer.asleep)`. */
export function triggerLabel(step: TraceStep, labelOf: (e: TraceStep['event']) => string = eventLabel): string {
  const label = labelOf(step.event);
  if (step.kind === 'deliver') return `<- ${label}`;
  if (step.kind === 'timer') return `timer ${label}`;
  if (step.kind === 'flush') return 'store buffer flush';
  return label;
}
