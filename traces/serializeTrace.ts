// Writes a trace as JSON laid out for review: `$schema` and the header fields one per line, then each step on a few
// lines (what happened, then what it changed), every value compact on its line. A change to a model
// shows up in a diff as the few step lines it affects.
import { TRACE_SCHEMA_ID } from './traceFile.ts';
import type { TraceFile, TraceStep } from './traceFile.ts';

export function serializeTrace(trace: TraceFile): string {
  const lines: string[] = ['{'];
  const header: [string, unknown][] = [
    ['$schema', TRACE_SCHEMA_ID], ['format', trace.format], ['system', trace.system], ['systemName', trace.systemName], ['memory', trace.memory],
    ['property', trace.property], ['message', trace.message], ['kind', trace.kind],
  ];
  for (const [key, value] of header) if (value !== undefined) lines.push(`  ${field(key, value)},`);
  lines.push('  "initial": {');
  lines.push(...block('actors', trace.initial.actors, '    ', ','));
  lines.push(`    ${field('cells', trace.initial.cells)},`);
  lines.push(`    ${field('inFlight', trace.initial.inFlight)}`);
  lines.push('  },');
  if (trace.steps.length === 0) lines.push(trace.cycle ? '  "steps": [],' : '  "steps": []');
  else {
    lines.push('  "steps": [');
    trace.steps.forEach((s, i) => lines.push(...stepLines(s, i === trace.steps.length - 1 ? '' : ',')));
    lines.push(trace.cycle ? '  ],' : '  ]');
  }
  if (trace.cycle) lines.push(`  ${field('cycle', trace.cycle)}`);
  lines.push('}');
  return lines.join('\n') + '\n';
}

function stepLines(s: TraceStep, comma: string): string[] {
  const pad = '      ';
  const parts: string[][] = [[[field('step', s.step), field('actor', s.actor), field('kind', s.kind), field('event', s.event)].join(', ')]];
  if (s.ignored) parts.push([field('ignored', true)]);
  if (s.choices) parts.push([field('choices', s.choices)]);
  if (s.reads) parts.push([field('reads', s.reads)]);
  if (s.memory) parts.push([field('memory', s.memory)]);
  if (s.sent) parts.push(s.sent.length === 1 ? [field('sent', s.sent)] : ['"sent": [', ...s.sent.map((m, i) => `  ${compactJson(m)}${i < s.sent!.length - 1 ? ',' : ''}`), ']']);
  if (s.changed) parts.push(block('changed', s.changed, '', ''));
  if (s.cells) parts.push([field('cells', s.cells)]);
  if (s.inFlight) parts.push([field('inFlight', s.inFlight)]);
  if (s.buffers) parts.push([field('buffers', s.buffers)]);
  if (s.violation) parts.push([field('violation', s.violation)]);
  const body = parts.map((p, i) => {
    const last = i === parts.length - 1;
    return p.map((line, j) => pad + line + (last || j < p.length - 1 ? '' : ','));
  });
  return ['    {', ...body.flat(), `    }${comma}`];
}

/** A record with one entry per line (one line in all when it has at most one entry). */
function block(key: string, record: Record<string, unknown>, indent: string, comma: string): string[] {
  const entries = Object.entries(record);
  if (entries.length <= 1) return [`${indent}${field(key, record)}${comma}`];
  return [
    `${indent}${JSON.stringify(key)}: {`,
    ...entries.map(([k, v], i) => `${indent}  ${field(k, v)}${i < entries.length - 1 ? ',' : ''}`),
    `${indent}}${comma}`,
  ];
}

const field = (key: string, value: unknown) => `${JSON.stringify(key)}: ${compactJson(value)}`;

/** JSON on one line with a space after each `:` and `,`, keys in their order; undefined fields are left out. */
export function compactJson(value: unknown): string {
  if (Array.isArray(value)) return '[' + value.map((v) => (v === undefined ? 'null' : compactJson(v))).join(', ') + ']';
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return '{' + entries.map(([k, v]) => `${JSON.stringify(k)}: ${compactJson(v)}`).join(', ') + '}';
  }
  return JSON.stringify(value) ?? 'null';
}
