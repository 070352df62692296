// Runs the vmbus-check command in this process, with its output captured: for CLI behaviour where a
// process of its own is not what is tested (a process costs about a second of tsx start-up).
import { main } from '../cli/main.ts';

export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runMain(args: string[]): Promise<InProcessRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } });
  return { code, stdout, stderr };
}
