// A Markdown report of a trace: a summary, the sequence diagram (a mermaid block, rendered by GitHub)
// and the text timeline.
import { safeLines, safeText } from './safeText.ts';
import { originLabel, parameterLabels } from './labels.ts';
import { renderMermaid } from './mermaid.ts';
import { renderTimeline } from './timeline.ts';
import type { TraceFile } from './traceFile.ts';

export interface MarkdownOptions {
  /**
   * The level of the report's own heading (default 1: a document of its own). A report placed under
   * other headings (a job summary's `###`) starts there, and its sections one level below.
   */
  headingLevel?: number;
  /**
   * The report's heading instead of "Counterexample: <property> in <system>"; null for none (the
   * report sits under a heading or a `<summary>` that already names it).
   */
  title?: string | null;
}

export function renderMarkdown(trace: TraceFile, options: MarkdownOptions = {}): string {
  const { system } = trace;
  const level = Math.min(Math.max(options.headingLevel ?? 1, 1), 5);
  const heading = (depth: number) => '#'.repeat(level + depth);
  const code = (s: string) => `\`${inline(s)}\``;
  const origin = originLabel(system, code);
  const parameters = parameterLabels(system).map(code).join(', ');
  const witness = trace.kind === 'witness';
  return safeLines([
    ...(options.title === null ? [] : [`${heading(0)} ${options.title !== undefined ? inline(options.title) : `${witness ? 'Witness' : 'Counterexample'}: ${inline(trace.property)} in ${inline(trace.systemName ?? 'the system')}`}`, '']),
    `- **${witness ? 'Reached' : 'Violated'}:** \`${inline(trace.property)}\`: ${inline(trace.message)}`,
    `- **System:** ${origin}${parameters ? ` (${parameters})` : ''}`,
    ...(trace.memory && trace.memory !== 'sc' ? [`- **Memory model:** ${trace.memory}`] : []),
    `- **Steps:** ${trace.steps.length}, actors: ${Object.keys(trace.initial.actors).map((a) => `\`${a}\``).join(', ')}`,
    '',
    `${heading(1)} Sequence diagram`,
    '',
    '```mermaid',
    renderMermaid(trace).trimEnd(),
    '```',
    '',
    `${heading(1)} Timeline`,
    '',
    '```text',
    renderTimeline(trace).replace(/```/g, "'''").trimEnd(),
    '```',
    '',
  ].join('\n'));
}

/** Text from the file on one Markdown line. */
const inline = (s: string) => safeText(s).replace(/`/g, "'");
