// `--format github`: workflow commands that GitHub Actions turns into annotations on the run (and on the
// model file, for a user's module). Syntax: docs.github.com, "Workflow commands for GitHub Actions".
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { safeText } from '../../traces/index.ts';
import { outcomeOf } from '../exitCodes.ts';
import { failureText, notAsExpected } from '../expectation.ts';
import { relativeInside } from '../relativeInside.ts';
import { recordLabel } from '../runChecks.ts';
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
export function annotationPath(module: string, workspace: string | undefined = process.env.GITHUB_WORKSPACE): string {
  const file = realPath(module);
  for (const root of [workspace, process.cwd()]) {
    const rel = root ? relativeInside(realPath(root), file) : null;
    if (rel !== null) return rel;
  }
  return path.resolve(module).split(path.sep).join('/');
}

export function githubAnnotations(records: CheckRecord[], againstExpectation: boolean): string {
  const lines: string[] = [];
  for (const r of records) {
    const label = recordLabel(r);
    const file = r.source.module === 'builtin' ? undefined : annotationPath(r.source.module);
    const outcome = outcomeOf(r, againstExpectation);
    const v = r.result.violations[0];
    const mismatch = notAsExpected(r, againstExpectation);
    if (outcome === 'fail' && v) {
      const where = r.tracePath ? `; trace: ${r.tracePath}` : '';
      const title = `vmbus-check: ${label} violates ${v.property}`;
      lines.push(command('error', { file, title }, `${mismatch ? `not as expected (${mismatch}): ` : ''}${v.message} (counterexample of ${v.steps.length} steps${where})`));
    } else if (outcome === 'fail') {
      lines.push(command('error', { file, title: `vmbus-check: ${label} not as expected` }, mismatch ?? failureText(r)));
    } else if (outcome === 'bounded') {
      lines.push(command('warning', { file, title: `vmbus-check: no verdict for ${label}` }, r.result.bounds.map((b) => b.detail).join('; ')));
    }
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}
