// The vmbus-check command line: yargs wiring only. Each command lives in commands/, every exit code in
// exitCodes.ts. Errors a user can cause are printed as one line (the stack only with --debug).
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import yargs from 'yargs';
import type { Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { ExploreOptions } from '../checker/index.ts';
import { checkCommand, REPORT_FORMATS } from './commands/check.ts';
import type { ReportFormat } from './commands/check.ts';
import { compareCommand } from './commands/compare.ts';
import { listCommand } from './commands/list.ts';
import { REPLAY_FORMATS, replayCommand } from './commands/replay.ts';
import type { ReplayFormat } from './commands/replay.ts';
import { CliError, ExitCode } from './exitCodes.ts';
import { firstLine } from './firstLine.ts';

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

type Args = Record<string, unknown>;

function wholeNumber(a: Args, flag: string, min: number): number | undefined {
  const v = a[flag];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new CliError(`--${flag} must be a whole number of at least ${min}`);
  return v;
}

function boundsOf(a: Args): ExploreOptions {
  const bounds: ExploreOptions = {};
  const maxStates = wholeNumber(a, 'max-states', 1);
  const maxDepth = wholeNumber(a, 'max-depth', 0);
  if (maxStates !== undefined) bounds.maxStates = maxStates;
  if (maxDepth !== undefined) bounds.maxDepth = maxDepth;
  const t = a['time-limit'];
  if (t !== undefined) {
    if (typeof t !== 'number' || !(t > 0) || !Number.isFinite(t)) throw new CliError('--time-limit must be a positive number of seconds');
    bounds.timeLimitSeconds = t;
  }
  if (a.paranoid === true) bounds.paranoid = true;
  return bounds;
}

function explorationOptions<T>(y: Argv<T>) {
  return y
    .option('max-states', { type: 'number', describe: 'stop after this many distinct states (verdict: bounded)' })
    .option('max-depth', { type: 'number', describe: 'explore at most this many steps deep (verdict: bounded)' })
    .option('time-limit', { type: 'number', describe: 'stop after this many seconds (verdict: bounded)' })
    .option('paranoid', { type: 'boolean', describe: 're-run every memoised transition to catch impure model code (slower; by default a sample is re-run)' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress output' })
    .option('progress-interval', { type: 'number', hidden: true, describe: 'milliseconds between progress reports' });
}

function checkOptions<T>(y: Argv<T>) {
  return explorationOptions(y)
    .option('variant', { type: 'string', describe: 'check only this variant of the scenario' })
    .option('out', { type: 'string', describe: 'write the counterexample trace here (JSON)' })
    .option('format', { choices: REPORT_FORMATS, default: 'text' as ReportFormat, describe: 'report format' });
}

const progressInterval = (a: Args) => wholeNumber(a, 'progress-interval', 0);

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();

export async function main(argv: string[]): Promise<ExitCode> {
  // `vmbus-check ... | head` closes stdout early: stop quietly instead of crashing with EPIPE.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  let code: ExitCode = ExitCode.ok;
  const stdout = (s: string) => { process.stdout.write(s); };
  const stderr = (s: string) => { process.stderr.write(s); };
  const run = (command: (a: Args) => Promise<ExitCode>) => async (a: Args) => { code = await command(a); };
  const check = run((a) => checkCommand({
    target: a.target as string | undefined, variant: a.variant as string | undefined, bounds: boundsOf(a),
    out: a.out as string | undefined, format: a.format as ReportFormat, quiet: a.quiet as boolean, progressIntervalMs: progressInterval(a),
  }, stdout));

  const parser = yargs(argv)
    .scriptName('vmbus-check')
    .usage('$0 [command]\n\nModel-check races between Hyper-V hosts, paravisors and guests over SynIC and VMBus.')
    .command('$0', 'check every built-in scenario and variant against its expected verdict', (y) => checkOptions(y), check)
    .command('check [target]', 'check a built-in scenario or your own model module (path/to/model.ts)',
      (y) => checkOptions(y).positional('target', { type: 'string', describe: 'a built-in scenario name or a .ts module; omitted: every built-in' }), check)
    .command('replay <trace>', 're-execute a counterexample trace against the models and show it',
      (y) => y
        .positional('trace', { type: 'string', describe: 'a trace file written by check --out' })
        .option('model', { type: 'string', describe: 'replay against this .ts model module instead of the one the trace names (which is loaded only if it lies under the working directory or beside the trace)' })
        .option('step', { type: 'number', describe: 'stop after this step and print the whole global state (0: the initial state)' })
        .option('format', { choices: REPLAY_FORMATS, default: 'text' as ReplayFormat, describe: 'how to show the trace' }),
      run((a) => replayCommand({ trace: a.trace as string, model: a.model as string | undefined, step: wholeNumber(a, 'step', 0), format: a.format as ReplayFormat }, stdout, stderr)))
    .command('compare <scenario>', "check variants side by side and replay the first violated one's counterexample against the others",
      (y) => explorationOptions(y)
        .positional('scenario', { type: 'string', describe: 'a built-in scenario name or a .ts module exporting a scenario' })
        .option('variants', { type: 'string', demandOption: true, describe: 'comma-separated variant names, e.g. buggy,fixed' }),
      run((a) => compareCommand({
        scenario: a.scenario as string, variants: a.variants as string, bounds: boundsOf(a), quiet: a.quiet as boolean, progressIntervalMs: progressInterval(a),
      }, stdout)))
    .command('list [target]', 'list scenarios, their variants, parameters and descriptions',
      (y) => y.positional('target', { type: 'string', describe: 'a scenario name or a .ts module; omitted: every built-in' }),
      run((a) => listCommand(a.target as string | undefined, stdout)))
    .option('debug', { type: 'boolean', default: false, global: true, describe: 'print stack traces of errors' })
    .strict()
    .help()
    .alias('h', 'help')
    .version(version)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new CliError(`${oneLine(msg)} (see vmbus-check --help)`);
    });

  try {
    await parser.parseAsync();
  } catch (e) {
    const debug = argv.includes('--debug');
    if (e instanceof CliError) {
      stderr(`vmbus-check: ${e.message}\n`);
      if (debug) stderr(`${(e.cause instanceof Error && e.cause.stack) || e.stack}\n`);
      return e.exitCode;
    }
    stderr(`vmbus-check: internal error: ${firstLine(e)}${debug ? '' : ' (run with --debug for the stack trace)'}\n`);
    if (debug && e instanceof Error) stderr(`${e.stack}\n`);
    return ExitCode.usage;
  }
  return code;
}

// Run directly (`npx tsx cli/main.ts`, `npm run check`); bin/vmbus-check.js calls main() itself.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(hideBin(process.argv));
}
