// The places where two JSON values differ, down to the deepest level at which both are plain objects:
// `sints.2.slot` rather than the whole `sints` record, so a change to a large context reads as one line.
import { canonicalJson } from '../checker/canonical.ts';

export interface JsonChange {
  /** Keys from the top; empty when the values differ as a whole. */
  path: string[];
  before: unknown;
  after: unknown;
}

export function jsonChanges(before: unknown, after: unknown, path: string[] = []): JsonChange[] {
  if (canonicalJson(before) === canonicalJson(after)) return [];
  if (!isRecord(before) || !isRecord(after)) return [{ path, before, after }];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys.flatMap((k) => jsonChanges(own(before, k), own(after, k), [...path, k]));
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (r: Record<string, unknown>, k: string) => (Object.hasOwn(r, k) ? r[k] : undefined);
