// What differs between the global state a trace recorded and the one re-execution reached, one short
// line per difference ("consumer state: recorded asleep, now check").
import { canonicalJson } from '../checker/canonical.ts';
import type { GlobalState } from '../checker/index.ts';
import { compactJson } from './serializeTrace.ts';

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
const shown = (v: unknown) => (v === undefined ? 'nothing' : compactJson(v));
const differs = (what: string, recorded: unknown, now: unknown) => `${what}: recorded ${shown(recorded)}, now ${shown(now)}`;

export function stateDifferences(recorded: GlobalState, now: GlobalState): string[] {
  const out: string[] = [];
  for (const name of union(recorded.actors, now.actors)) {
    const r = own(recorded.actors, name);
    const n = own(now.actors, name);
    if (!r || !n) { out.push(differs(`actor ${name}`, r, n)); continue; }
    if (!same(r.value, n.value)) out.push(differs(`${name} state`, r.value, n.value));
    if (!same(r.status, n.status)) out.push(differs(`${name} status`, r.status, n.status));
    jsonDifferences(`${name} context`, r.context, n.context, out);
  }
  for (const cell of union(recorded.cells, now.cells)) {
    if (!same(own(recorded.cells, cell), own(now.cells, cell))) out.push(differs(`cell ${cell}`, own(recorded.cells, cell), own(now.cells, cell)));
  }
  for (const name of union(recorded.inFlight, now.inFlight)) {
    const r = own(recorded.inFlight, name) ?? [];
    const n = own(now.inFlight, name) ?? [];
    if (!same(r, n)) out.push(differs(`in flight to ${name}`, r, n));
  }
  return out;
}

/** Differences of two JSON values, down to the first level where they are not both plain objects. */
function jsonDifferences(path: string, recorded: unknown, now: unknown, out: string[]): void {
  if (same(recorded, now)) return;
  if (isRecord(recorded) && isRecord(now)) {
    for (const key of union(recorded, now)) jsonDifferences(`${path}.${key}`, own(recorded, key), own(now, key), out);
    return;
  }
  out.push(differs(path, recorded, now));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const union = (a: object, b: object) => [...new Set([...Object.keys(a), ...Object.keys(b)])];
function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
