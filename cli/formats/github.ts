// `--format github`: workflow commands that GitHub Actions turns into annotations on the run (and on the
// model file, for a user's module). Syntax: docs.github.com, "Workflow commands for GitHub Actions".
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { safeLines, safeText } from '../../traces/safeText.ts';
import { renderTimeline } from '../../traces/timeline.ts';
import { outcomeOf } from '../exitCodes.ts';
import { failureText, notAsExpected } from '../expectation.ts';
import { relativeInside } from '../relativeInside.ts';
import { reportLocation } from '../modelLocations.ts';
import { recordLabel } from '../runChecks.ts';
import { actorSummary, coverageWarnings } from './coverage.ts';
import { probabilisticVerdict } from './approximation.ts';
import type { CheckRecord } from '../runChecks.ts';

// GitHub's own escapes for line breaks (an annotation may span lines), then safeText for the rest.
const escapeData = (s: string) => safeText(s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

function command(level: 'error' | 'warning' | 'notice', props: Record<string, string | undefined>, message: string): string {
  const p = Object.entries(props).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${escapeProperty(v!)}`).join(',');
  return `::${level}${p ? ' ' + p : ''}::${escapeData(message)}`;
}

const realPath = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
};

/**
 * The `file=` of an annotation. GitHub places one on a file only given its path relative to the
 * repository's root: GITHUB_WORKSPACE in a workflow, else the working directory. Real paths on both sides,
 * so a model reached through a symbolic link still counts as lying under it. Outside: the absolute path.
 */
export function annotationPath(module: string, workspace: string | undefined): string {
  const file = realPath(module);
  for (const root of [workspace, process.cwd()]) {
    const rel = root ? relativeInside(realPath(root), file) : null;
    if (rel !== null) return rel;
  }
  return path.resolve(module).split(path.sep).join('/');
}

/**
 * The `file=` and `line=` of a check's annotation: the violated property's definition, else the
 * variant's, the system's or the scenario's (modelLocations.ts); a user's module without a known line
 * is still named. A built-in model installed as a package (under node_modules, or outside the
 * repository) is not a file of the pull request: no file then.
 */
/** A model file as reports name it: relative to the repository's root, or absolute outside it. */
export const reportPath = (file: string, workspace: string | undefined) => annotationPath(file, workspace);

export function annotationPlace(r: CheckRecord, property: string | undefined, workspace: string | undefined): { file?: string; line?: string } {
  const at = reportLocation(r.locations, property);
  if (at) {
    const file = annotationPath(at.file, workspace);
    const inRepository = !path.isAbsolute(file) && !/(^|\/)node_modules\//.test(file);
    if (inRepository || r.source.module !== 'builtin') return { file, line: String(at.line) };
  }
  return r.source.module === 'builtin' ? {} : { file: annotationPath(r.source.module, workspace) };
}

/** A counterexample of more than this many steps has its timeline folded into a `::group::` of the log. */
export const LONG_TIMELINE_STEPS = 10;

/**
 * The counterexamples' timelines for the job's log: every one that fails the run (a single check's
 * even when expected), each long one (more than 10 steps) inside `::group::`/`::endgroup::` so the log stays readable. The
 * group's title escapes its own text; every line inside goes through safeLines, so no line of a
 * timeline can end the group or start another workflow command.
 */
export function githubTimelines(records: CheckRecord[], againstExpectation: boolean, longerThan = LONG_TIMELINE_STEPS): string {
  const shown = records.filter((r) => r.trace && (records.length === 1 || outcomeOf(r, againstExpectation) === 'fail'))
    .flatMap((r) => [r.trace!, ...(r.moreTraces ?? []).map((m) => m.trace)].map((trace) => ({ r, trace })));
  let out = '';
  for (const { r, trace } of shown) {
    const timeline = safeLines(renderTimeline(trace)).trimEnd();
    const title = `${recordLabel(r)}: counterexample of ${trace.property}, ${trace.steps.length} steps`;
    if (trace.steps.length > longerThan) out += `::group::${escapeData(title)}\n${timeline}\n::endgroup::\n`;
    else out += `\n${timeline}\n`;
  }
  return out;
}

/** `workspace`: the repository's root in a workflow (GITHUB_WORKSPACE), which annotation paths are relative to. */
export function githubAnnotations(records: CheckRecord[], againstExpectation: boolean, workspace?: string): string {
  const lines: string[] = [];
  for (const r of records) {
    const label = recordLabel(r);
    const outcome = outcomeOf(r, againstExpectation);
    const v = r.result.violations[0];
    const { file, line } = annotationPlace(r, v?.property, workspace);
    const mismatch = notAsExpected(r, againstExpectation);
    if (outcome === 'fail' && v) {
      const where = r.tracePath ? `; trace: ${r.tracePath}` : '';
      const title = `vmbus-check: ${label} violates ${v.property}`;
      lines.push(command('error', { file, line, title }, `${mismatch ? `not as expected (${mismatch}): ` : ''}${v.message} (counterexample of ${v.steps.length} steps${where})`));
      // --all-violations: each other violated property, at its own definition.
      for (const m of r.moreTraces ?? []) {
        const p = annotationPlace(r, m.trace.property, workspace);
        const trace = m.tracePath ? `; trace: ${m.tracePath}` : '';
        lines.push(command('error', { file: p.file, line: p.line, title: `vmbus-check: ${label} violates ${m.trace.property}` }, `${m.trace.message} (counterexample of ${m.trace.steps.length} steps${trace})`));
      }
    } else if (outcome === 'fail') {
      lines.push(command('error', { file, line, title: `vmbus-check: ${label} not as expected` }, mismatch ?? failureText(r)));
    } else if (outcome === 'bounded') {
      lines.push(command('warning', { file, line, title: `vmbus-check: no verdict for ${label}` }, r.result.bounds.map((b) => b.detail).join('; ')));
    }
    const probabilistic = probabilisticVerdict(r);
    if (probabilistic) lines.push(command('notice', { file, line, title: `vmbus-check: probabilistic verdict for ${label}` }, probabilistic));
    // --coverage: how much of each machine ran, as a notice; each transition a verified check never fired, a warning.
    if (r.result.coverage) {
      const place = annotationPlace(r, undefined, workspace);
      lines.push(command('notice', { ...place, title: `vmbus-check: coverage of ${label}` }, r.result.coverage.map(actorSummary).join('; ')));
      for (const w of coverageWarnings(r)) lines.push(command('warning', { ...place, title: `vmbus-check: transition never fired in ${label}` }, w));
    }
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}
