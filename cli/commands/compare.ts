// `vmbus-check compare <scenario> --variants a,b[,c]`: the fix-modelling job. Checks each variant, shows
// the verdicts side by side, then replays the first violated variant's counterexample against each of
// the others, saying at which step it becomes impossible.
import type { ExploreOptions, MemoryModelName, RandomSearchOptions } from '../../checker/index.ts';
import { safeLines } from '../../traces/index.ts';
import { counterexampleAgainst, describeStep } from '../counterexampleAgainst.ts';
import type { Against } from '../counterexampleAgainst.ts';
import { CliError, exitCodeOf } from '../exitCodes.ts';
import type { ExitCode } from '../exitCodes.ts';
import { findings, verdictTable } from '../formats/textTable.ts';
import { interruptOnSigint } from '../interrupt.ts';
import { loadTarget, selectVariants } from '../loadSystem.ts';
import { progressReporter } from '../progress.ts';
import { jobsFor, runChecks } from '../runChecks.ts';
import type { CheckRecord } from '../runChecks.ts';

export interface CompareArgs {
  scenario: string;
  variants: string;
  /** --param name=value: settable parameters, set on every variant compared. */
  params?: Record<string, string>;
  bounds: ExploreOptions;
  /** --memory: each variant under each of these models, side by side like variants. */
  memories?: MemoryModelName[];
  quiet: boolean;
  progressIntervalMs?: number;
  /** Search in a worker thread that --time-limit and Ctrl-C can always stop (cli/searchThread.ts). */
  inThread: boolean;
  /** --random: a random search instead of the exhaustive one. */
  random?: RandomSearchOptions;
  /** --workers: search threads at once (default 1). */
  workers?: number;
}

export function parseVariantList(list: string, memories = 1): string[] {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0 || names.length * memories < 2) throw new CliError('--variants needs at least two variant names, separated by commas (e.g. --variants buggy,fixed)');
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new CliError(`--variants names '${dup}' twice`);
  return names;
}

export function describeAgainst(a: Against, from: CheckRecord): string {
  const total = from.result.violations[0].steps.length;
  switch (a.kind) {
    case 'impossible': {
      const offered = a.enabled.length === 0 ? 'nothing is enabled there' : `enabled there: ${a.enabled.map(describeStep).join('; ')}`;
      return `impossible at step ${a.step} of ${total}: ${describeStep(a.taken)} is not enabled (${offered})`;
    }
    case 'violated':
      return `still violated: ${a.property} at step ${a.step} of ${total}: ${a.message}`;
    case 'bounded':
      return `no answer: step ${a.step} of ${total} hits a bound (${a.reason})`;
    case 'harmless':
      if (a.notLasso) return `all ${a.steps} steps are possible, but they are no liveness counterexample there: ${a.notLasso}`;
      return `all ${a.steps} steps are possible, and no invariant or stall property is violated along them`;
  }
}

export async function compareCommand(args: CompareArgs, stdout: (s: string) => void): Promise<ExitCode> {
  const names = parseVariantList(args.variants, args.memories?.length ?? 1);
  const target = await loadTarget(args.scenario);
  const params = args.params ?? {};
  const variants = selectVariants(target, names).map((v) => (Object.keys(params).length > 0 ? v.withParameters(params, 'text') : v));
  const interrupt = interruptOnSigint();
  let records: CheckRecord[];
  try {
    ({ records } = await runChecks(jobsFor(target, variants, args.memories), {
      bounds: args.bounds, signal: interrupt.signal, inThread: args.inThread, random: args.random, workers: args.workers,
      progress: progressReporter({ quiet: args.quiet, intervalMs: args.progressIntervalMs, bounds: args.bounds }),
    }));
  } finally {
    interrupt.dispose();
  }

  let out = verdictTable(records, true);
  const found = findings(records, true);
  if (found) out += '\n' + found;
  const violated = records.find((r) => r.result.verdict === 'violated');
  if (interrupt.signal.aborted) {
    out += '\ninterrupted: counterexamples were not replayed\n';
  } else if (!violated) {
    out += '\nno variant is violated: there is no counterexample to replay\n';
  } else {
    const v = violated.result.violations[0];
    const name = (r: CheckRecord) => (args.memories ? `${r.variant} [${r.memory}]` : r.variant);
    out += `\nthe counterexample of ${name(violated)} (${v.property}, ${v.steps.length} steps) replayed against:\n`;
    for (const r of records) {
      if (r === violated) continue;
      out += `  ${name(r)}: ${describeAgainst(counterexampleAgainst({ ...r.system, memory: r.memory }, v), violated)}\n`;
    }
  }
  stdout(safeLines(out));
  return exitCodeOf(records, true, interrupt.signal.aborted);
}
