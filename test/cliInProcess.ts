// Runs the vmbus-check command in this process, with its output captured: for CLI behaviour where a
// process of its own is not what is tested (a process costs about a second of tsx start-up). The search
// runs in this thread unless asked (a search thread costs most of a second to start from the sources):
// test/searchThread.test.ts and the process tests cover the thread the command line always uses.
import { expect, test } from 'vitest';
import { main } from '../cli/main.ts';
import { isOneLineError } from './cliProcess.ts';

export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The environment a run sees: this process's, without the variables of a GitHub Actions job that runs
 * the suite (a test must not pick the github format, nor write into that job's summary), plus `env`.
 */
export function testEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { GITHUB_ACTIONS: _a, GITHUB_STEP_SUMMARY: _s, GITHUB_WORKSPACE: _w, ...rest } = process.env;
  return { ...rest, ...env };
}

export interface RunMainOptions {
  searchThread?: boolean;
  /** Variables added to testEnv()'s environment. */
  env?: Record<string, string>;
  /** The working directory during the run; this process's own unless given. */
  cwd?: string;
}

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs are taken one at a time: a run may change the working directory, which the whole process shares
 * (and runs in one thread take turns on it anyway).
 */
export function runMain(args: string[], options: RunMainOptions = {}): Promise<InProcessRun> {
  const run = queue.then(() => runAlone(args, options));
  queue = run.catch(() => {});
  return run;
}

async function runAlone(args: string[], { searchThread = false, env = {}, cwd }: RunMainOptions): Promise<InProcessRun> {
  let stdout = '';
  let stderr = '';
  const before = process.cwd();
  try {
    if (cwd !== undefined) process.chdir(cwd);
    const code = await main(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } }, { searchThread, env: testEnv(env) });
    return { code, stdout, stderr };
  } finally {
    process.chdir(before);
  }
}

/** One vitest test per case: the command is a usage error (exit 2) with one line matching `message` and no report. */
export function usageErrorTests(cases: [what: string, args: string[], message: RegExp][]): void {
  for (const [what, args, message] of cases) {
    test(what, async () => {
      const r = await runMain(args);
      expect(r.code).toBe(2);
      expect(isOneLineError(r.stderr), r.stderr).toBe(true);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    });
  }
}
