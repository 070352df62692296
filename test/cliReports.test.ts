// Reports for CI, run in-process: rendering exit codes, the github format inside a workflow (chosen by
// itself, long timelines grouped, expected counterexamples folded in the job summary).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { githubTimelines } from '../cli/formats/github.ts';
import { loadTarget } from '../cli/loadSystem.ts';
import { runCheck } from '../cli/runChecks.ts';
import { reportLocation } from '../cli/modelLocations.ts';
import { definitionSite, invariant } from '../checker/index.ts';
import { runMain } from './cliInProcess.ts';

const tmp = mkdtempSync(path.join(tmpdir(), 'vmbus-check-reports-'));
const fixture = 'traces/fixtures/shutdown-ic-boot.buggy-linux.trace.json';
const COMMAND_LINE = /^\s*(::|##\[)/;
const commandLines = (s: string) => s.split(/\r?\n|\r|\u2028|\u2029/).filter((l) => COMMAND_LINE.test(l));

describe('replay: a picture exits 0 once drawn', () => {
  for (const format of ['mermaid', 'markdown', 'html']) {
    test(`--format ${format} of a trace that still reproduces: exit 0, the verdict on stderr`, async () => {
      const r = await runMain(['replay', fixture, '--format', format]);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(format === 'html' ? /^<!DOCTYPE html>/i : /sequenceDiagram/);
      expect(r.stderr).toMatch(/^reproduced: lostInterrupt violated after 15 steps/);
    });
  }

  test('the text replay keeps its verdict in the exit code', async () => {
    const r = await runMain(['replay', fixture]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/reproduced: lostInterrupt/);
  });

  test('a bad trace is still exit 2 in a picture format', async () => {
    const bad = path.join(tmp, 'bad.json');
    writeFileSync(bad, '{"format": "vmbus-check-trace/1"');
    const r = await runMain(['replay', bad, '--format', 'mermaid']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});

describe('--format github inside GitHub Actions', () => {
  test('GITHUB_ACTIONS=true picks the github format when no --format is given', async () => {
    const [auto, text, plain] = await Promise.all([
      runMain(['check', 'peterson', '--variant', 'broken'], { env: { GITHUB_ACTIONS: 'true' } }),
      runMain(['check', 'peterson', '--variant', 'broken', '--format', 'text'], { env: { GITHUB_ACTIONS: 'true' } }),
      runMain(['check', 'peterson', '--variant', 'broken']),
    ]);
    for (const r of [auto, text, plain]) expect(r.code).toBe(1);
    expect(auto.stdout).toMatch(/^::error file=models\/examples\/peterson\.ts,line=\d+,title=vmbus-check%3A peterson\/broken violates mutualExclusion::/m);
    expect(text.stdout).not.toMatch(/^::/m);
    expect(plain.stdout).not.toMatch(/^::/m);
  });

  test('a long timeline is one ::group:: in the log, and nothing inside it is a workflow command', async () => {
    const r = await runMain(['check', 'shutdown-ic-boot', '--variant', 'buggy-linux', '--format', 'github']);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    const open = lines.findIndex((l) => l.startsWith('::group::'));
    const close = lines.indexOf('::endgroup::');
    expect(lines[open]).toBe('::group::shutdown-ic-boot/buggy-linux: counterexample of lostInterrupt, 15 steps');
    expect(close).toBeGreaterThan(open);
    const inside = lines.slice(open + 1, close);
    // The whole timeline (the initial state, 15 steps and the violation) is in the group.
    expect(inside.filter((l) => /^\s*\d+\s/.test(l))).toHaveLength(16);
    expect(lines.filter((l) => /^\s*15\s+guest\s+timer/.test(l))).toHaveLength(1);
    expect(inside.at(-1)).toMatch(/lostInterrupt/);
    expect(commandLines(inside.join('\n'))).toEqual([]);
    expect(commandLines(r.stdout).map((l) => l.split(' ')[0].split('::')[1])).toEqual(['error', 'group', 'endgroup']);
  });

  test('a short timeline stays inline; the text format is unchanged', async () => {
    const [github, text] = await Promise.all([
      runMain(['check', 'lost-wakeup', '--variant', 'buggy', '--format', 'github']),
      runMain(['check', 'lost-wakeup', '--variant', 'buggy']),
    ]);
    expect(github.stdout).not.toMatch(/::group::/);
    for (const r of [github, text]) expect(r.stdout).toMatch(/^lost-wakeup: lostWakeup violated after 6 steps\n0\s+initial[\s\S]*^6\s+consumer\s+timer/m);
  });

  test("a group's title and contents cannot end the group or start a command, whatever the model's names", async () => {
    const target = await loadTarget('test/fixtures/hostileStrings.ts');
    const record = await runCheck({ target, variant: target.variants[0] }, { bounds: {}, signal: new AbortController().signal, progress: null });
    const out = githubTimelines([record], true, 0);
    const commands = commandLines(out);
    expect(commands.map((l) => l.split(/::/)[1].split(' ')[0])).toEqual(['group', 'endgroup']);
    expect(commands[0]).not.toMatch(/[\r\u001b]/);
    expect(out).toContain('injected');
  });

  test('the job summary: a failing counterexample open, expected ones folded, headings one level apart', async () => {
    const summary = path.join(tmp, 'summary.md');
    writeFileSync(summary, '');
    const r = await runMain(['check', 'test/fixtures/counterScenario.ts', '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(r.code).toBe(1);
    const md = readFileSync(summary, 'utf8');
    // claimedSafe fails the run (its counterexample is open); racy is violated as expected (folded).
    const details = md.slice(md.indexOf('<details>'));
    expect(md.indexOf('### counter/claimedSafe: counterexample')).toBeGreaterThan(-1);
    expect(md.indexOf('### counter/claimedSafe: counterexample')).toBeLessThan(md.indexOf('<details>'));
    expect(details).toMatch(/^<details>\n<summary>counter\/racy: noLostUpdate violated as expected \(4 steps\)<\/summary>\n/);
    expect(details).toMatch(/```mermaid\n(%%.*\n)?\s*sequenceDiagram[\s\S]*<\/details>/);
    expect(md.match(/<details>/g)).toHaveLength(1);
    // Outside code blocks, headings go ##, ###, ####, never skipping a level.
    const prose = md.replace(/```[\s\S]*?```/g, '');
    const levels = [...prose.matchAll(/^(#+) /gm)].map((m) => m[1].length);
    expect(levels[0]).toBe(2);
    for (let i = 1; i < levels.length; i++) expect(levels[i] - levels[i - 1]).toBeLessThanOrEqual(1);
    expect(new Set(levels)).toEqual(new Set([2, 3, 4]));
  });
});

/** The line a regular expression first matches in a file, found independently of the checker. */
function lineOf(file: string, re: RegExp): number {
  const i = readFileSync(file, 'utf8').split('\n').findIndex((l) => re.test(l));
  expect(i, `${re} in ${file}`).toBeGreaterThanOrEqual(0);
  return i + 1;
}

describe('annotations land on the model', () => {
  test("a violation points at its property's definition, even in another file than the scenario", async () => {
    const r = await runMain(['check', 'test/fixtures/counterScenario.ts', '--format', 'github']);
    const line = lineOf('test/fixtures/racyCounter.ts', /noLostUpdate: invariant\(/);
    expect(r.stdout).toMatch(new RegExp(`^::error file=test/fixtures/racyCounter\\.ts,line=${line},title=vmbus-check%3A counter/claimedSafe`, 'm'));
  });

  test('a bounded check points at its variant', async () => {
    const r = await runMain(['check', 'test/fixtures/counterScenario.ts', '--variant', 'atomic', '--max-states', '2', '--format', 'github']);
    expect(r.code).toBe(3);
    const line = lineOf('test/fixtures/counterScenario.ts', /name: 'atomic'/);
    expect(r.stdout).toMatch(new RegExp(`^::warning file=test/fixtures/counterScenario\\.ts,line=${line},title=`, 'm'));
  });

  test('a built-in scenario points into models/, at the property a variant violates', async () => {
    const r = await runMain(['check', 'lost-wakeup', '--variant', 'buggy', '--format', 'github']);
    const line = lineOf('models/examples/lostWakeup.ts', /lostWakeup: stall\(/);
    expect(r.stdout).toMatch(new RegExp(`^::error file=models/examples/lostWakeup\\.ts,line=${line},title=`, 'm'));
  });

  test('a built-in property (no definition of its own) points at the variant', async () => {
    const target = await loadTarget('test/fixtures/counterScenario.ts');
    const record = await runCheck({ target, variant: target.variants[0] }, { bounds: {}, signal: new AbortController().signal, progress: null });
    const line = lineOf('test/fixtures/counterScenario.ts', /name: 'racy'/);
    expect(reportLocation(record.locations, 'deadlock')).toMatchObject({ file: path.resolve('test/fixtures/counterScenario.ts'), line });
    expect(record.locations?.scenario).toMatchObject({ line: lineOf('test/fixtures/counterScenario.ts', /defineScenario\(/) });
  });

  test('definitionSite: the line that called invariant, stall, allOf, defineSystem', () => {
    const p = invariant(() => true); const here = new Error().stack!.split('\n')[1];
    const site = definitionSite(p)!;
    expect(site.file).toBe(path.resolve('test/cliReports.test.ts'));
    expect(`${site.line}`).toBe(/:(\d+):\d+\)?$/.exec(here)![1]);
    expect(definitionSite({ kind: 'invariant', holds: () => true })).toBeNull();
    // Not enumerable: spreading, JSON and Object.keys never see it.
    expect(Object.keys(p)).toEqual(['kind', 'holds']);
    expect(definitionSite({ ...p })).toBeNull();
  });
});

describe('--all-violations', () => {
  const model = 'test/fixtures/twoViolations.ts';
  test('every violated property with its own counterexample, in every format; the first decides as without it', async () => {
    const out = path.join(tmp, 'two', 'run.json');
    const [plain, json, text, github, junit] = await Promise.all([
      runMain(['check', model, '--format', 'json']),
      runMain(['check', model, '--all-violations', '--format', 'json', '--out', out]),
      runMain(['check', model, '--all-violations']),
      runMain(['check', model, '--all-violations', '--format', 'github']),
      runMain(['check', model, '--all-violations', '--format', 'junit']),
    ]);
    for (const r of [plain, json, text, github, junit]) expect(r.code).toBe(1);
    expect(JSON.parse(plain.stdout)).not.toHaveProperty('otherViolations');
    const o = JSON.parse(json.stdout);
    expect(o).toMatchObject({ property: 'countStaysZero', steps: 2, trace: out });
    expect(o.otherViolations).toEqual([expect.objectContaining({ property: 'noLostUpdate', steps: 4, trace: path.join(tmp, 'two', 'run.noLostUpdate.json') })]);
    expect(JSON.parse(readFileSync(out, 'utf8')).property).toBe('countStaysZero');
    expect(JSON.parse(readFileSync(path.join(tmp, 'two', 'run.noLostUpdate.json'), 'utf8')).steps).toHaveLength(4);
    expect(text.stdout).toMatch(/countStaysZero violated after 2 steps[\s\S]*noLostUpdate violated after 4 steps/);
    const errors = github.stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(errors.map((l) => /line=(\d+)/.exec(l)![1])).toEqual([
      String(lineOf(model, /countStaysZero: invariant\(/)), String(lineOf('test/fixtures/racyCounter.ts', /noLostUpdate: invariant\(/)),
    ]);
    const failure = /<failure [^>]*message="([^"]*)"/.exec(junit.stdout)![1];
    expect(failure).toMatch(/countStaysZero violated: count is 1 \(also violated: noLostUpdate\)/);
  });

  test('a value for the flag is a one-line usage error', async () => {
    const r = await runMain(['check', model, '--all-violations=maybe']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^vmbus-check: --all-violations takes no value, or true or false \(not "maybe"\)\n$/);
  });
});

describe('replay --variant', () => {
  const buggy = 'traces/fixtures/lost-wakeup.buggy.trace.json';
  test("against another variant of the trace's scenario: the fix diverges (exit 0), the same variant reproduces (exit 1)", async () => {
    const [fixed, same] = await Promise.all([runMain(['replay', buggy, '--variant', 'fixed']), runMain(['replay', buggy, '--variant', 'buggy'])]);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/^replayed against variant fixed \(recorded: buggy\)\ndiverged at step 1 \(consumer\)/m);
    expect(same.code).toBe(1);
    expect(same.stdout).toMatch(/reproduced: lostWakeup/);
  });

  test("a user module's trace against another of its variants, given --model", async () => {
    const trace = path.join(tmp, 'racy.json');
    expect((await runMain(['check', 'test/fixtures/counterScenario.ts', '--variant', 'racy', '--out', trace])).code).toBe(1);
    const r = await runMain(['replay', trace, '--model', 'test/fixtures/counterScenario.ts', '--variant', 'atomic']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/replayed against variant atomic \(recorded: racy\)\ndiverged at step/);
  });

  test('an unknown variant, or a trace of a plain system: a one-line usage error', async () => {
    const racy = path.join(tmp, 'plain.json');
    expect((await runMain(['check', 'test/fixtures/racyCounter.ts', '--out', racy])).code).toBe(1);
    const [unknown, plain, empty] = await Promise.all([
      runMain(['replay', buggy, '--variant', 'nope']),
      runMain(['replay', racy, '--model', 'test/fixtures/racyCounter.ts', '--variant', 'x']),
      runMain(['replay', buggy, '--variant', '']),
    ]);
    for (const r of [unknown, plain, empty]) {
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(unknown.stderr).toMatch(/scenario lost-wakeup has no variant 'nope' \(variants: buggy, fixed\)/);
    expect(plain.stderr).toMatch(/--variant x: racyCounter is a single system, not a scenario/);
    expect(empty.stderr).toMatch(/--variant needs a value/);
  });
});

describe('several targets', () => {
  test('check a.ts b scenario c.ts: every check of every target, one table, judged as a whole', async () => {
    const r = await runMain(['check', 'test/fixtures/counterScenario.ts', 'lost-wakeup', 'test/fixtures/racyCounter.ts', '--format', 'json']);
    expect(r.code).toBe(1); // claimedSafe is not as expected; the plain system's violation fails too
    const o = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(o.map((x) => `${x.scenario}/${x.variant}:${x.asExpected}`)).toEqual([
      'counter/racy:true', 'counter/atomic:true', 'counter/claimedSafe:false', 'lost-wakeup/buggy:true', 'lost-wakeup/fixed:true', 'racyCounter/null:null',
    ]);
    const ok = await runMain(['check', 'lost-wakeup', 'peterson']);
    expect(ok.code).toBe(0);
  });

  test('--variant with several targets, or an unknown one among them: a one-line usage error', async () => {
    const [variant, unknown] = await Promise.all([
      runMain(['check', 'peterson', 'lost-wakeup', '--variant', 'buggy']),
      runMain(['check', 'peterson', 'no-such-scenario']),
    ]);
    expect(variant.code).toBe(2);
    expect(variant.stderr).toBe('vmbus-check: --variant picks a variant of one scenario, but 2 targets are given\n');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^vmbus-check: unknown scenario 'no-such-scenario'/);
    expect(unknown.stdout).toBe('');
  });
});
