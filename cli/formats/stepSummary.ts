// The job summary for GitHub Actions (written to $GITHUB_STEP_SUMMARY): the verdicts as a Markdown
// table, then each counterexample with its Mermaid sequence diagram, which GitHub renders. A
// counterexample that fails the run is shown open; an expected one (a buggy variant's) is folded into
// `<details>`, so a summary of many built-ins leads with what needs attention. Headings: `##` for the
// summary, `###` per check, `####` for each check's sections, folded or not.
import { renderMarkdown } from '../../traces/markdown.ts';
import { outcomeOf } from '../exitCodes.ts';
import { recordLabel } from '../runChecks.ts';
import { showsMemory, verdictUnder } from './textTable.ts';
import { actorSummary, coverageMarkdown, coverageWarnings } from './coverage.ts';
import { probabilisticVerdict } from './approximation.ts';
import type { CheckRecord } from '../runChecks.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
/** Text inside an HTML element of the summary (`<summary>`): markup characters escaped. */
const html = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, ' ');

/**
 * Every reachability goal, with its witness's length and file (--witnesses): a table of its own, folded
 * into `<details>` when every goal was reached (nothing there needs attention).
 */
function goalsSection(records: CheckRecord[]): string[] {
  const rows = records.flatMap((r) => r.result.goals.map((g) => {
    const witness = r.witnesses?.find((w) => w.trace.property === g.property)?.tracePath;
    const reached = g.steps ? `✅ after ${g.steps.length} steps` : r.result.verdict === 'unreached' ? '❌ unreached' : '⚠️ not reached (bounded)';
    return `| ${cell(recordLabel(r))} | ${cell(g.property)} | ${reached} | ${witness ? `\`${cell(witness)}\`` : '-'} |`;
  }));
  if (rows.length === 0) return [];
  const reached = records.reduce((n, r) => n + r.result.goals.filter((g) => g.reached).length, 0);
  const table = ['| check | goal | reached | witness |', '| --- | --- | --- | --- |', ...rows, ''];
  if (reached < rows.length) return ['### Reachability goals', '', ...table];
  return ['<details>', `<summary>Reachability goals: all ${rows.length} reached</summary>`, '', ...table, '</details>', ''];
}

/**
 * --coverage: the warnings of verified checks (transitions never fired) open, then each check's table
 * folded into `<details>`, its summary line saying how much of each machine ran.
 */
function coverageSection(records: CheckRecord[]): string[] {
  const covered = records.filter((r) => r.result.coverage);
  if (covered.length === 0) return [];
  const lines = ['### Coverage', ''];
  const warnings = covered.flatMap(coverageWarnings);
  if (warnings.length > 0) lines.push(...warnings.map((w) => `- ⚠️ ${cell(w)}`), '');
  for (const r of covered) {
    const summary = r.result.coverage!.map(actorSummary).join('; ');
    lines.push('<details>', `<summary>${html(`${recordLabel(r)}: ${summary}`)}</summary>`, '', ...coverageMarkdown(r), '', '</details>', '');
  }
  return lines;
}

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
  // --store compact or bitstate: each probabilistic verdict with its estimated probability of a missed state.
  const probabilistic = records.map((r) => [r, probabilisticVerdict(r)] as const).filter(([, p]) => p !== null);
  if (probabilistic.length > 0) lines.push(...probabilistic.map(([r, p]) => `- ${cell(`${recordLabel(r)}: ${p}`)}`), '');
  lines.push(...goalsSection(records));
  lines.push(...coverageSection(records));
  const withTrace = records.filter((r) => r.trace);
  const expected = withTrace.filter((r) => outcomeOf(r, againstExpectation) === 'pass');
  for (const r of withTrace.filter((x) => !expected.includes(x))) {
    lines.push(`### ${cell(recordLabel(r))}: counterexample`, '');
    if (r.tracePath) lines.push(`Trace file: \`${r.tracePath}\``, '');
    lines.push(renderMarkdown(r.trace!, { headingLevel: 3, title: null }).trimEnd(), '');
    for (const m of r.moreTraces ?? []) {
      lines.push(`### ${cell(recordLabel(r))}: counterexample of ${cell(m.trace.property)}`, '');
      if (m.tracePath) lines.push(`Trace file: \`${m.tracePath}\``, '');
      lines.push(renderMarkdown(m.trace, { headingLevel: 3, title: null }).trimEnd(), '');
    }
  }
  if (expected.length > 0) {
    lines.push('### Expected violations', '');
    for (const r of expected) {
      const v = r.result.violations[0];
      lines.push('<details>', `<summary>${html(`${recordLabel(r)}: ${v.property} violated as expected (${v.steps.length} steps)`)}</summary>`, '');
      if (r.tracePath) lines.push(`Trace file: \`${r.tracePath}\``, '');
      lines.push(renderMarkdown(r.trace!, { headingLevel: 3, title: null }).trimEnd(), '', '</details>', '');
    }
  }
  return lines.join('\n') + '\n';
}
