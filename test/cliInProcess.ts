// Runs the vmbus-check command in this process, with its output captured: for CLI behaviour where a
// process of its own is not what is tested (a process costs about a second of tsx start-up). The search
// runs in this thread unless asked (a search thread costs most of a second to start from the sources):
// test/searchThread.test.ts and the process tests cover the thread the command line always uses.
import { main } from '../cli/main.ts';
import type { MainOptions } from '../cli/main.ts';

export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runMain(args: string[], options: MainOptions = { searchThread: false }): Promise<InProcessRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; } }, options);
  return { code, stdout, stderr };
}
