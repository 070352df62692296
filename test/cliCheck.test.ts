// The check command: verdicts, exit codes and every report format, in-process; as a process where the
// process is the point (the README's command, progress on a pipe, a real Ctrl-C).
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { builtinScenarios } from '../models/scenarios/index.ts';
import { TRACE_FORMAT } from '../traces/index.ts';
import { repoRoot, runCli } from './cliProcess.ts';
import { runMain } from './cliInProcess.ts';
import { descendants, parseXml } from './xmlTree.ts';

const builtinVariants = builtinScenarios.flatMap((s) => s.variants.map((v) => ({ scenario: s.name, ...v })));
const tmp = mkdtempSync(path.join(tmpdir(), 'vmbus-check-cli-'));

describe.concurrent('vmbus-check check, as a process', () => {
  test('with no arguments checks every built-in variant and exits 0 when each verdict is as expected', async () => {
    const r = await runCli([]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The example scenarios are textbook races: each buggy variant is violated, each fix verified.
    for (const v of builtinVariants) {
      // The built-ins run under several memory models, so the table has a memory column.
      const memory = `(?:sc|tso|arm)\\s+`;
      expect(r.stdout).toMatch(new RegExp(`^${v.scenario}\\s+${v.name}\\s+${memory}${v.expected}(?: \\((?:without load buffering|events between actors synchronize|without load buffering; events between actors synchronize)\\))?\\s+${v.expected}\\s+[\\d,]+\\s+\\d+\\.\\d+\\s*$`, 'm'));
    }
  });

  test('progress: plain lines on a pipe, none with --quiet', async () => {
    const args = ['check', 'test/fixtures/manyStates.ts', '--max-states', '3000', '--progress-interval', '0'];
    const [loud, quiet] = await Promise.all([runCli(args), runCli([...args, '--quiet'])]);
    expect(loud.code).toBe(3);
    expect(loud.stderr).toMatch(/^progress many-states: [\d,]+ states, depth \d+, [\d,]+ states\/s, queue [\d,]+, \d+ MB/m);
    expect(loud.stderr).not.toMatch(/\r|\x1b/); // no terminal control codes in a log
    expect(quiet.code).toBe(3);
    expect(quiet.stderr).toBe('');
  });

  /** Runs the CLI and presses Ctrl-C once the exploration is under way (its first progress report). */
  async function interrupted(args: string[]) {
    let sent = false;
    const r = await runCli([...args, '--progress-interval', '0'], {
      onStderr: (child, soFar) => {
        if (!sent && soFar.includes('progress ')) { sent = true; child.kill('SIGINT'); }
      },
    });
    expect(sent).toBe(true);
    return r;
  }

  test('Ctrl-C stops gracefully: partial statistics and a bounded verdict, exit 3', async () => {
    const r = await interrupted(['check', 'test/fixtures/manyStates.ts']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^many-states\s+-\s+bounded\s/m);
    expect(r.stdout).toMatch(/interrupted/);
    expect(r.stdout).toMatch(/explored [\d,]+ states/);
  });
});

describe('vmbus-check check', () => {
  /** Runs the command in-process and delivers Ctrl-C once the check has installed its handler. */
  async function interruptedInProcess(args: string[]) {
    let sent = false;
    const before = process.listenerCount('SIGINT');
    const timer = setInterval(() => {
      if (!sent && process.listenerCount('SIGINT') > before) { sent = true; process.emit('SIGINT'); }
    }, 20);
    const r = await runMain([...args, '--quiet']).finally(() => clearInterval(timer));
    expect(sent).toBe(true);
    return r;
  }

  test('the text table: every column under its separator has a heading', async () => {
    const r = await runMain(['check', 'peterson', '--variant', 'broken']);
    expect(r.code).toBe(1);
    const [header, separator, row] = r.stdout.split('\n');
    expect(separator).toMatch(/^-[- ]*$/);
    for (const m of separator.matchAll(/-+/g)) {
      expect(header.slice(m.index, m.index + m[0].length).trim(), `heading above column at ${m.index}`).not.toBe('');
    }
    expect(row).toMatch(/^peterson\s+broken\s+violated\s+violated\s.*\bVIOLATED$/);
  });

  test('--format json prints one object per check with the documented fields', async () => {
    // One scenario with parameters (every built-in is checked, once, by the text test above).
    const variants = builtinVariants.filter((v) => v.scenario === 'exit-boot-services');
    const r = await runMain(['check', 'exit-boot-services', '--format', 'json']);
    expect(r.code).toBe(0);
    const objects = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(objects.map((o) => `${o.scenario}/${o.variant}`)).toEqual(variants.map((v) => `${v.scenario}/${v.name}`));
    objects.forEach((o, i) => {
      const v = variants[i];
      expect(o.expected).toBe(v.expected);
      expect(o.verdict).toBe(v.expected);
      // The verdict holds for these parameters (e.g. exit-boot-services' UEFI revision).
      expect(o.parameters).toEqual(v.parameters);
      expect(o.trace).toBeNull();
      expect(Object.keys(o.stats).sort()).toEqual(['depth', 'seconds', 'states', 'transitions']);
      // Every state but the initial one was reached by at least one transition.
      expect(o.stats.transitions).toBeGreaterThanOrEqual(o.stats.states - 1);
      if (v.expected === 'violated') {
        expect(o.property).toBe(v.expectedProperty);
        expect(typeof o.message).toBe('string');
      } else {
        expect(o).not.toHaveProperty('property');
      }
    });
  });

  test('--format junit: one test case per variant; expected violations pass', async () => {
    // One scenario with parameters (every built-in is checked, once, by the text test above).
    const variants = builtinVariants.filter((v) => v.scenario === 'exit-boot-services');
    const r = await runMain(['check', 'exit-boot-services', '--format', 'junit']);
    expect(r.code).toBe(0);
    const root = parseXml(r.stdout);
    expect(root.name).toBe('testsuites');
    const cases = descendants(root, 'testcase');
    expect(cases.map((c) => `${c.attributes.classname}/${c.attributes.name}`)).toEqual(variants.map((v) => `${v.scenario}/${v.name}`));
    expect(descendants(root, 'failure')).toEqual([]);
    expect(root.attributes.failures).toBe('0');
    // The suite's <properties> carry each variant's parameters as <variant>.<parameter> (the JUnit
    // schema allows no <properties> inside a test case: test/junitSchema.test.ts).
    const suiteProperties = descendants(root, 'property').map((p) => [p.attributes.name, p.attributes.value]);
    variants.forEach((v) => {
      // A variant under tso or arm also names its memory model (and what arm leaves out).
      const mine = suiteProperties.filter(([k]) => k.startsWith(`${v.name}.`)).map(([k, value]) => [k.slice(v.name.length + 1), value]);
      expect(mine.filter(([k]) => k !== 'memory')).toEqual(Object.entries(v.parameters).map(([k, value]) => [k, String(value)]));
      for (const [, m] of mine.filter(([k]) => k === 'memory')) expect(m).toMatch(/^(tso|arm \(without load buffering\))$/);
    });
    for (const c of cases) expect(c.children.filter((x) => x.name === 'properties')).toEqual([]);
    expect(variants.some((v) => v.expected === 'verified' && Object.keys(v.parameters).length > 0)).toBe(true);
  });

  test('--format junit on one violated variant: a failure carrying the timeline, exit 1', async () => {
    const r = await runMain(['check', 'peterson', '--variant', 'broken', '--format', 'junit']);
    expect(r.code).toBe(1);
    const root = parseXml(r.stdout);
    const cases = descendants(root, 'testcase');
    expect(cases).toHaveLength(1);
    expect(cases[0].attributes).toMatchObject({ classname: 'peterson', name: 'broken' });
    const failures = descendants(cases[0], 'failure');
    expect(failures).toHaveLength(1);
    expect(failures[0].attributes.message).toContain('mutualExclusion');
    // The timeline names the steps of both processes.
    expect(failures[0].text).toMatch(/p0/);
    expect(failures[0].text).toMatch(/p1/);
    expect(root.attributes.failures).toBe('1');
  });

  test('--format github: an error annotation and a job summary with a Mermaid diagram', async () => {
    const summary = path.join(tmp, 'summary.md');
    writeFileSync(summary, '# earlier step\n');
    const r = await runMain(['check', 'peterson', '--variant', 'broken', '--format', 'github'], { env: { GITHUB_STEP_SUMMARY: summary } });
    expect(r.code).toBe(1);
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(errors).toHaveLength(1);
    // Workflow command syntax: ::error key=value,...::message, with ':' escaped inside values.
    expect(errors[0]).toMatch(/^::error file=models\/examples\/peterson\.ts,line=\d+,title=[^:]*peterson\/broken[^:]*mutualExclusion[^:]*::.+/);
    const md = readFileSync(summary, 'utf8');
    expect(md.startsWith('# earlier step\n')).toBe(true); // appended, not overwritten
    expect(md).toMatch(/^\|.*peterson.*\|.*broken.*\|.*violated.*\|/m);
    expect(md).toMatch(/```mermaid\s*\n%%\{init.*\n\s*sequenceDiagram[\s\S]*?\n```/);
  });

  test('--format github on a built-in scenario: no error annotations when every verdict is as expected', async () => {
    const out = path.join(tmp, 'ci', 'trace.json');
    // exit-boot-services: four expected violations among six variants, explored in milliseconds.
    const r = await runMain(['check', 'exit-boot-services', '--format', 'github', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/^::error/m);
    // Several checks: one trace per counterexample, named after its check.
    const violated = builtinVariants.filter((x) => x.scenario === 'exit-boot-services' && x.expected === 'violated');
    expect(violated.length).toBeGreaterThan(1);
    for (const v of violated) {
      const trace = JSON.parse(readFileSync(path.join(tmp, 'ci', `trace.${v.scenario}.${v.name}.json`), 'utf8'));
      expect(trace.property).toBe(v.expectedProperty);
    }
  });

  test('--out writes the counterexample trace, and json names it', async () => {
    const out = path.join(tmp, 'lost-wakeup.json');
    const r = await runMain(['check', 'lost-wakeup', '--variant', 'buggy', '--out', out, '--format', 'json']);
    expect(r.code).toBe(1); // a single check: a violation is exit 1 even when the variant is expected buggy
    const o = JSON.parse(r.stdout);
    expect(o).toMatchObject({ scenario: 'lost-wakeup', variant: 'buggy', verdict: 'violated', property: 'lostWakeup', trace: out });
    const trace = JSON.parse(readFileSync(out, 'utf8'));
    expect(trace.format).toBe(TRACE_FORMAT);
    expect(trace.system).toMatchObject({ module: 'builtin', scenario: 'lost-wakeup', variant: 'buggy' });
    // Shortest lost wakeup: consumer sees count 0, producer stores 1 and posts the wakeup, the wakeup
    // is delivered and dropped, the consumer sleeps, and only its watchdog timer is left to fire.
    expect(trace.steps).toHaveLength(6);
  });

  test('a user module exporting `system` (a function): a violation is exit 1 and annotated on the file', async () => {
    const out = path.join(tmp, 'racy.json');
    const r = await runMain(['check', 'test/fixtures/racyCounter.ts', '--format', 'github', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error file=test\/fixtures\/racyCounter\.ts,line=\d+,title=[^:]*noLostUpdate[^:]*::/m);
    // Replay loads the user's module only when the user names it.
    const replay = await runMain(['replay', out, '--model', 'test/fixtures/racyCounter.ts']);
    expect(replay.code).toBe(1);
    expect(replay.stdout).toMatch(/reproduced/);
  });

  test('--format github names a model under the working directory by its relative path, even through a link', async () => {
    const link = path.join(tmp, 'repository-link');
    symlinkSync(repoRoot, link);
    const r = await runMain(['check', path.join(link, 'test', 'fixtures', 'racyCounter.ts'), '--format', 'github']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error file=test\/fixtures\/racyCounter\.ts,line=\d+,title=/m);
  });

  test('--format github in a workflow run from a subfolder: the path is relative to GITHUB_WORKSPACE', async () => {
    const r = await runMain(['check', 'fixtures/racyCounter.ts', '--format', 'github'], { cwd: path.join(repoRoot, 'test'), env: { GITHUB_WORKSPACE: repoRoot } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^::error file=test\/fixtures\/racyCounter\.ts,line=\d+,title=/m);
  });

  test('a user scenario exported as `scenario`: a verdict not as expected is exit 1', async () => {
    const r = await runMain(['check', 'test/fixtures/counterScenario.ts']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^counter\s+racy\s+violated\s+violated\s/m);
    expect(r.stdout).toMatch(/^counter\s+atomic\s+verified\s+verified\s/m);
    expect(r.stdout).toMatch(/^counter\s+claimedSafe\s+violated\s+verified\s.*NOT AS EXPECTED/m);
  });

  test('--max-states: the verdict is bounded, exit 3', async () => {
    // The default export of manyStates has 200^3 states.
    const r = await runMain(['check', 'test/fixtures/manyStates.ts', '--max-states', '500', '--format', 'json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'bounded', expected: null, parameters: {} });
  });

  test('--max-depth that hides a violation gives bounded, not verified', async () => {
    // The lost update needs 4 steps (load, load, store, store).
    const r = await runMain(['check', 'test/fixtures/racyCounter.ts', '--max-depth', '2', '--format', 'json']);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).verdict).toBe('bounded');
  });

  test('Ctrl-C with --format json: a line for each check not run, verdict null, skipped', async () => {
    const r = await interruptedInProcess(['check', 'test/fixtures/slowScenario.ts', '--format', 'json']);
    expect(r.code).toBe(3);
    const objects = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(objects.map((o) => o.variant)).toEqual(['first', 'second', 'third']);
    expect(objects[0]).toMatchObject({ verdict: 'bounded', expected: 'verified' });
    expect(objects[0]).not.toHaveProperty('skipped');
    for (const o of objects.slice(1)) {
      expect(o).toEqual({ scenario: 'slow', variant: o.variant, parameters: {}, verdict: null, expected: 'verified', skipped: true, reason: 'interrupted' });
    }
  });

  test('Ctrl-C with --format junit: a skipped test case for each check not run', async () => {
    const r = await interruptedInProcess(['check', 'test/fixtures/slowScenario.ts', '--format', 'junit']);
    expect(r.code).toBe(3);
    const root = parseXml(r.stdout);
    const cases = descendants(root, 'testcase');
    expect(cases.map((c) => c.attributes.name)).toEqual(['first', 'second', 'third']);
    expect(descendants(cases[0], 'error')[0].attributes.type).toBe('bounded');
    expect(descendants(cases[0], 'skipped')).toEqual([]);
    for (const c of cases.slice(1)) {
      expect(c.children.map((x) => [x.name, x.attributes.message])).toEqual([['skipped', 'not run: interrupted']]);
    }
    // The count of skipped checks is on the suite: the JUnit schema has no `skipped` on <testsuites>.
    expect(root.attributes).toMatchObject({ tests: '3', errors: '1' });
    expect(root.attributes).not.toHaveProperty('skipped');
    expect(descendants(root, 'testsuite')[0].attributes).toMatchObject({ tests: '3', errors: '1', skipped: '2' });
  });
});
