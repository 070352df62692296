// Runs the vmbus-check command in this process, with its output captured: for CLI behaviour where a
// process of its own is not what is tested (a process costs about a second of tsx start-up).
import { main } from '../cli/main.ts';

export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface InProcessOptions {
  /** The working directory during the run; this process's own unless given. */
  cwd?: string;
  /** Environment variables set during the run. */
  env?: Record<string, string>;
}

/** Variables a run reads from the CI job that executes the tests: unset unless a test sets them. */
const CI_VARIABLES = ['GITHUB_STEP_SUMMARY', 'GITHUB_WORKSPACE'];

let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs are taken one at a time: a run may change the working directory and the environment, which the
 * whole process shares (and runs in one process take turns on its one thread anyway).
 */
export function runMain(args: string[], options: InProcessOptions = {}): Promise<InProcessRun> {
  const run = queue.then(() => runAlone(args, options));
  queue = run.catch(() => {});
  return run;
}

async function runAlone(args: string[], options: InProcessOptions): Promise<InProcessRun> {
  let stdout = '';
  let stderr = '';
  const cwd = process.cwd();
  const saved = new Map<string, string | undefined>();
  for (const name of new Set([...CI_VARIABLES, ...Object.keys(options.env ?? {})])) {
    saved.set(name, process.env[name]);
    const value = options.env?.[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    if (options.cwd !== undefined) process.chdir(options.cwd);
    const code = await main(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
    return { code, stdout, stderr };
  } finally {
    process.chdir(cwd);
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}
