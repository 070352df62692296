// Model- and trace-supplied strings never become GitHub workflow commands or terminal escapes, in any
// output format (traces/safeText.ts, applied at every output).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { runMain } from './cliInProcess.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'vmbus-check-injection-'));
const COMMAND_LINE = /^\s*(::|##\[)/;
const commandLines = (s: string) => s.split(/\r?\n|\r|\u2028|\u2029/).filter((l) => COMMAND_LINE.test(l));

describe('no output line can start a workflow command', () => {
  for (const format of ['text', 'json', 'junit', 'github', 'sarif']) {
    test(`check --format ${format} of a model whose names and messages inject commands`, async () => {
      const r = await runMain(['check', 'test/fixtures/hostileStrings.ts', '--format', format, '--quiet']);
      expect(r.code).toBe(1);
      // --format github prints exactly one command of its own: the annotation of the failing check.
      const ours = format === 'github' ? 1 : 0;
      expect(commandLines(r.stdout)).toHaveLength(ours);
      if (format === 'github') expect(commandLines(r.stdout)[0]).toMatch(/^::error file=test\/fixtures\/hostileStrings\.ts,line=\d+,title=/);
      expect(r.stdout).not.toContain('\u001b');
      expect(r.stdout).toContain('injected');
    });
  }

  test('list of that model', async () => {
    const r = await runMain(['list', 'test/fixtures/hostileStrings.ts']);
    expect(commandLines(r.stdout)).toEqual([]);
    expect(r.stdout).not.toContain('\u001b');
  });

  for (const format of ['text', 'markdown', 'mermaid']) {
    test(`replay --format ${format} of a crafted trace`, async () => {
      const t = JSON.parse(readFileSync('traces/fixtures/peterson.broken.trace.json', 'utf8'));
      const inject = '\n::error::injected\n::add-mask::secret\n##[warning]x\u001b]0;title\u0007';
      const file = path.join(tmp, `crafted-${format}.json`);
      writeFileSync(file, JSON.stringify({ ...t, message: `m${inject}`, systemName: `s${inject}`, system: { ...t.system, parameters: t.system.parameters } }));
      const r = await runMain(['replay', file, '--format', format]);
      expect(r.stderr + r.stdout).toMatch(/injected/);
      expect(commandLines(r.stdout)).toEqual([]);
      expect(commandLines(r.stderr)).toEqual([]);
      expect(r.stdout + r.stderr).not.toMatch(/[\u001b\u0007]/);
    });
  }
});
