// `--format junit`: JUnit XML for CI test reporters, one test case per scenario and variant. A check
// fails exactly when it would fail the exit code: an unexpected violation is a <failure> carrying the
// text timeline; a run cut short by a bound is an <error> (no verdict); a check an interrupt kept from
// starting is <skipped>.
//
// The output validates against the JUnit schema of Jenkins' xunit plugin (junit-10.xsd, the common
// denominator of JUnit readers; test/fixtures/junit-10.xsd), which allows no attributes on <testcase>
// beyond name, classname, time and group and no <properties> inside it. So a variant's parameters are
// <properties> of its <testsuite>, named `<variant>.<parameter>`, and where the model is defined goes
// where that schema and the GitHub reporters allow: the scenario's file as the <testsuite>'s `file`,
// and location lines closing the text of each <failure>, <error> and <system-out> (README, "Job 1").
import { renderTimeline } from '../../traces/timeline.ts';
import { outcomeOf } from '../exitCodes.ts';
import { failureText, notAsExpected } from '../expectation.ts';
import path from 'node:path';
import type { ParameterValue, SourceLocation } from '../../checker/index.ts';
import { reportPath } from './github.ts';
import { coverageText, coverageWarnings } from './coverage.ts';
import { probabilisticVerdict } from './approximation.ts';
import type { CheckRecord, SkippedCheck } from '../runChecks.ts';

export function escapeXml(s: string): string {
  // Characters XML 1.0 cannot carry at all are dropped; markup characters are escaped.
  return s
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function junitReport(records: CheckRecord[], againstExpectation: boolean, skipped: SkippedCheck[] = [], workspace?: string): string {
  const outcomes = records.map((r) => outcomeOf(r, againstExpectation));
  const failures = outcomes.filter((o) => o === 'fail').length;
  const errors = outcomes.filter((o) => o === 'bounded').length;
  const seconds = records.reduce((t, r) => t + r.result.stats.seconds, 0);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    // No `skipped` here: junit-10.xsd allows it on <testsuite> only.
    `<testsuites name="vmbus-check" tests="${records.length + skipped.length}" failures="${failures}" errors="${errors}" time="${seconds.toFixed(3)}">`,
  ];
  const suites = [...new Set([...records, ...skipped].map((r) => r.scenario))];
  for (const suite of suites) {
    const mine = records.filter((r) => r.scenario === suite);
    const notRun = skipped.filter((s) => s.scenario === suite);
    const o = mine.map((r) => outcomeOf(r, againstExpectation));
    // The scenario's file; for a plain system, where it was defined, else its module.
    const at = mine.map((r) => r.locations?.scenario ?? r.locations?.system).find((l) => l);
    const userModule = mine.find((r) => r.source.module !== 'builtin')?.source.module;
    const file = at ? reportPath(at.file, workspace) : userModule !== undefined ? reportPath(path.resolve(userModule), workspace) : undefined;
    lines.push(`  <testsuite name="${escapeXml(suite)}" tests="${mine.length + notRun.length}" failures="${o.filter((x) => x === 'fail').length}" errors="${o.filter((x) => x === 'bounded').length}" skipped="${notRun.length}" time="${mine.reduce((t, r) => t + r.result.stats.seconds, 0).toFixed(3)}"${file ? ` file="${escapeXml(file)}"` : ''}>`);
    lines.push(...properties([...mine.map((r) => [r.variant, caseParameters(r)] as const), ...notRun.map((x) => [x.variant, x.parameters] as const)]));
    for (const r of mine) lines.push(...testCase(r, outcomeOf(r, againstExpectation), notAsExpected(r, againstExpectation), workspace));
    for (const s of notRun) lines.push(...skippedCase(s));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}

/**
 * Each variant's parameters (a verdict holds for these limits only, e.g. servicings=2), as the suite's
 * <properties>, `<variant>.<name>`; a plain system has none.
 */
function properties(cases: (readonly [string | null, Record<string, ParameterValue>])[]): string[] {
  const entries = cases.flatMap(([variant, parameters]) => Object.entries(parameters).map(([name, value]) => [variant === null ? name : `${variant}.${name}`, String(value)]));
  if (entries.length === 0) return [];
  return [
    '    <properties>',
    ...entries.map(([name, value]) => `      <property name="${escapeXml(name)}" value="${escapeXml(value)}"/>`),
    '    </properties>',
  ];
}

/** A check an interrupt kept from starting: JUnit's <skipped>, so it is listed rather than left out. */
function skippedCase(s: SkippedCheck): string[] {
  return [
    `    <testcase classname="${escapeXml(s.scenario)}" name="${escapeXml(s.variant ?? s.scenario)}" time="0.000">`,
    `      <skipped message="not run: ${s.reason}"/>`,
    '    </testcase>',
  ];
}

const verdictMemory = (r: CheckRecord) => (r.result.memoryCaveat === null ? r.memory : `${r.memory} (${r.result.memoryCaveat})`);

/** A check's parameters as reported: under tso or arm (or --memory) its memory model too. */
const caseParameters = (r: CheckRecord) => (r.memoryAsked || r.memory !== 'sc' ? { ...r.parameters, memory: verdictMemory(r) } : r.parameters);

/**
 * Dotted "package" of a path's folders, for the `at pkg.Kind.name(file.ts:line)` line that
 * dorny/test-reporter's java-junit parser resolves against the repository's files (it takes the
 * folders as the parts before the first capitalised one); null where the folders cannot be said so.
 */
function javaStyleFrame(file: string, line: number, kind: 'Property' | 'Variant', name: string): string | null {
  const folders = path.posix.dirname(file).split('/');
  if (path.posix.isAbsolute(file) || folders[0] === '.' || !folders.every((f) => /^[a-z_][A-Za-z0-9_$-]*$/.test(f))) return null;
  return `at ${folders.join('.')}.${kind}.${name.replace(/[^A-Za-z0-9_$]/g, '_') || '_'}(${path.posix.basename(file)}:${line})`;
}

/**
 * Lines that close a test case's text, saying where its model is defined: first the dorny form for
 * the violated property, then for the variant, then `variant V: file:line` and `property P: file:line`,
 * which mikepenz/action-junit-report finds next to the suite's `file` (it takes the last match).
 */
export function locationLines(r: CheckRecord, property: string | undefined, workspace?: string): string[] {
  const l = r.locations;
  if (!l) return [];
  const places: [kind: 'Property' | 'Variant', name: string, at: SourceLocation][] = [];
  const propertyAt = property !== undefined ? l.properties[property] : undefined;
  if (propertyAt) places.push(['Property', property!, propertyAt]);
  const variantAt = l.variant ?? l.system ?? l.scenario;
  if (variantAt) places.push(['Variant', r.variant ?? r.scenario, variantAt]);
  const shown = places.map(([kind, name, at]) => [kind, name, reportPath(at.file, workspace), at.line] as const);
  return [
    ...shown.map(([kind, name, file, line]) => javaStyleFrame(file, line, kind, name)).filter((x): x is string => x !== null),
    ...shown.reverse().map(([kind, name, file, line]) => `${kind === 'Property' ? 'property' : 'variant'} ${name}: ${file}:${line}`),
  ];
}

function testCase(r: CheckRecord, outcome: string, mismatch: string | null, workspace?: string): string[] {
  const name = (r.variant ?? r.scenario) + (r.memoryAsked ? ` [${r.memory}]` : '');
  const open = `    <testcase classname="${escapeXml(r.scenario)}" name="${escapeXml(name)}" time="${r.result.stats.seconds.toFixed(3)}">`;
  const v = r.result.violations[0];
  const body: string[] = [];
  const where = locationLines(r, v?.property, workspace);
  const located = (text: string) => [text.trimEnd(), ...(where.length > 0 ? ['', ...where] : [])].join('\n');
  // --all-violations: each other violated property's counterexample follows the first.
  const timeline = r.trace ? [r.trace, ...(r.moreTraces ?? []).map((m) => m.trace)].map(renderTimeline).join('\n') : '';
  const notExpected = mismatch ? `not as expected: ${mismatch}` : null;
  if (outcome === 'fail' && v) {
    const others = (r.moreTraces ?? []).map((m) => m.trace.property);
    const message = `${notExpected ? `${notExpected}: ` : ''}${v.property} violated: ${v.message}${others.length > 0 ? ` (also violated: ${others.join(', ')})` : ''}`;
    body.push(`      <failure type="${escapeXml(v.property)}" message="${escapeXml(message)}">${escapeXml(located(timeline))}</failure>`);
  } else if (outcome === 'fail') {
    body.push(`      <failure type="unexpected-verdict" message="${escapeXml(notExpected ?? failureText(r))}">${escapeXml(located(''))}</failure>`);
  } else if (outcome === 'bounded') {
    const why = r.result.bounds.map((b) => b.detail).join('; ');
    body.push(`      <error type="bounded" message="${escapeXml(`no verdict: ${why}`)}">${escapeXml(located(''))}</error>`);
  } else if (v) {
    // An expected violation passes; its counterexample is still worth keeping in the report.
    body.push(`      <system-out>${escapeXml(located(`${v.property} violated as expected: ${v.message}\n${timeline}`))}</system-out>`);
  }
  // --store compact or bitstate: a pass that is probabilistic says so.
  const probabilistic = probabilisticVerdict(r);
  if (probabilistic) body.push(`      <system-out>${escapeXml(probabilistic)}</system-out>`);
  // --coverage: the tables, and a verified check's warnings, in a <system-out> of its own.
  if (r.result.coverage) {
    const warnings = coverageWarnings(r).map((w) => `warning: ${w}`);
    body.push(`      <system-out>${escapeXml([coverageText(r).trimEnd(), ...(warnings.length > 0 ? ['', ...warnings] : [])].join('\n'))}</system-out>`);
  }
  return body.length === 0 ? [open.replace(/>$/, '/>')] : [open, ...body, '    </testcase>'];
}
