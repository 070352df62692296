// The bin as a process, where the process is what is tested: its exit code is the code main() returns,
// and a reader that closes stdout early (`vmbus-check list | head`) ends it quietly. The commands'
// behaviour is tested in-process (cliCheck, cliErrors, cliReplayCompare).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { isOneLineError, repoRoot, runCli } from './cliProcess.ts';

describe.concurrent('the vmbus-check process', () => {
  test('exit 1 for a violation, with the report on stdout', async () => {
    const r = await runCli(['check', 'peterson', '--variant', 'broken', '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^peterson\s+broken\s+violated\s+violated\s/m);
    expect(r.stderr).toBe('');
  });

  test('exit 2 for a usage error: one line on stderr, nothing on stdout', async () => {
    const r = await runCli(['check', 'no-such-scenario']);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr), r.stderr).toBe(true);
    expect(r.stdout).toBe('');
  });

  test('exit 3 for a bound hit', async () => {
    const r = await runCli(['check', 'test/fixtures/manyStates.ts', '--max-states', '200', '--format', 'json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'bounded' });
  });

  test('a closed stdout ends the run quietly: no EPIPE stack trace', async () => {
    const bin = fileURLToPath(new URL('../bin/vmbus-check.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'list'], { cwd: repoRoot });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
    expect(stderr).toBe('');
    expect(signal).toBeNull();
    expect(code).toBe(0);
  });
});
