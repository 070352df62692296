// What a recorded step did, as short phrases: state changes, context changes, writes and messages.
// Shared by the timeline and the sequence diagram.
import { canonicalJson } from '../checker/canonical.ts';
import type { GlobalState } from '../checker/index.ts';
import { eventLabel, stateLabel } from './labels.ts';
import { compactJson } from './serializeTrace.ts';
import type { TraceStep } from './traceFile.ts';

/** An actor's change in one step: `check -> goingToSleep`, `pending: 0 -> 1`, `done`. */
export function actorChange(before: GlobalState, name: string, step: TraceStep): string[] {
  const after = step.changed?.[name];
  const prev = before.actors[name];
  if (!after || !prev) return [];
  const out: string[] = [];
  if (canonicalJson(prev.value) !== canonicalJson(after.value)) out.push(`${stateLabel(prev.value)} -> ${stateLabel(after.value)}`);
  out.push(...contextChanges(prev.context, after.context));
  if (prev.status !== after.status) out.push(`status ${after.status}`);
  return out;
}

function contextChanges(prev: unknown, next: unknown): string[] {
  const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isRecord(prev) || !isRecord(next)) return canonicalJson(prev) === canonicalJson(next) ? [] : [`context ${compactJson(prev)} -> ${compactJson(next)}`];
  const keys = [...new Set([...Object.keys(prev), ...Object.keys(next)])];
  return keys
    .filter((k) => canonicalJson(prev[k]) !== canonicalJson(next[k]))
    .map((k) => `${k}: ${prev[k] === undefined ? 'unset' : compactJson(prev[k])} -> ${next[k] === undefined ? 'unset' : compactJson(next[k])}`);
}

/** Everything the step did, in reading order: the stepping actor's change first, then the others, writes, messages. */
export function stepEffects(before: GlobalState, step: TraceStep): string[] {
  const out = [...actorChange(before, step.actor, step)];
  for (const name of Object.keys(step.changed ?? {})) {
    if (name !== step.actor) out.push(...actorChange(before, name, step).map((c) => `${name} ${c}`));
  }
  for (const [cell, value] of Object.entries(step.cells ?? {})) out.push(`${cell} := ${compactJson(value)}`);
  for (const m of step.sent ?? []) out.push(`${m.kind} ${eventLabel(m.event)} ${m.kind === 'reply' ? 'to' : '->'} ${m.to}`);
  return out;
}

/** How the step's event reached its actor: `run`, `<- wakeup`, `timer after 1000ms (consumer.asleep)`. */
export function triggerLabel(step: TraceStep): string {
  const label = eventLabel(step.event);
  if (step.kind === 'deliver') return `<- ${label}`;
  if (step.kind === 'timer') return `timer ${label}`;
  return label;
}
