// `vmbus-check replay <trace.json>`: re-executes a counterexample against the models as they are now,
// shows it (timeline, Mermaid or Markdown), and says whether it still reproduces or where it diverges.
import { readFileSync, statSync } from 'node:fs';
import { parseTrace, safeText, safeLines, renderHtml, renderMarkdown, renderMermaid, renderTimeline, replayTrace, TraceError } from '../../traces/index.ts';
import type { ReplayResult, TraceFile } from '../../traces/index.ts';
import { CliError, ExitCode } from '../exitCodes.ts';
import { globalStateText } from '../globalStateText.ts';
import { configTargets, findConfig, loadConfig } from '../config.ts';
import { isModulePath, loadSource, NO_CONFIGURED_MODELS } from '../loadSystem.ts';
import type { ReplayModels } from '../loadSystem.ts';

import type { ReplayFormat } from '../formatNames.ts';
export { REPLAY_FORMATS } from '../formatNames.ts';
export type { ReplayFormat };

export interface ReplayArgs {
  trace: string;
  /** The model to replay against, instead of the module the trace names. */
  model?: string;
  /** Another variant of the trace's scenario to replay against (its own parameters). */
  variant?: string;
  step?: number;
  format: ReplayFormat;
  /** --config PATH; without it, the config in the working directory, if any. */
  config?: string;
}

/**
 * The model modules the project's config lists: replay may load the one a trace names without --model.
 * The config is read only when a trace needs it (a user's module and no --model).
 */
async function configuredModels(trace: TraceFile, args: ReplayArgs): Promise<ReplayModels> {
  if (trace.system.module === 'builtin' || args.model !== undefined) return NO_CONFIGURED_MODELS;
  const file = findConfig(args.config);
  if (file === null) return NO_CONFIGURED_MODELS;
  return { configured: (await configTargets(await loadConfig(file))).map((t) => t.spec).filter(isModulePath) };
}

/**
 * A trace's text: UTF-8, a byte-order mark (editors on Windows add one) dropped; bytes that are not
 * UTF-8 are refused rather than silently replaced, since the replacement would change names and values.
 */
function decodeTrace(bytes: Buffer, file: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CliError(`${file}: not a trace: the file is not valid UTF-8`);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function readTrace(file: string): TraceFile {
  let text: string;
  try {
    if (!statSync(file).isFile()) throw new CliError(`not a file: ${file}`);
    text = decodeTrace(readFileSync(file), file);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError((e as NodeJS.ErrnoException).code === 'ENOENT' ? `no such file: ${file}` : `cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return parseTrace(text);
  } catch (e) {
    if (e instanceof TraceError) throw new CliError(`${file}: ${e.message}`, ExitCode.usage, e);
    throw e;
  }
}

export function replayVerdict(r: ReplayResult, trace: TraceFile): string {
  switch (r.status) {
    case 'reproduced': {
      if (trace.kind === 'witness') return `reproduced: the goal ${trace.property} is reached after ${r.stepsReplayed} steps\n`;
      const v = r.violation ?? { property: trace.property, message: trace.message };
      return `reproduced: ${v.property} violated after ${r.stepsReplayed} steps: ${v.message}\n`;
    }
    case 'stopped':
      return `stopped after step ${r.stepsReplayed} of ${trace.steps.length}\n`;
    case 'diverged': {
      const d = r.divergence;
      if (!d) return `diverged after ${r.stepsReplayed} steps: the counterexample no longer reproduces\n`;
      const who = d.actor ? ` (${d.actor})` : '';
      return `diverged at step ${d.step}${who}: ${d.reason}\n` + d.differences.map((x) => `  ${x}\n`).join('');
    }
  }
}

export async function replayCommand(args: ReplayArgs, stdout: (s: string) => void, stderr: (s: string) => void): Promise<ExitCode> {
  const trace = readTrace(args.trace);
  if (args.step !== undefined && (args.step < 0 || args.step > trace.steps.length)) {
    throw new CliError(`--step ${args.step} is out of range: the trace has ${trace.steps.length} steps (0 is the initial state)`);
  }
  if (args.step !== undefined && args.format !== 'text') throw new CliError('--step shows a global state, which only --format text prints');
  const { system } = await loadSource(trace.system, args.model, await configuredModels(trace, args), args.variant);
  let result: ReplayResult;
  try {
    result = replayTrace(system, trace, args.step !== undefined ? { stopAtStep: args.step } : {});
  } catch (e) {
    if (e instanceof TraceError) throw new CliError(`${args.trace}: ${e.message}`, ExitCode.usage, e);
    throw e;
  }
  const verdict = safeLines(replayVerdict(result, trace));
  if (args.format !== 'text') {
    // A picture is a rendering job (a CI step drawing a diagram): it succeeded when it rendered. The
    // replay's verdict still goes to stderr; only the text replay's exit code says what it found.
    stdout(args.format === 'mermaid' ? renderMermaid(trace) : args.format === 'html' ? renderHtml(trace) : renderMarkdown(trace));
    stderr(verdict);
    return ExitCode.ok;
  }
  const against = args.variant !== undefined ? `replayed against variant ${safeText(args.variant)} (recorded: ${safeText(trace.system.variant ?? '-')})\n` : '';
  let out = renderTimeline(trace) + '\n' + against + verdict;
  if (result.status === 'stopped' && result.state) out += `\nglobal state after step ${result.stepsReplayed}:\n` + globalStateText(result.state);
  stdout(safeLines(out));
  // Like a check: the violation still happening is exit 1; a counterexample the models no longer allow is 0.
  // A witness the other way round: its goal still reached is 0, no longer reached 1 (as `unreached`).
  if (trace.kind === 'witness') return result.status === 'diverged' ? ExitCode.violation : ExitCode.ok;
  return result.status === 'reproduced' ? ExitCode.violation : ExitCode.ok;
}
