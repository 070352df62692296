// The vmbus-check command line: yargs wiring only. Each command lives in commands/, every exit code in
// exitCodes.ts. Errors a user can cause are printed as one line (the stack only with --debug).
import { pathToFileURL } from 'node:url';
import yargs from 'yargs';
import type { Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { MEMORY_MODELS, STORE_KINDS } from '../checker/index.ts';
import type { ExploreOptions, MemoryModelName, RandomSearchOptions } from '../checker/index.ts';
import { CliError, ExitCode } from './exitCodes.ts';
import { firstLine } from './firstLine.ts';
import { MERGE_FORMATS, REPLAY_FORMATS, REPORT_FORMATS } from './formatNames.ts';
import type { ReportFormat } from './formatNames.ts';
import { memoryLimit } from './memoryLimit.ts';
import { defaultWorkers } from './workers.ts';
import { packageVersion } from './packageVersion.ts';
import { safeText } from '../traces/safeText.ts';

export { memoryLimit };

const version = packageVersion;

type Args = Record<string, unknown>;

// Each command's modules are loaded when it runs, after its flags are parsed: start-up loads neither
// the explorer nor the trace schema nor the report formats for a command that does not use them.
type Commands = typeof import('./commands/check.ts') & typeof import('./commands/compare.ts') & typeof import('./commands/list.ts')
  & typeof import('./commands/merge.ts') & typeof import('./commands/replay.ts');
const checkCommand: Commands['checkCommand'] = async (...a) => (await import('./commands/check.ts')).checkCommand(...a);
const compareCommand: Commands['compareCommand'] = async (...a) => (await import('./commands/compare.ts')).compareCommand(...a);
const listCommand: Commands['listCommand'] = async (...a) => (await import('./commands/list.ts')).listCommand(...a);
const mergeCommand = async (...a: Parameters<Commands['mergeCommand']>) => (await import('./commands/merge.ts')).mergeCommand(...a);
const replayCommand: Commands['replayCommand'] = async (...a) => (await import('./commands/replay.ts')).replayCommand(...a);

/**
 * A flag's one value, as given. Value-taking flags are strings to yargs and parsed here, so that a
 * flag left without a value (`--max-states $UNSET`), an empty value or a flag given twice is a usage
 * error rather than dropped, read as 0 or silently resolved.
 */
function single(a: Args, flag: string): string | undefined {
  const v = a[flag];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new CliError(`--${flag} is given more than once`);
  if (typeof v !== 'string' || v.trim() === '') throw new CliError(`--${flag} needs a value`);
  return v;
}

function wholeNumber(a: Args, flag: string, min: number): number | undefined {
  const v = single(a, flag);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min) throw new CliError(`--${flag} must be a whole number of at least ${min}`);
  return n;
}

function choice<T extends string>(a: Args, flag: string, choices: readonly T[]): T {
  const v = single(a, flag) ?? choices[0];
  if (!(choices as readonly string[]).includes(v)) throw new CliError(`--${flag} must be one of ${choices.join(', ')} (not ${JSON.stringify(v)})`);
  return v as T;
}

function boundsOf(a: Args): ExploreOptions {
  const bounds: ExploreOptions = {};
  const maxStates = wholeNumber(a, 'max-states', 1);
  const maxDepth = wholeNumber(a, 'max-depth', 0);
  if (maxStates !== undefined) bounds.maxStates = maxStates;
  if (maxDepth !== undefined) bounds.maxDepth = maxDepth;
  const maxMemory = single(a, 'max-memory');
  if (maxMemory !== undefined) bounds.maxMemoryBytes = memoryLimit(maxMemory);
  const t = single(a, 'time-limit');
  if (t !== undefined) {
    const seconds = Number(t);
    if (!/^\s*\d*\.?\d+\s*$/.test(t) || !(seconds > 0) || !Number.isFinite(seconds)) throw new CliError('--time-limit must be a positive number of seconds');
    bounds.timeLimitSeconds = seconds;
  }
  if (a.paranoid === true) bounds.paranoid = true;
  if (a['all-violations'] === true) bounds.allViolations = true;
  if (a.coverage === true) bounds.coverage = true;
  // Both reductions are on by default; --no-symmetry and --no-por switch them off, over the config too.
  if (typeof a.symmetry === 'boolean') bounds.symmetry = a.symmetry;
  if (a.symmetry === true && a.random !== undefined) throw new CliError('--symmetry is for the exhaustive search: it cannot be combined with --random');
  if (typeof a.por === 'boolean') bounds.partialOrder = a.por;
  if (a.por === true && a.random !== undefined) throw new CliError('--por is for the exhaustive search: it cannot be combined with --random');
  Object.assign(bounds, storeOf(a));
  return bounds;
}

/** `--store compact|bitstate [--bitstate-bits N] [--bitstate-hashes K]`: how visited states are kept. */
function storeOf(a: Args): Pick<ExploreOptions, 'store' | 'bitstateBits' | 'bitstateHashes'> {
  const store = a.store === undefined ? undefined : choice(a, 'store', STORE_KINDS);
  const bits = wholeNumber(a, 'bitstate-bits', 3);
  const hashes = wholeNumber(a, 'bitstate-hashes', 1);
  if (bits !== undefined && bits > 32) throw new CliError('--bitstate-bits must be a whole number from 3 to 32 (the bit array has 2^N bits)');
  if (hashes !== undefined && hashes > 16) throw new CliError('--bitstate-hashes must be a whole number from 1 to 16');
  const stray = bits !== undefined ? '--bitstate-bits' : hashes !== undefined ? '--bitstate-hashes' : undefined;
  if (stray && store !== 'bitstate') throw new CliError(`${stray} needs --store bitstate`);
  if (store !== undefined && store !== 'full' && a.random !== undefined) throw new CliError(`--store ${store} is for the exhaustive search: it cannot be combined with --random`);
  return { ...(store ? { store } : {}), ...(bits !== undefined ? { bitstateBits: bits } : {}), ...(hashes !== undefined ? { bitstateHashes: hashes } : {}) };
}

/** `--random N [--seed S] [--swarm] [--shard i/N]`: a random search of N walks instead of the exhaustive one. */
function randomOf(a: Args): RandomSearchOptions | undefined {
  const walks = wholeNumber(a, 'random', 1);
  const seed = wholeNumber(a, 'seed', 0);
  const shardText = single(a, 'shard');
  if (walks === undefined) {
    const stray = seed !== undefined ? '--seed' : a.swarm === true ? '--swarm' : shardText !== undefined ? '--shard' : undefined;
    if (stray) throw new CliError(`${stray} needs --random N (the number of random walks)`);
    return undefined;
  }
  if (seed !== undefined && seed > 0xffffffff) throw new CliError('--seed must be a whole number below 2^32');
  // Coverage counts distinct global states, which only the exhaustive search knows.
  if (a.coverage === true) throw new CliError('--coverage needs the exhaustive search: it cannot be combined with --random');
  const options: RandomSearchOptions = { walks, seed: seed ?? 1, swarm: a.swarm === true };
  if (shardText !== undefined) {
    const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(shardText);
    const [index, count] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
    if (!m || count < 1 || index < 1 || index > count) throw new CliError('--shard must be i/N with 1 <= i <= N, such as 2/8');
    options.shard = { index: index - 1, count };
  }
  return options;
}

/** `--workers N`: search threads at once; the config's `workers`, else the cores available, when not given. */
const workersOf = (a: Args) => wholeNumber(a, 'workers', 1);

/** `--param name=value`, repeatable: values for variants' settable parameters, as text (read by each declaration). */
function paramsOf(a: Args): Record<string, string> | undefined {
  const v = a.param;
  if (v === undefined) return undefined;
  const given: Record<string, string> = {};
  for (const item of (Array.isArray(v) ? v : [v]).map(String)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/s.exec(item);
    if (!m) throw new CliError(`--param takes name=value, such as --param vcpus=3 (not ${JSON.stringify(item)})`);
    if (Object.prototype.hasOwnProperty.call(given, m[1])) throw new CliError(`--param sets ${m[1]} twice`);
    given[m[1]] = m[2];
  }
  return given;
}

/** `--memory sc,tso,arm`: each check runs under each model named. */
function memoriesOf(a: Args): MemoryModelName[] | undefined {
  const v = single(a, 'memory');
  if (v === undefined) return undefined;
  const names = String(v).split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = names.find((n) => !(MEMORY_MODELS as readonly string[]).includes(n));
  if (names.length === 0 || bad !== undefined) throw new CliError(`--memory takes a comma-separated list of ${MEMORY_MODELS.join(', ')}${bad === undefined ? '' : `, not '${bad}'`}`);
  if (new Set(names).size !== names.length) throw new CliError('--memory names a memory model twice');
  return names as MemoryModelName[];
}

/** `--quiet=maybe` would pass for true: a boolean flag given a value takes only true or false. */
function checkBooleanValues(argv: string[]): void {
  for (const arg of argv) {
    if (arg === '--') break;
    const m = /^(?:--(?:no-)?(quiet|debug|paranoid|all-violations|coverage|symmetry|por|split-search|help|version)|-(q))=(.*)$/.exec(arg);
    if (m && m[3] !== 'true' && m[3] !== 'false') throw new CliError(`--${m[1] ?? 'quiet'} takes no value, or true or false (not ${JSON.stringify(m[3])})`);
  }
}

function explorationOptions<T>(y: Argv<T>) {
  return y
    .option('memory', { type: 'string', requiresArg: true, describe: 'run each check under each of these memory models: sc, tso (x86, Apple TSO mode), arm (ARMv8), e.g. sc,tso,arm' })
    .option('max-states', { type: 'string', requiresArg: true, describe: 'stop after this many distinct states (verdict: bounded)' })
    .option('max-depth', { type: 'string', requiresArg: true, describe: 'explore at most this many steps deep (verdict: bounded)' })
    .option('time-limit', { type: 'string', requiresArg: true, describe: 'stop after this many seconds (verdict: bounded)' })
    .option('max-memory', { type: 'string', requiresArg: true, describe: 'stop when the process uses this much memory, e.g. 8G (default: half the machine\'s; verdict: bounded)' })
    .option('random', { type: 'string', requiresArg: true, describe: 'search by this many random walks instead of exhaustively (finds violations, never verifies: verdict bounded)' })
    .option('seed', { type: 'string', requiresArg: true, describe: 'the random search\'s seed (default 1): the same seed takes the same walks' })
    .option('swarm', { type: 'boolean', describe: 'swarm search: each random walk with its own actor priorities and depth limit' })
    .option('shard', { type: 'string', requiresArg: true, describe: 'take only shard i of N of the random walks, e.g. 2/8 (one CI job each)' })
    .option('store', { type: 'string', requiresArg: true, describe: 'how visited states are kept: full (default), compact (64-bit fingerprints) or bitstate (bits of a bit array): less memory a state, but states may be missed, so no violation is verified-probabilistic' })
    .option('bitstate-bits', { type: 'string', requiresArg: true, describe: 'with --store bitstate: the bit array has 2^N bits, 3 to 32 (default 30: 128 MiB, or a quarter of --max-memory), as SPIN\'s -wN' })
    .option('bitstate-hashes', { type: 'string', requiresArg: true, describe: 'with --store bitstate: the bits each state sets (default 3), as SPIN\'s -k' })
    .option('symmetry', { type: 'boolean', describe: 'symmetry reduction, for a system that declares interchangeable members: one state stored per orbit (on by default where declared; --no-symmetry switches it off; the report says whether it applied, and why not)' })
    .option('workers', { type: 'string', requiresArg: true, describe: 'search threads to run at once (default: the cores available): up to this many checks side by side, or one random search\'s walks split between them; one exhaustive check uses one, unless --split-search' })
    .option('paranoid', { type: 'boolean', describe: 're-run every memoised transition to catch impure model code (slower; by default a sample is re-run)' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress output' })
    .option('progress-interval', { type: 'string', requiresArg: true, hidden: true, describe: 'milliseconds between progress reports' });
}

function checkOptions<T>(y: Argv<T>) {
  return explorationOptions(y)
    .option('variant', { type: 'string', requiresArg: true, describe: 'check only this variant of the scenario' })
    .option('param', { type: 'string', array: true, requiresArg: true, describe: "set a variant's parameter, e.g. --param vcpus=3 (repeatable; every variant checked must declare it)" })
    .option('all-violations', { type: 'boolean', describe: 'go on after the first violation: a counterexample for every violated property' })
    .option('split-search', { type: 'boolean', describe: 'a check run alone: once its search has run a second on one thread, start it over split across the --workers threads (safety properties under sc and tso; off by default: it pays only for checks of many seconds)' })
    .option('por', { type: 'boolean', describe: 'partial-order reduction: expand only an ample set of independent, invisible steps where that keeps every verdict (on by default; --no-por switches it off; not applied with liveness properties, --coverage, symmetry, under arm, or while an invariant does not declare what it reads: with --por the report says why)' })
    .option('coverage', { type: 'boolean', describe: 'report each machine\'s states and transitions with the number of global states each was seen in; warn of transitions a verified check never fired' })
    .option('out', { type: 'string', requiresArg: true, describe: 'write the counterexample trace here (JSON)' })
    .option('witnesses', { type: 'string', requiresArg: true, describe: 'write a witness trace (replayable) for each reachability goal reached into this folder' })
    .option('format', { type: 'string', requiresArg: true, describe: `report format: ${REPORT_FORMATS.join(', ')} (default: the config's reports, else text; github inside GitHub Actions)` })
    .option('config', { type: 'string', requiresArg: true, describe: 'the config file (default: vmbus-check.config.ts, .mts, .js or .mjs in this folder, if there is one)' });
}

const progressInterval = (a: Args) => wholeNumber(a, 'progress-interval', 0);

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').trim();

/**
 * yargs renders the whole help text (string-width over every line: about 50 ms of CPU) each time it runs
 * a command's handler, to keep it in case the handler shows help; none of ours does, and --help renders
 * its own. Skipped through yargs's internal methods where they are as in yargs 18: elsewhere it is only slower.
 */
function skipHelpCache(parser: Argv): void {
  type Internal = { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } | undefined } | undefined };
  const usage = (parser as unknown as Internal).getInternalMethods?.()?.getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/** Where the command writes: the process's streams, or a test's buffers (the CLI run in-process). */
export interface CliOutput {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

let streamsGuarded = false;

/**
 * `vmbus-check ... | head` closes stdout early: stop quietly instead of crashing with EPIPE. A closed
 * stderr (a CI runner gone, `2>&-`) only loses progress and messages: the run goes on to its own exit
 * code rather than dying with exit 1.
 */
function guardProcessStreams(): void {
  if (streamsGuarded) return;
  streamsGuarded = true;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  process.stderr.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

const processOutput: CliOutput = {
  stdout: (s) => { process.stdout.write(s); },
  stderr: (s) => { if (!process.stderr.destroyed) process.stderr.write(s); },
};

/** `--format`, when given; else the config's reports, else `github` inside GitHub Actions, else text. */
const reportFormat = (a: Args): ReportFormat | undefined => (a.format === undefined ? undefined : choice(a, 'format', REPORT_FORMATS));

/** The bounds given, with --max-memory's default where none is (a config's bounds lie between for check). */
const withMemoryDefault = (b: ExploreOptions): ExploreOptions => ({ ...b, maxMemoryBytes: b.maxMemoryBytes ?? memoryLimit(undefined) });

export interface MainOptions {
  /** Search in a worker thread (the default; in-process tests of other behaviour may skip its start-up). */
  searchThread?: boolean;
  /** The environment the command reads (GITHUB_ACTIONS, GITHUB_STEP_SUMMARY, GITHUB_WORKSPACE): a test passes its own. */
  env?: NodeJS.ProcessEnv;
}

export async function main(argv: string[], output: CliOutput = processOutput, { searchThread = true, env = process.env }: MainOptions = {}): Promise<ExitCode> {
  if (output === processOutput) guardProcessStreams();
  let code: ExitCode = ExitCode.ok;
  const { stdout, stderr } = output;
  const run = (command: (a: Args) => Promise<ExitCode>) => async (a: Args) => { code = await command(a); };
  const check = run((a) => checkCommand({
    // yargs drops a bare `-` from an array positional: kept, so it is refused (stdin) rather than ignored.
    targets: [...((a.targets as string[] | undefined) ?? []).map(String), ...(argv.includes('-') ? ['-'] : [])], variant: single(a, 'variant'), params: paramsOf(a), bounds: boundsOf(a), memories: memoriesOf(a),
    out: single(a, 'out'), witnesses: single(a, 'witnesses'), format: reportFormat(a), githubActions: env.GITHUB_ACTIONS === 'true', config: single(a, 'config'), quiet: a.quiet as boolean, progressIntervalMs: progressInterval(a),
    stepSummaryPath: env.GITHUB_STEP_SUMMARY || undefined, githubWorkspace: env.GITHUB_WORKSPACE || undefined,
    inThread: searchThread, random: randomOf(a), workers: workersOf(a), ...(typeof a['split-search'] === 'boolean' ? { splitSearch: a['split-search'] } : {}),
  }, stdout));

  const parser = yargs(argv)
    .scriptName('vmbus-check')
    .usage('$0 [command]\n\nModel-check races between Hyper-V hosts, paravisors and guests over SynIC and VMBus.')
    .command('$0', "check the config's models (vmbus-check.config.ts), else every built-in scenario and variant, against their expected verdicts", (y) => checkOptions(y), check)
    .command('check [targets..]', "check built-in scenarios or your own model modules (path/to/model.ts; several, or a quoted glob: 'models/**/*.ts')",
      (y) => checkOptions(y).positional('targets', { type: 'string', array: true, describe: "built-in scenario names, .ts modules or globs; omitted: the config's models, else every built-in" }), check)
    .command('replay <trace>', 're-execute a counterexample trace against the models and show it',
      (y) => y
        .positional('trace', { type: 'string', describe: 'a trace file written by check --out' })
        .option('variant', { type: 'string', requiresArg: true, describe: "replay against this other variant of the trace's scenario (a proposed fix), with its own parameters" })
        .option('model', { type: 'string', requiresArg: true, describe: "the .ts model module to replay against (a trace from a user module names its path, but replay loads it only when the config lists it)" })
        .option('step', { type: 'string', requiresArg: true, describe: 'stop after this step and print the whole global state (0: the initial state)' })
        .option('format', { type: 'string', requiresArg: true, describe: `how to show the trace: ${REPLAY_FORMATS.join(', ')} (default text)` })
        .option('config', { type: 'string', requiresArg: true, describe: "the config file whose models replay may load (default: vmbus-check.config.ts here, if any)" }),
      run((a) => replayCommand({ trace: a.trace as string, model: single(a, 'model'), variant: single(a, 'variant'), step: wholeNumber(a, 'step', 0), format: choice(a, 'format', REPLAY_FORMATS), config: single(a, 'config') }, stdout, stderr)))
    .command('compare <scenario>', "check variants side by side and replay the first violated one's counterexample against the others",
      (y) => explorationOptions(y)
        .positional('scenario', { type: 'string', describe: 'a built-in scenario name or a .ts module exporting a scenario' })
        .option('variants', { type: 'string', requiresArg: true, demandOption: true, describe: 'comma-separated variant names, e.g. buggy,fixed' })
        .option('param', { type: 'string', array: true, requiresArg: true, describe: "set a variant's parameter, e.g. --param vcpus=3 (repeatable; every variant compared must declare it)" }),
      run((a) => compareCommand({
        scenario: a.scenario as string, variants: single(a, 'variants') ?? '', params: paramsOf(a), bounds: withMemoryDefault(boundsOf(a)), memories: memoriesOf(a), quiet: a.quiet as boolean, progressIntervalMs: progressInterval(a), inThread: searchThread, random: randomOf(a), workers: workersOf(a) ?? defaultWorkers(),
      }, stdout)))
    .command('merge <reports..>', 'combine the JSON reports of several runs (the shards of a CI matrix) into one verdict per check',
      (y) => y
        .positional('reports', { type: 'string', array: true, describe: 'files written by --format json' })
        .option('format', { type: 'string', requiresArg: true, describe: `${MERGE_FORMATS.join(', ')} (default text)` }),
      run(async (a) => mergeCommand((a.reports as string[] | undefined) ?? [], choice(a, 'format', MERGE_FORMATS), stdout)))
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
      // yargs's own validation errors (a flag without its value) are usage errors like the rest.
      if (err && err.name !== 'YError') throw err;
      throw new CliError(`${oneLine(msg ?? err?.message ?? 'bad arguments')} (see vmbus-check --help)`);
    });

  skipHelpCache(parser);
  try {
    checkBooleanValues(argv);
    await parser.parseAsync();
  } catch (e) {
    const debug = argv.includes('--debug');
    if (e instanceof CliError) {
      stderr(`vmbus-check: ${safeText(e.message)}\n`);
      if (debug) stderr(`${(e.cause instanceof Error && e.cause.stack) || e.stack}\n`);
      return e.exitCode;
    }
    stderr(`vmbus-check: internal error: ${safeText(firstLine(e))}${debug ? '' : ' (run with --debug for the stack trace)'}\n`);
    if (debug && e instanceof Error) stderr(`${e.stack}\n`);
    return ExitCode.usage;
  }
  return code;
}

// Run directly (`npx tsx cli/main.ts`, `npm run check`); bin/vmbus-check.js calls main() itself.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(hideBin(process.argv));
}
