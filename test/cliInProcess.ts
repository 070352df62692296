// Runs the vmbus-check command in this process, with its output captured: for CLI behaviour where a
// process of its own is not what is tested (a process costs about a second of tsx start-up).
import { main } from '../cli/main.ts';

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

export async function runMain(args: string[], env: Record<string, string> = {}): Promise<InProcessRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } }, testEnv(env));
  return { code, stdout, stderr };
}
