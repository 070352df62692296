// `vmbus-check merge <report.json>...`: one verdict per check from the JSON reports of several runs (the
// shards of a CI matrix), printed as a table or as JSON Lines, with the exit code a single run would have.
import { readFileSync } from 'node:fs';
import { approximationText } from '../../checker/index.ts';
import { safeLines } from '../../traces/index.ts';
import { CliError, ExitCode } from '../exitCodes.ts';
import { table } from '../formats/columns.ts';
import { mergedOutcome, mergeReports, parseReport } from '../mergeReports.ts';
import type { MergedCheck } from '../mergeReports.ts';

import type { MergeFormat } from '../formatNames.ts';
export { MERGE_FORMATS } from '../formatNames.ts';
export type { MergeFormat };

function read(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError((e as NodeJS.ErrnoException).code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(e as Error).message}`);
  }
}

const label = (m: MergedCheck) => (m.variant === null ? m.scenario : `${m.scenario}/${m.variant}`) + (m.memory === 'sc' ? '' : ` [${m.memory}]`);

function text(merged: MergedCheck[]): string {
  const rows = merged.map((m) => {
    const outcome = mergedOutcome(m);
    return [m.scenario, m.variant ?? '-', m.memory, m.verdict, m.expected ?? '-', String(m.runs), outcome === 'fail' ? 'FAILED' : outcome === 'bounded' ? 'BOUNDED' : ''];
  });
  let out = table(['scenario', 'variant', 'memory', 'verdict', 'expected', 'runs', 'result'], rows, new Set([5]));
  const lines: string[] = [];
  for (const m of merged) {
    const v = m.violation;
    if (v) {
      lines.push(`${label(m)}: ${v.property} violated after ${v.steps} steps: ${v.message}`);
      if (v.found) lines.push(`${label(m)}: found by random walk ${v.found.walk} from seed ${v.found.seed}`);
      if (v.trace) lines.push(`${label(m)}: counterexample in ${v.trace}`);
    }
    if (m.approximation) lines.push(`${label(m)}: verified (probabilistic: ${approximationText(m.approximation)})`);
    for (const b of m.bounds) lines.push(`${label(m)}: bounded (${b})`);
  }
  if (lines.length > 0) out += '\n' + lines.join('\n') + '\n';
  const fails = merged.filter((m) => mergedOutcome(m) === 'fail').length;
  const bounded = merged.filter((m) => mergedOutcome(m) === 'bounded').length;
  const n = `${merged.length} check${merged.length === 1 ? '' : 's'}`;
  return out + `\n${n}: ${fails > 0 ? `${fails} failed` : bounded > 0 ? `${bounded} without a verdict (a bound was hit)` : 'every verdict as expected'}\n`;
}

export function mergeCommand(files: string[], format: MergeFormat, stdout: (s: string) => void): ExitCode {
  if (files.length === 0) throw new CliError('merge needs the JSON reports to merge: vmbus-check merge shard-1.json shard-2.json ...');
  const lines = files.flatMap((f) => parseReport(read(f), f));
  if (lines.length === 0) throw new CliError('the reports hold no checks');
  const merged = mergeReports(lines);
  stdout(format === 'json' ? merged.map((m) => JSON.stringify({ ...m, outcome: mergedOutcome(m) }) + '\n').join('') : safeLines(text(merged)));
  const outcomes = merged.map(mergedOutcome);
  return outcomes.includes('fail') ? ExitCode.violation : outcomes.includes('bounded') ? ExitCode.bounded : ExitCode.ok;
}
