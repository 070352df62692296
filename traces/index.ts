// Stand-in for the traces API (issue-5 builds the real one): same signatures, simple implementations,
// so the CLI can be built and tested against them. The real module replaces this file.
import type { EventObject } from 'xstate';
import { Execution } from '../checker/index.ts';
import type { GlobalState, Step, SystemDefinition, Violation } from '../checker/index.ts';

export const TRACE_FORMAT = 'vmbus-check-trace/1';

export interface SystemSource {
  module: string;
  export?: string;
  scenario?: string;
  variant?: string;
  parameters: Record<string, string | number | boolean>;
}

export interface TraceStep {
  actor: string;
  kind: Step['kind'];
  event: EventObject;
}

export interface TraceFile {
  format: typeof TRACE_FORMAT;
  system: SystemSource;
  property: string;
  message: string;
  steps: TraceStep[];
}

export class TraceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TraceError';
  }
}

export function buildTrace(_system: SystemDefinition, source: SystemSource, violation: Violation): TraceFile {
  return {
    format: TRACE_FORMAT,
    system: source,
    property: violation.property,
    message: violation.message,
    steps: violation.steps.map((s) => ({ actor: s.actor, kind: s.kind, event: s.event })),
  };
}

export function serializeTrace(trace: TraceFile): string {
  return JSON.stringify(trace, null, 2) + '\n';
}

export function parseTrace(text: string): TraceFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new TraceError(`not a trace file: ${e instanceof Error ? e.message : String(e)}`);
  }
  const t = data as TraceFile;
  if (typeof t !== 'object' || t === null || t.format !== TRACE_FORMAT) throw new TraceError(`not a ${TRACE_FORMAT} trace file`);
  if (typeof t.system !== 'object' || t.system === null || typeof t.system.module !== 'string') throw new TraceError('the trace does not say which system it came from');
  if (!Array.isArray(t.steps)) throw new TraceError('the trace has no steps');
  return t;
}

export interface ReplayResult {
  status: 'reproduced' | 'diverged' | 'stopped';
  stepsReplayed: number;
  divergence?: { step: number; actor: string; reason: string; differences: string[] };
  violation?: { property: string; message: string };
  state?: GlobalState;
}

export function replayTrace(system: SystemDefinition, trace: TraceFile, options: { stopAtStep?: number } = {}): ReplayResult {
  const exec = new Execution(system);
  let v = exec.initial().state!;
  for (let i = 0; i < trace.steps.length; i++) {
    if (options.stopAtStep === i) return { status: 'stopped', stepsReplayed: i, state: exec.materialize(v) };
    const step = trace.steps[i];
    const quiescent = exec.enabled(v).every((s) => s.kind === 'timer');
    const stalled = quiescent ? exec.outstandingWork(v).find((w) => w.property === trace.property) : undefined;
    const out = exec.apply(v, step);
    if (out === null) return { status: 'diverged', stepsReplayed: i, divergence: { step: i + 1, actor: step.actor, reason: 'the step is not enabled', differences: [] } };
    if (out.violation) return { status: 'reproduced', stepsReplayed: i + 1, violation: out.violation };
    if (stalled && i === trace.steps.length - 1) return { status: 'reproduced', stepsReplayed: i + 1, violation: { property: trace.property, message: trace.message } };
    v = out.state!;
    const broken = exec.invariantViolations(v);
    if (broken.length > 0) return { status: 'reproduced', stepsReplayed: i + 1, violation: broken[0] };
  }
  if (options.stopAtStep === trace.steps.length) return { status: 'stopped', stepsReplayed: trace.steps.length, state: exec.materialize(v) };
  return { status: 'diverged', stepsReplayed: trace.steps.length, divergence: { step: trace.steps.length, actor: '', reason: 'no violation at the end', differences: [] } };
}

const describe = (s: TraceStep) => `${s.actor} ${s.kind} ${s.event.type}`;

export function renderTimeline(trace: TraceFile): string {
  const lines = trace.steps.map((s, i) => `${String(i + 1).padStart(3)}  ${describe(s)}`);
  lines.push(`  !  ${trace.property}: ${trace.message}`);
  return lines.join('\n') + '\n';
}

export function renderMermaid(trace: TraceFile): string {
  const actors = [...new Set(trace.steps.map((s) => s.actor))];
  const lines = ['sequenceDiagram', ...actors.map((a) => `  participant ${a}`)];
  for (const s of trace.steps) lines.push(`  Note over ${s.actor}: ${s.kind} ${s.event.type}`);
  if (actors.length > 0) lines.push(`  Note over ${actors[0]}: violated ${trace.property}`);
  return lines.join('\n') + '\n';
}

export function renderMarkdown(trace: TraceFile): string {
  return [
    `### ${trace.property} violated`, '', trace.message, '',
    '```mermaid', renderMermaid(trace).trimEnd(), '```', '',
    '```', renderTimeline(trace).trimEnd(), '```', '',
  ].join('\n');
}
