// Short human labels for events and state values, shared by the timeline, the diagram and replay messages.
import type { EventObject } from 'xstate';
import { compactJson } from './serializeTrace.ts';
import type { SystemSource } from './traceFile.ts';

/** XState names a delayed transition's event `xstate.after.<ms>.<state node id>`. */
const AFTER = /^xstate\.after\.(\d+)\.(.+)$/;

/** `wakeup`, `postMessage(slot: 1)`, `after 1000ms (consumer.asleep)`; the cells read are left out. */
export function eventLabel(event: EventObject, show: (v: unknown) => string = compactJson): string {
  const timer = AFTER.exec(event.type);
  if (timer) return `after ${timer[1]}ms (${timer[2]})`;
  const payload = Object.entries(event).filter(([k, v]) => k !== 'type' && k !== 'cells' && v !== undefined);
  if (payload.length === 0) return event.type;
  return `${event.type}(${payload.map(([k, v]) => `${k}: ${show(v)}`).join(', ')})`;
}

/**
 * A value as a diagram shows it, without JSON's quotes where they are not needed: `offerChannel`,
 * `{type: offerChannel, relid: 1}`, `[versionRequest]`; a string that is not a plain word keeps them.
 */
export function plainLabel(value: unknown): string {
  if (typeof value === 'string') return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(value) && !['null', 'true', 'false'].includes(value) ? value : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(plainLabel).join(', ')}]`;
  if (typeof value === 'object' && value !== null) return `{${Object.entries(value).map(([k, v]) => `${plainKey(k)}: ${plainLabel(v)}`).join(', ')}}`;
  return compactJson(value);
}

const plainKey = (k: string) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : JSON.stringify(k));

/** `postMessage(sint: 2, message: {type: offerChannel})`: eventLabel with plainLabel's values. */
export const plainEventLabel = (event: EventObject) => eventLabel(event, plainLabel);

/** `asleep`, `running.busy` for a nested state, `{rx: idle, tx: busy}` for parallel regions. */
export function stateLabel(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [k, v] = entries[0];
      return typeof v === 'object' && v !== null && Object.keys(v).length === 0 ? k : `${k}.${stateLabel(v)}`;
    }
    return `{${entries.map(([k, v]) => `${k}: ${stateLabel(v)}`).join(', ')}}`;
  }
  return compactJson(value);
}

/** `count = 1, ready = true` */
export function cellsLabel(cells: Record<string, unknown>, sign = '='): string {
  return Object.entries(cells).map(([k, v]) => `${k} ${sign} ${compactJson(v)}`).join(', ');
}

/**
 * Where a trace's system came from: `built-in scenario X, variant Y`, or `path/to/model.ts, export E`;
 * `name` writes each name (code spans in Markdown).
 */
export function originLabel(system: SystemSource, name: (s: string) => string = (s) => s): string {
  return system.module === 'builtin'
    ? `built-in scenario ${name(system.scenario ?? '?')}, variant ${name(system.variant ?? '?')}`
    : `${name(system.module)}${system.export ? `, export ${name(system.export)}` : ''}`;
}

/** A system's parameters as `name=value` labels (`commit="#662"`, `capacity=2`). */
export const parameterLabels = (system: SystemSource) => Object.entries(system.parameters).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
