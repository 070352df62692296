// A Markdown report of a trace: a summary, the sequence diagram (a mermaid block, rendered by GitHub)
// and the text timeline.
import { safeLines, safeText } from './safeText.ts';
import { renderMermaid } from './mermaid.ts';
import { renderTimeline } from './timeline.ts';
import type { TraceFile } from './traceFile.ts';

export function renderMarkdown(trace: TraceFile): string {
  const { system } = trace;
  const origin = system.module === 'builtin'
    ? `built-in scenario \`${inline(system.scenario ?? '?')}\`, variant \`${inline(system.variant ?? '?')}\``
    : `\`${inline(system.module)}\`${system.export ? `, export \`${inline(system.export)}\`` : ''}`;
  const parameters = Object.entries(system.parameters).map(([k, v]) => `\`${inline(`${k}=${JSON.stringify(v)}`)}\``).join(', ');
  return safeLines([
    `# Counterexample: ${inline(trace.property)} in ${inline(trace.systemName ?? 'the system')}`,
    '',
    `- **Violated:** \`${inline(trace.property)}\`: ${inline(trace.message)}`,
    `- **System:** ${origin}${parameters ? ` (${parameters})` : ''}`,
    ...(trace.memory && trace.memory !== 'sc' ? [`- **Memory model:** ${trace.memory}`] : []),
    `- **Steps:** ${trace.steps.length}, actors: ${Object.keys(trace.initial.actors).map((a) => `\`${a}\``).join(', ')}`,
    '',
    '## Sequence diagram',
    '',
    '```mermaid',
    renderMermaid(trace).trimEnd(),
    '```',
    '',
    '## Timeline',
    '',
    '```text',
    renderTimeline(trace).replace(/```/g, "'''").trimEnd(),
    '```',
    '',
  ].join('\n'));
}

/** Text from the file on one Markdown line. */
const inline = (s: string) => safeText(s).replace(/`/g, "'");
