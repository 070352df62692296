// `vmbus-check [check [target]]`: check every built-in scenario, one scenario (built-in or a user's
// module), or one variant of it, and report in the format asked for.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ExploreOptions } from '../../checker/index.ts';
import { safeLines, serializeTrace } from '../../traces/index.ts';
import { CliError, exitCodeOf } from '../exitCodes.ts';
import type { ExitCode } from '../exitCodes.ts';
import { githubAnnotations } from '../formats/github.ts';
import { jsonReport } from '../formats/json.ts';
import { junitReport } from '../formats/junit.ts';
import { stepSummary } from '../formats/stepSummary.ts';
import { textReport } from '../formats/textTable.ts';
import { interruptOnSigint } from '../interrupt.ts';
import { builtinTargets, loadTarget, selectVariants } from '../loadSystem.ts';
import { progressReporter } from '../progress.ts';
import { checkLabel, runChecks } from '../runChecks.ts';
import type { CheckJob, CheckRecord, SkippedCheck } from '../runChecks.ts';

export const REPORT_FORMATS = ['text', 'json', 'junit', 'github'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface CheckArgs {
  target?: string;
  variant?: string;
  bounds: ExploreOptions;
  out?: string;
  format: ReportFormat;
  quiet: boolean;
  progressIntervalMs?: number;
}

/** Where a check's trace goes: `--out` itself for one check, else `--out` with the check's name added. */
export function tracePathFor(out: string, record: CheckRecord, single: boolean): string {
  if (single) return out;
  const ext = path.extname(out) || '.json';
  const base = out.slice(0, out.length - path.extname(out).length);
  return `${base}.${checkLabel(record.scenario, record.variant).replace(/[^A-Za-z0-9_.-]+/g, '.')}${ext}`;
}

function writeTrace(file: string, text: string): void {
  try {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileSync(file, text);
  } catch (e) {
    throw new CliError(`cannot write the trace to ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export async function checkCommand(args: CheckArgs, stdout: (s: string) => void): Promise<ExitCode> {
  let jobs: CheckJob[];
  let againstExpectation: boolean;
  if (args.target === undefined) {
    if (args.variant !== undefined) throw new CliError('--variant needs a scenario: vmbus-check check <scenario> --variant <name>');
    jobs = builtinTargets().flatMap((target) => target.variants.map((variant) => ({ target, variant })));
    againstExpectation = true;
  } else {
    const target = await loadTarget(args.target);
    if (args.variant !== undefined) {
      jobs = selectVariants(target, [args.variant]).map((variant) => ({ target, variant }));
      againstExpectation = false;
    } else {
      jobs = target.variants.map((variant) => ({ target, variant }));
      againstExpectation = target.isScenario;
    }
  }

  const interrupt = interruptOnSigint();
  let records: CheckRecord[];
  let skipped: SkippedCheck[];
  try {
    ({ records, skipped } = await runChecks(jobs, {
      bounds: args.bounds, signal: interrupt.signal,
      progress: progressReporter({ quiet: args.quiet, intervalMs: args.progressIntervalMs }),
    }));
  } finally {
    interrupt.dispose();
  }

  if (args.out !== undefined) {
    for (const r of records) {
      if (!r.trace) continue;
      r.tracePath = tracePathFor(args.out, r, jobs.length === 1);
      writeTrace(r.tracePath, serializeTrace(r.trace));
    }
  }

  const notRun = skipped.map((s) => checkLabel(s.scenario, s.variant));
  switch (args.format) {
    case 'json': stdout(jsonReport(records, skipped)); break;
    case 'junit': stdout(safeLines(junitReport(records, againstExpectation, skipped))); break;
    case 'github': {
      // The annotations are the only workflow commands printed; each escapes its own text.
      stdout(githubAnnotations(records, againstExpectation) + safeLines(textReport(records, againstExpectation, notRun)));
      const summary = process.env.GITHUB_STEP_SUMMARY;
      if (summary) {
        try {
          appendFileSync(summary, safeLines(stepSummary(records, againstExpectation)));
        } catch (e) {
          throw new CliError(`cannot write the job summary to ${summary}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      break;
    }
    default: stdout(safeLines(textReport(records, againstExpectation, notRun)));
  }
  return exitCodeOf(records, againstExpectation, interrupt.signal.aborted);
}
