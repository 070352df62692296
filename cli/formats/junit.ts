// `--format junit`: JUnit XML for CI test reporters, one test case per scenario and variant. A check
// fails exactly when it would fail the exit code: an unexpected violation is a <failure> carrying the
// text timeline; a run cut short by a bound is an <error> (no verdict); a check an interrupt kept from
// starting is <skipped>. A variant's parameters are the test case's <properties>.
import { renderTimeline } from '../../traces/index.ts';
import { outcomeOf } from '../exitCodes.ts';
import { failureText, notAsExpected } from '../expectation.ts';
import type { ParameterValue } from '../../checker/index.ts';
import type { CheckRecord, SkippedCheck } from '../runChecks.ts';

export function escapeXml(s: string): string {
  // Characters XML 1.0 cannot carry at all are dropped; markup characters are escaped.
  return s
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function junitReport(records: CheckRecord[], againstExpectation: boolean, skipped: SkippedCheck[] = []): string {
  const outcomes = records.map((r) => outcomeOf(r, againstExpectation));
  const failures = outcomes.filter((o) => o === 'fail').length;
  const errors = outcomes.filter((o) => o === 'bounded').length;
  const seconds = records.reduce((t, r) => t + r.result.stats.seconds, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="vmbus-check" tests="${records.length + skipped.length}" failures="${failures}" errors="${errors}" skipped="${skipped.length}" time="${seconds.toFixed(3)}">`,
  ];
  const suites = [...new Set([...records, ...skipped].map((r) => r.scenario))];
  for (const suite of suites) {
    const mine = records.filter((r) => r.scenario === suite);
    const notRun = skipped.filter((s) => s.scenario === suite);
    const o = mine.map((r) => outcomeOf(r, againstExpectation));
    lines.push(`  <testsuite name="${escapeXml(suite)}" tests="${mine.length + notRun.length}" failures="${o.filter((x) => x === 'fail').length}" errors="${o.filter((x) => x === 'bounded').length}" skipped="${notRun.length}" time="${mine.reduce((t, r) => t + r.result.stats.seconds, 0).toFixed(3)}">`);
    for (const r of mine) lines.push(...testCase(r, outcomeOf(r, againstExpectation), notAsExpected(r, againstExpectation)));
    for (const s of notRun) lines.push(...skippedCase(s));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}

/**
 * The variant's parameters, as <properties> of its test case (a verdict holds for these limits only, e.g.
 * servicings=2), first among the test case's children as JUnit readers that accept them expect.
 */
function properties(parameters: Record<string, ParameterValue>): string[] {
  const entries = Object.entries(parameters);
  if (entries.length === 0) return [];
  return [
    '      <properties>',
    ...entries.map(([name, value]) => `        <property name="${escapeXml(name)}" value="${escapeXml(String(value))}"/>`),
    '      </properties>',
  ];
}

/** A check an interrupt kept from starting: JUnit's <skipped>, so it is listed rather than left out. */
function skippedCase(s: SkippedCheck): string[] {
  return [
    `    <testcase classname="${escapeXml(s.scenario)}" name="${escapeXml(s.variant ?? s.scenario)}" time="0.000">`,
    ...properties(s.parameters),
    `      <skipped message="not run: ${s.reason}"/>`,
    '    </testcase>',
  ];
}

const verdictMemory = (r: CheckRecord) => (r.result.memoryCaveat === null ? r.memory : `${r.memory} (${r.result.memoryCaveat})`);

function testCase(r: CheckRecord, outcome: string, mismatch: string | null): string[] {
  const name = (r.variant ?? r.scenario) + (r.memoryAsked ? ` [${r.memory}]` : '');
  const open = `    <testcase classname="${escapeXml(r.scenario)}" name="${escapeXml(name)}" time="${r.result.stats.seconds.toFixed(3)}">`;
  const v = r.result.violations[0];
  const body: string[] = properties(r.memoryAsked || r.memory !== 'sc' ? { ...r.parameters, memory: verdictMemory(r) } : r.parameters);
  const timeline = r.trace ? renderTimeline(r.trace) : '';
  const notExpected = mismatch ? `not as expected: ${mismatch}` : null;
  if (outcome === 'fail' && v) {
    const message = `${notExpected ? `${notExpected}: ` : ''}${v.property} violated: ${v.message}`;
    body.push(`      <failure type="${escapeXml(v.property)}" message="${escapeXml(message)}">${escapeXml(timeline)}</failure>`);
  } else if (outcome === 'fail') {
    body.push(`      <failure type="unexpected-verdict" message="${escapeXml(notExpected ?? failureText(r))}"/>`);
  } else if (outcome === 'bounded') {
    const why = r.result.bounds.map((b) => b.detail).join('; ');
    body.push(`      <error type="bounded" message="${escapeXml(`no verdict: ${why}`)}"/>`);
  } else if (v) {
    // An expected violation passes; its counterexample is still worth keeping in the report.
    body.push(`      <system-out>${escapeXml(`${v.property} violated as expected: ${v.message}\n${timeline}`)}</system-out>`);
  }
  return body.length === 0 ? [open.replace(/>$/, '/>')] : [open, ...body, '    </testcase>'];
}
