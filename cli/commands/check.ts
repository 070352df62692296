// `vmbus-check [check [target]]`: check what the config names (else every built-in scenario), one or
// several scenarios (built-in or a user's modules, globs expanded), or one variant of one, and report in
// the formats asked for, each to standard output or its own file.
import { accessSync, appendFileSync, constants, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ExploreOptions, MemoryModelName, RandomSearchOptions } from '../../checker/index.ts';
// From their own files, not traces/index.ts: it loads zod, the trace schema and every renderer (about 80 ms of CPU in each thread).
import { safeLines } from '../../traces/safeText.ts';
import { serializeTrace } from '../../traces/serializeTrace.ts';
import { CliError, exitCodeOf } from '../exitCodes.ts';
import type { ExitCode } from '../exitCodes.ts';
import { githubAnnotations, githubTimelines } from '../formats/github.ts';
import { jsonReport } from '../formats/json.ts';
import { junitReport } from '../formats/junit.ts';
import { sarifReport } from '../formats/sarif.ts';
import { stepSummary } from '../formats/stepSummary.ts';
import { textReport } from '../formats/textTable.ts';
import { interruptOnSigint } from '../interrupt.ts';
import { configBounds, configOut, configReports, configTargets, findConfig, loadConfig } from '../config.ts';
import type { LoadedConfig } from '../config.ts';
import type { ConfigReport } from '../defineConfig.ts';
import { builtinTargets, expandTargets, loadTarget, selectVariants } from '../loadSystem.ts';
import { memoryLimit } from '../memoryLimit.ts';
import { defaultWorkers } from '../workers.ts';
import { progressReporter } from '../progress.ts';
import { checkLabel, jobsFor, recordLabel, runChecks } from '../runChecks.ts';
import type { CheckJob, CheckRecord, SkippedCheck } from '../runChecks.ts';
import type { CheckTarget } from '../loadSystem.ts';

import type { ReportFormat } from '../formatNames.ts';
export { REPORT_FORMATS } from '../formatNames.ts';
export type { ReportFormat };

export interface CheckArgs {
  target?: string;
  /** Several targets (`check a.ts b.ts`); `target` alone is one. */
  targets?: string[];
  variant?: string;
  /** --param name=value: settable parameters, set on every variant checked (each must declare them). */
  params?: Record<string, string>;
  /** The bounds given on the command line: over the config's, over each variant's own. */
  bounds: ExploreOptions;
  /** --memory: run each check under each of these models. */
  memories?: MemoryModelName[];
  out?: string;
  /** --witnesses: the folder each reached reachability goal's witness trace is written to. */
  witnesses?: string;
  /** --format: one report, to standard output, instead of the config's reports. */
  format?: ReportFormat;
  /** In a GitHub Actions job (GITHUB_ACTIONS=true): the default report is `github`. */
  githubActions?: boolean;
  /** --config PATH; without it, a vmbus-check.config.{ts,mts,js,mjs} in the working directory is used. */
  config?: string;
  quiet: boolean;
  progressIntervalMs?: number;
  /** Where `--format github` appends its job summary ($GITHUB_STEP_SUMMARY in a workflow). */
  stepSummaryPath?: string;
  /** The repository's root in a workflow ($GITHUB_WORKSPACE): annotations name files relative to it. */
  githubWorkspace?: string;
  /** Search in a worker thread that --time-limit and Ctrl-C can always stop (cli/searchThread.ts). */
  inThread: boolean;
  /** --random: a random search instead of the exhaustive one. */
  random?: RandomSearchOptions;
  /** --workers: search threads at once (over the config's `workers`; default: the cores available). */
  workers?: number;
  /** --split-search (over the config's `splitSearch`; default false): split a lone check's search across the workers. */
  splitSearch?: boolean;
}

/** `--out dir/` (or an existing folder): each trace gets a file of its own in that folder. */
export function isFolderOut(out: string): boolean {
  return /[\\/]$/.test(out) || (existsSync(out) && statSync(out).isDirectory());
}

const fileLabel = (record: CheckRecord) => recordLabel(record).replace(/[^A-Za-z0-9_.-]+/g, '.').replace(/^\.+|\.+$/g, '');

/**
 * Where a check's trace goes: in a folder, `<check>.trace.json` there; else `--out` itself for one
 * check, or `--out` with the check's name added for several.
 */
export function tracePathFor(out: string, record: CheckRecord, single: boolean): string {
  if (isFolderOut(out)) return path.join(out, `${fileLabel(record) || 'check'}.trace.json`);
  if (single) return out;
  const ext = path.extname(out) || '.json';
  const base = out.slice(0, out.length - path.extname(out).length);
  return `${base}.${fileLabel(record)}${ext}`;
}

const propertyLabel = (property: string) => property.replace(/[^A-Za-z0-9_.-]+/g, '.').replace(/^\.+/, '') || 'property';

/** The file of another violated property's trace (--all-violations): `run.json` -> `run.<property>.json`. */
export function withProperty(file: string, property: string): string {
  const ext = file.endsWith('.trace.json') ? '.trace.json' : path.extname(file);
  return `${file.slice(0, file.length - ext.length)}.${propertyLabel(property)}${ext}`;
}

/** Where a reachability goal's witness goes (--witnesses folder): `<folder>/<check>.<goal>.witness.json`. */
export function witnessPathFor(folder: string, record: CheckRecord, goal: string): string {
  return path.join(folder, `${fileLabel(record) || 'check'}.${propertyLabel(goal)}.witness.json`);
}

/**
 * Makes `dir` and its missing parents, one at a time: a recursive mkdir under /proc or /sys can fail
 * in ways Node retries, and every failure here must be one clear message.
 */
function makeFolders(dir: string): void {
  const missing: string[] = [];
  let d = path.resolve(dir);
  while (!existsSync(d)) {
    missing.push(d);
    const up = path.dirname(d);
    if (up === d) break;
    d = up;
  }
  if (existsSync(d) && !statSync(d).isDirectory()) throw new Error(`${d} is not a folder`);
  for (const m of missing.reverse()) mkdirSync(m);
}

const outError = (file: string, e: unknown) => new CliError(`cannot write the trace to ${file}: ${e instanceof Error ? e.message : String(e)}`);

/** Checks `--out` before the search starts, so a long run's verdict is never lost on a bad path. */
export function prepareOut(out: string): void {
  const folder = isFolderOut(out);
  try {
    makeFolders(folder ? out : path.dirname(path.resolve(out)));
    if (!folder && existsSync(out) && !statSync(out).isFile()) throw new Error('it exists and is not a file');
    accessSync(folder ? out : path.dirname(path.resolve(out)), constants.W_OK);
  } catch (e) {
    throw outError(out, e);
  }
}

/**
 * The text reports' first lines when parameters were set (--param, a config's params), since the table
 * does not show them: `workers=3: counters/racy, counters/atomic`.
 */
function parametersSet(jobs: CheckJob[]): string {
  const groups = new Map<string, string[]>();
  for (const { target, variant, memory } of jobs) {
    const set = Object.entries(variant.set).map(([k, v]) => `${k}=${typeof v === 'string' ? JSON.stringify(v) : v}`).join(' ');
    if (set === '') continue;
    const label = checkLabel(target.name, variant.name, memory);
    groups.set(set, [...(groups.get(set) ?? []), label]);
  }
  return [...groups].map(([set, labels]) => `parameters set: ${set}: ${labels.join(', ')}\n`).join('') + (groups.size > 0 ? '\n' : '');
}

/** A report file's folder is made, and the file checked writable, before the search starts. */
function prepareReport(file: string): void {
  try {
    makeFolders(path.dirname(path.resolve(file)));
    if (existsSync(file) && !statSync(file).isFile()) throw new Error('it exists and is not a file');
    accessSync(path.dirname(path.resolve(file)), constants.W_OK);
  } catch (e) {
    throw new CliError(`cannot write the report to ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function writeReport(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new CliError(`cannot write the report to ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function writeTrace(file: string, text: string): void {
  try {
    makeFolders(path.dirname(path.resolve(file)));
    writeFileSync(file, text);
  } catch (e) {
    throw outError(file, e);
  }
}

/**
 * What to check, and whether each check is judged against its expectation: the targets given, else the
 * config's models, else every built-in.
 */
async function jobsToRun(args: CheckArgs, loaded: LoadedConfig | null): Promise<{ jobs: CheckJob[]; againstExpectation: boolean }> {
  const memories = args.memories ?? loaded?.config.memory;
  const targets = expandTargets(args.targets ?? (args.target === undefined ? [] : [args.target]));
  if (targets.length === 0 && loaded !== null) {
    // The config's models replace the built-ins; each is judged against its expectations, as several targets are.
    if (args.variant !== undefined) throw new CliError(`--variant picks a variant of one scenario: name it (vmbus-check check <scenario> --variant ${args.variant}), or list variants in ${loaded.file}`);
    const jobs: CheckJob[] = [];
    for (const t of await configTargets(loaded)) {
      const target = await loadTarget(t.spec);
      let variants = t.variants === undefined ? target.variants : selectVariants(target, t.variants);
      if (t.params !== undefined) variants = variants.map((v) => v.withParameters(t.params!, 'data'));
      jobs.push(...jobsFor(target, variants, memories));
    }
    return { jobs, againstExpectation: true };
  }
  if (targets.length === 0) {
    if (args.variant !== undefined) throw new CliError('--variant needs a scenario: vmbus-check check <scenario> --variant <name>');
    return { jobs: (await builtinTargets()).flatMap((target) => jobsFor(target, target.variants, memories)), againstExpectation: true };
  }
  if (targets.length > 1) {
    // Several scenarios or modules (`check a.ts b.ts`, a glob): each judged as a whole; a plain system,
    // which expects nothing, fails on any violation just as on its own.
    if (args.variant !== undefined) throw new CliError(`--variant picks a variant of one scenario, but ${targets.length} targets are given`);
    const loadedTargets: CheckTarget[] = [];
    for (const t of targets) loadedTargets.push(await loadTarget(t));
    return { jobs: loadedTargets.flatMap((target) => jobsFor(target, target.variants, memories)), againstExpectation: true };
  }
  const target = await loadTarget(targets[0]);
  if (args.variant !== undefined) return { jobs: jobsFor(target, selectVariants(target, [args.variant]), memories), againstExpectation: false };
  return { jobs: jobsFor(target, target.variants, memories), againstExpectation: target.isScenario };
}

export async function checkCommand(args: CheckArgs, stdout: (s: string) => void): Promise<ExitCode> {
  const configFile = findConfig(args.config);
  const loaded = configFile === null ? null : await loadConfig(configFile);
  const { jobs: chosen, againstExpectation } = await jobsToRun(args, loaded);
  const bounds: ExploreOptions = { ...(loaded ? configBounds(loaded) : {}), ...args.bounds };
  bounds.maxMemoryBytes ??= memoryLimit(undefined);
  const out = args.out ?? (loaded ? configOut(loaded) : undefined);
  const reports: ConfigReport[] = args.format !== undefined ? [{ format: args.format }]
    : (loaded ? configReports(loaded) : undefined) ?? [{ format: args.githubActions ? 'github' : 'text' }];

  const params = args.params ?? {};
  const jobs = Object.keys(params).length === 0 ? chosen : chosen.map((job) => ({ ...job, variant: job.variant.withParameters(params, 'text') }));
  if (out !== undefined) prepareOut(out);
  if (args.witnesses !== undefined) prepareOut(path.join(args.witnesses, path.sep));
  for (const r of reports) if (r.output !== undefined) prepareReport(r.output);
  // JSON Lines to standard output are a stream: a dashboard sees each check as it finishes.
  const streamJson = reports.some((r) => r.format === 'json' && r.output === undefined);
  const interrupt = interruptOnSigint();
  let records: CheckRecord[];
  let skipped: SkippedCheck[];
  try {
    ({ records, skipped } = await runChecks(jobs, {
      bounds, signal: interrupt.signal, inThread: args.inThread, random: args.random, witnesses: args.witnesses !== undefined,
      workers: args.workers ?? loaded?.config.workers ?? defaultWorkers(),
      splitSearch: args.splitSearch ?? loaded?.config.splitSearch ?? false,
      progress: progressReporter({ quiet: args.quiet, intervalMs: args.progressIntervalMs, bounds }),
      onRecord: (r) => {
        if (out !== undefined && r.trace) {
          r.tracePath = tracePathFor(out, r, jobs.length === 1);
          writeTrace(r.tracePath, serializeTrace(r.trace));
          for (const m of r.moreTraces ?? []) {
            m.tracePath = withProperty(r.tracePath, m.trace.property);
            writeTrace(m.tracePath, serializeTrace(m.trace));
          }
        }
        if (args.witnesses !== undefined) {
          for (const w of r.witnesses ?? []) {
            w.tracePath = witnessPathFor(args.witnesses, r, w.trace.property);
            writeTrace(w.tracePath, serializeTrace(w.trace));
          }
        }
        if (streamJson) stdout(jsonReport([r]));
      },
    }));
  } finally {
    interrupt.dispose();
  }

  const notRun = skipped.map((s) => recordLabel(s));
  const text = (options?: { timeline: false }) => parametersSet(jobs) + textReport(records, againstExpectation, notRun, options);
  const render = (r: ConfigReport): string => {
    switch (r.format) {
      case 'json': return r.output === undefined ? (skipped.length > 0 ? jsonReport([], skipped) : '') : jsonReport(records, skipped);
      case 'junit': return safeLines(junitReport(records, againstExpectation, skipped, args.githubWorkspace));
      // JSON: no raw line breaks, and safeLines turns what it escapes into JSON's own \u escapes.
      case 'sarif': return safeLines(sarifReport(records, againstExpectation, args.githubWorkspace));
      // The annotations are the only workflow commands printed; each escapes its own text.
      case 'github': return githubAnnotations(records, againstExpectation, args.githubWorkspace) + safeLines(text({ timeline: false }))
        + githubTimelines(records, againstExpectation);
      default: return safeLines(text());
    }
  };
  for (const r of reports) {
    const report = render(r);
    if (r.output !== undefined) writeReport(r.output, report);
    else if (report !== '') stdout(report);
  }
  const summary = args.stepSummaryPath;
  if (summary && reports.some((r) => r.format === 'github')) {
    try {
      appendFileSync(summary, safeLines(stepSummary(records, againstExpectation)));
    } catch (e) {
      throw new CliError(`cannot write the job summary to ${summary}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return exitCodeOf(records, againstExpectation, interrupt.signal.aborted);
}
