// Runs the vmbus-check bin as a child process, as a user's shell or CI would.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const bin = fileURLToPath(new URL('../bin/vmbus-check.js', import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  /** The working directory; the repository's root unless given. */
  cwd?: string;
  /** Called with the child and its stderr so far, each time stderr grows. */
  onStderr?: (child: ChildProcess, stderrSoFar: string) => void;
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  // A test must not write into the job summary of the CI run that executes it.
  if (!options.env?.GITHUB_STEP_SUMMARY) delete env.GITHUB_STEP_SUMMARY;
  // Nor take the paths of its annotations from the workspace of that run.
  if (!options.env?.GITHUB_WORKSPACE) delete env.GITHUB_WORKSPACE;
  // Nor pick the github format for being run inside a workflow.
  if (!options.env?.GITHUB_ACTIONS) delete env.GITHUB_ACTIONS;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? repoRoot, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      options.onStderr?.(child, stderr);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A one-line error: exactly one non-empty line on stderr, naming the tool, and no stack frames. */
export function isOneLineError(stderr: string): boolean {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '');
  return lines.length === 1 && lines[0].startsWith('vmbus-check: ') && !/^\s+at /m.test(stderr);
}
