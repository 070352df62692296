// Reads a trace file's text: size cap, JSON, format version, schema, then the file's own consistency.
// Nothing in the file is executed; replay later runs only the named models' own steps.
import { TRACE_FORMAT, TRACE_FORMATS } from './traceFile.ts';
import type { TraceFile } from './traceFile.ts';
import { TraceError } from './traceError.ts';
import { traceSchema } from './traceSchema.ts';

/** Larger than any real counterexample by orders of magnitude; checked before parsing. */
export const MAX_TRACE_CHARS = 16 * 1024 * 1024;
/** Contexts and events are shallow records; deeper nesting is refused before validation recurses into it. */
export const MAX_TRACE_NESTING = 64;

export function parseTrace(text: string): TraceFile {
  if (typeof text !== 'string') throw new TraceError('trace file: expected text');
  if (text.length > MAX_TRACE_CHARS) {
    throw new TraceError(`trace file is too large (${text.length} characters; the limit is ${MAX_TRACE_CHARS})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new TraceError(`trace file is not valid JSON (truncated or edited?): ${why}`);
  }
  checkStructure(data);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new TraceError('trace file is not a JSON object');
  const format = (data as { format?: unknown }).format;
  if (format === undefined) throw new TraceError(`not a vmbus-check trace: no "format" field (expected "${TRACE_FORMAT}")`);
  if (!(TRACE_FORMATS as readonly unknown[]).includes(format)) {
    throw new TraceError(`unsupported trace format ${JSON.stringify(format)}; this version of vmbus-check reads ${TRACE_FORMATS.map((f) => `"${f}"`).join(' and ')}`);
  }
  const parsed = traceSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more problems)` : '';
    throw new TraceError(`trace file is invalid at ${pathText(issue.path)}: ${issue.message}${more}`);
  }
  checkConsistency(parsed.data);
  return parsed.data;
}

function pathText(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'the top level';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

/**
 * Nesting depth, and `__proto__` keys: JSON.parse keeps them as plain keys, but the schema library
 * silently drops them from records, so they are refused here rather than lost. Iterative, so a hostile
 * file cannot overflow the stack.
 */
function checkStructure(data: unknown): void {
  const stack: [unknown, number][] = [[data, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_TRACE_NESTING) throw new TraceError(`trace file nests values more than ${MAX_TRACE_NESTING} levels deep`);
    if (Object.hasOwn(value, '__proto__')) throw new TraceError('trace file uses the key "__proto__", which no trace contains');
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
}

/** Every step numbered in order, and every actor and cell it names declared in the initial state. */
function checkConsistency(trace: TraceFile): void {
  const actors = new Set(Object.keys(trace.initial.actors));
  const cells = new Set(Object.keys(trace.initial.cells));
  const actor = (where: string, a: string) => {
    if (!actors.has(a)) throw new TraceError(`trace file is inconsistent: ${where} names actor '${a}', which its initial state does not have`);
  };
  const cell = (where: string, c: string) => {
    if (!cells.has(c)) throw new TraceError(`trace file is inconsistent: ${where} names cell '${c}', which its initial state does not have`);
  };
  for (const a of Object.keys(trace.initial.inFlight)) actor('the initial in-flight queues', a);
  if (trace.kind === 'witness' && (trace.cycle || trace.steps.some((s) => s.violation))) {
    throw new TraceError('trace file is inconsistent: a witness (a run to a reachability goal) has no cycle and no step that raises a violation');
  }
  if (trace.cycle) {
    if (trace.format === 'vmbus-check-trace/1') throw new TraceError('trace file is inconsistent: a "vmbus-check-trace/1" file has no cycle (cycles came with version 2)');
    if (trace.cycle.start >= trace.steps.length) throw new TraceError(`trace file is inconsistent: its cycle starts after step ${trace.cycle.start} but it has ${trace.steps.length} steps`);
    if (trace.steps.some((s) => s.violation)) throw new TraceError('trace file is inconsistent: a step of a trace with a cycle records a violation');
  }
  trace.steps.forEach((s, i) => {
    const where = `step ${i + 1}`;
    if (s.step !== i + 1) throw new TraceError(`trace file is inconsistent: step ${i + 1} is numbered ${s.step}`);
    if (s.violation && i !== trace.steps.length - 1) throw new TraceError(`trace file is inconsistent: ${where} records a violation but is not the last step`);
    actor(where, s.actor);
    for (const m of s.sent ?? []) { actor(`${where} (${m.kind} ${m.event.type})`, m.from); actor(`${where} (${m.kind} ${m.event.type})`, m.to); }
    for (const a of Object.keys(s.changed ?? {})) actor(where, a);
    for (const a of Object.keys(s.inFlight ?? {})) actor(where, a);
    for (const c of Object.keys(s.cells ?? {})) cell(where, c);
    for (const c of Object.keys(s.reads ?? {})) cell(where, c);
  });
}
