// The job summary for GitHub Actions (written to $GITHUB_STEP_SUMMARY): the verdicts as a Markdown
// table, then each counterexample with its Mermaid sequence diagram, which GitHub renders.
import { renderMarkdown } from '../../traces/index.ts';
import { outcomeOf } from '../exitCodes.ts';
import { recordLabel } from '../runChecks.ts';
import { showsMemory, verdictUnder } from './textTable.ts';
import type { CheckRecord } from '../runChecks.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function stepSummary(records: CheckRecord[], againstExpectation: boolean): string {
  const lines = [
    '## vmbus-check', '',
    '| scenario | variant | verdict | expected | states | seconds | result |',
    '| --- | --- | --- | --- | ---: | ---: | --- |',
  ];
  const memory = showsMemory(records);
  for (const r of records) {
    const outcome = outcomeOf(r, againstExpectation);
    const result = outcome === 'pass' ? '✅ ok' : outcome === 'fail' ? '❌ fail' : '⚠️ no verdict';
    lines.push(`| ${cell(r.scenario)} | ${cell(r.variant ?? '-')}${memory ? ` [${r.memory}]` : ''} | ${memory ? cell(verdictUnder(r)) : r.result.verdict} | ${r.expected ?? '-'} | ${r.result.stats.states} | ${r.result.stats.seconds.toFixed(2)} | ${result} |`);
  }
  lines.push('');
  for (const r of records) {
    if (!r.trace) continue;
    const expected = outcomeOf(r, againstExpectation) === 'pass' ? ' (expected)' : '';
    lines.push(`### ${cell(recordLabel(r))}: counterexample${expected}`, '');
    if (r.tracePath) lines.push(`Trace file: \`${r.tracePath}\``, '');
    lines.push(renderMarkdown(r.trace).trimEnd(), '');
  }
  return lines.join('\n') + '\n';
}
