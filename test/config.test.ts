// The config file: a bare `vmbus-check` in a folder with vmbus-check.config.ts checks the models it
// names and writes the reports it asks for; flags override it; a malformed config is one line naming the
// field, exit 2; without a config the built-ins are checked, as before. Each project is built here in a
// scratch folder, its config importing defineConfig from the sources.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { defineConfig } from '../cli/defineConfig.ts';
import { runMain } from './cliInProcess.ts';
import { isOneLineError, repoRoot } from './cliProcess.ts';
import { descendants, parseXml } from './xmlTree.ts';

const fixtures = path.join(repoRoot, 'test', 'fixtures');
const defineConfigModule = JSON.stringify(path.join(repoRoot, 'cli', 'defineConfig.ts'));

/** A scratch project holding `files` (a config's text under its file name). */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmbus-config-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const tsConfig = (body: string) => `import { defineConfig } from ${defineConfigModule};\nexport default defineConfig(${body});\n`;

// Three entries: one module with two of its variants, a glob with a parameter set, a built-in by name.
const several = tsConfig(`{
  models: [
    { model: ${JSON.stringify(`${fixtures}/counterScenario.ts`)}, variants: ['racy', 'atomic'] },
    { model: ${JSON.stringify(`${fixtures}/param*.ts`)}, params: { workers: 3 } },
    'peterson',
  ],
  bounds: { maxStates: 100000, maxMemory: '2G' },
  reports: [{ format: 'junit', output: 'reports/junit.xml' }, { format: 'json', output: 'reports/checks.jsonl' }, { format: 'text' }],
  out: 'traces/',
}`);

const jsonLines = (s: string) => s.trim().split('\n').map((l) => JSON.parse(l));
const labels = (checks: { scenario: string; variant: string }[]) => checks.map((c) => `${c.scenario}/${c.variant}`);
const SIX = ['counter/racy', 'counter/atomic', 'counters/racy', 'counters/atomic', 'peterson/correct', 'peterson/broken'];

describe('a config file with several models', () => {
  test('a bare vmbus-check checks its models and writes each report where it says', async () => {
    const dir = project({ 'vmbus-check.config.ts': several });
    const r = await runMain(['--quiet'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Text to standard output: six rows, every verdict as expected.
    expect(r.stdout).toMatch(/^6 checks: every verdict as expected$/m);
    const checks = jsonLines(readFileSync(path.join(dir, 'reports/checks.jsonl'), 'utf8'));
    expect(labels(checks)).toEqual(SIX);
    expect(checks[2]).toMatchObject({ parameters: { workers: 3 }, message: 'count is 2 after 3 increments' });
    const junit = readFileSync(path.join(dir, 'reports/junit.xml'), 'utf8');
    expect(descendants(parseXml(junit), 'testcase')).toHaveLength(6);
    if (spawnSync('xmllint', ['--version']).status === 0) {
      const v = spawnSync('xmllint', ['--noout', '--schema', path.join(fixtures, 'junit-10.xsd'), '-'], { input: junit, encoding: 'utf8' });
      expect(v.stderr).toMatch(/validates/);
    }
    // Every expected violation's counterexample, in the traces folder.
    expect(readdirSync(path.join(dir, 'traces')).sort()).toEqual(['counter.racy.trace.json', 'counters.racy.trace.json', 'peterson.broken.trace.json']);
  });

  test('`check` with no targets is the same run; targets given replace the models, the reports still apply', async () => {
    const dir = project({ 'vmbus-check.config.ts': several });
    const all = await runMain(['check', '--quiet', '--format', 'json'], { cwd: dir });
    expect(labels(jsonLines(all.stdout))).toEqual(SIX);
    const one = await runMain(['check', 'lost-wakeup', '--quiet'], { cwd: dir });
    expect(one.code).toBe(0);
    expect(labels(jsonLines(readFileSync(path.join(dir, 'reports/checks.jsonl'), 'utf8')))).toEqual(['lost-wakeup/buggy', 'lost-wakeup/fixed']);
  });

  test('flags override the config: --format replaces its reports, a bound its bounds, --param its params', async () => {
    const dir = project({ 'vmbus-check.config.ts': several });
    const r = await runMain(['--quiet', '--format', 'json', '--max-states', '3', '--config', 'vmbus-check.config.ts'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(jsonLines(r.stdout).map((c) => c.verdict)).toContain('bounded');
    expect(existsSync(path.join(dir, 'reports'))).toBe(false);
    const p = await runMain(['check', `${fixtures}/paramScenario.ts`, '--quiet', '--format', 'json', '--param', 'workers=4'], { cwd: dir });
    expect(jsonLines(p.stdout).map((c) => c.parameters.workers)).toEqual([4, 4]);
  });

  test('--config names a config elsewhere; its paths are relative to its own folder', async () => {
    const dir = project({
      'ci/vmbus.config.mjs': `export default { models: ['../models/*.ts'], reports: [{ format: 'json', output: 'out.jsonl' }] };\n`,
      'models/counter.ts': `export { scenario } from ${JSON.stringify(`${fixtures}/paramScenario.ts`)};\n`,
    });
    const r = await runMain(['--quiet', '--config', 'ci/vmbus.config.mjs'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(labels(jsonLines(readFileSync(path.join(dir, 'ci/out.jsonl'), 'utf8')))).toEqual(['counters/racy', 'counters/atomic']);
  });

  test('memory models: each check under each one the config names; --memory overrides them', async () => {
    const dir = project({ 'vmbus-check.config.mjs': `export default { models: [{ model: 'peterson', variants: ['correct'] }], memory: ['sc', 'tso'], reports: [{ format: 'json' }] };\n` });
    const r = await runMain(['--quiet'], { cwd: dir });
    expect(jsonLines(r.stdout).map((c) => `${c.variant} ${c.memory} ${c.verdict}`)).toEqual(['correct sc verified', 'correct tso violated']);
    const arm = await runMain(['--quiet', '--memory', 'arm'], { cwd: dir });
    expect(jsonLines(arm.stdout).map((c) => c.memory)).toEqual(['arm']);
  });

  test('replay may load a model the config lists without --model', async () => {
    const dir = project({ 'models/counter.ts': `export { scenario } from ${JSON.stringify(`${fixtures}/paramScenario.ts`)};\n` });
    expect((await runMain(['check', 'models/counter.ts', '--variant', 'racy', '--out', 'racy.json', '--quiet'], { cwd: dir })).code).toBe(1);
    const refused = await runMain(['replay', 'racy.json'], { cwd: dir });
    expect(refused.stderr).toMatch(/pass --model/);
    writeFileSync(path.join(dir, 'vmbus-check.config.ts'), tsConfig(`{ models: ['models/*.ts'] }`));
    const replayed = await runMain(['replay', 'racy.json'], { cwd: dir });
    expect(replayed.stdout).toMatch(/reproduced: noLostUpdate violated/);
  });
  // Without a config the bare command checks the built-ins: test/cliCheck.test.ts, run where there is none.
});

describe('a config that is wrong is one line naming the field, exit 2', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['an unknown field', { 'vmbus-check.config.ts': tsConfig(`{ models: ['peterson'], modles: [] }`) }, /vmbus-check\.config\.ts: unknown field modles$/],
    ['a bound that is not a whole number', { 'vmbus-check.config.ts': tsConfig(`{ models: ['peterson'], bounds: { maxStates: 0 } }`) }, /: bounds\.maxStates: must be a whole number of at least 1$/],
    ['a bound of the wrong type', { 'vmbus-check.config.mjs': `export default { models: ['peterson'], bounds: { timeLimit: '10s' } };` }, /: bounds\.timeLimit: must be a positive number of seconds$/],
    ['a bad memory size', { 'vmbus-check.config.mjs': `export default { models: ['peterson'], bounds: { maxMemory: 'lots' } };` }, /: bounds\.maxMemory must be a size of at least 1M/],
    ['an unknown format', { 'vmbus-check.config.mjs': `export default { models: ['peterson'], reports: [{ format: 'xml' }] };` }, /: reports\[0\]\.format: must be one of text, json, junit, github, sarif$/],
    ['two reports to standard output', { 'vmbus-check.config.mjs': `export default { models: ['peterson'], reports: [{ format: 'text' }, { format: 'json' }] };` }, /: reports: send at most one report to standard output/],
    ['a model entry that is not one', { 'vmbus-check.config.mjs': `export default { models: ['peterson', 42] };` }, /: models\[1\]: must be a scenario name, a model path, a glob, or \{ model, variants\?, params\? \}$/],
    ['a field of a model entry', { 'vmbus-check.config.mjs': `export default { models: [{ model: 'peterson', variants: 'broken' }] };` }, /: models\[0\]\.variants: must be a list of variant names$/],
    ['an unknown memory model', { 'vmbus-check.config.mjs': `export default { models: ['peterson'], memory: ['sc', 'power'] };` }, /: memory\[1\]: must be one of sc, tso, arm$/],
    ['no models', { 'vmbus-check.config.mjs': `export default { reports: [] };` }, /: models: must be a list of models/],
    ['not an object', { 'vmbus-check.config.mjs': `export default 'peterson';` }, /: a configuration must be an object/],
    ['no default export', { 'vmbus-check.config.mjs': `export const config = { models: ['peterson'] };` }, /: no default export: export default defineConfig/],
    ['a glob that matches nothing', { 'vmbus-check.config.mjs': `export default { models: ['models/**/*.ts'] };` }, /vmbus-check\.config\.mjs: models\[0\]: no file matches "models\/\*\*\/\*\.ts"$/],
    ['a variant the scenario lacks', { 'vmbus-check.config.mjs': `export default { models: [{ model: 'peterson', variants: ['fixed'] }] };` }, /scenario peterson has no variant 'fixed'/],
    ['a parameter the variant lacks', { 'vmbus-check.config.mjs': `export default { models: [{ model: 'peterson', params: { vcpus: 2 } }] };` }, /scenario peterson, variant correct: no parameter 'vcpus' \(it takes no parameters\)$/],
    ['a parameter of the wrong type', { 'vmbus-check.config.mjs': `export default { models: [{ model: ${JSON.stringify(`${fixtures}/paramScenario.ts`)}, params: { workers: '3' } }] };` }, /parameter workers is an integer from 1 to 4, not "3"$/],
    ['a config that throws', { 'vmbus-check.config.mjs': `throw new Error('no config today');` }, /vmbus-check\.config\.mjs: the module threw while loading: no config today$/],
    ['two config files', { 'vmbus-check.config.ts': tsConfig(`{ models: ['peterson'] }`), 'vmbus-check.config.mjs': `export default { models: ['peterson'] };` }, /vmbus-check\.config\.ts and vmbus-check\.config\.mjs are both here: keep one, or name it with --config$/],
    ['--variant with a config run', { 'vmbus-check.config.mjs': `export default { models: ['peterson'] };`, args: '--variant broken' }, /--variant picks a variant of one scenario: name it/],
  ];
  for (const [what, files, message] of cases) {
    test(what, async () => {
      const { args = '', ...rest } = files;
      const r = await runMain(['--quiet', ...args.split(' ').filter(Boolean)], { cwd: project(rest) });
      expect(r.code).toBe(2);
      expect(isOneLineError(r.stderr), r.stderr).toBe(true);
      expect(r.stderr.trimEnd()).toMatch(message);
      expect(r.stdout).toBe('');
    });
  }

  test('--config naming a missing file', async () => {
    const r = await runMain(['--config', 'nowhere.config.ts'], { cwd: project({}) });
    expect(r.stderr).toBe('vmbus-check: --config nowhere.config.ts: no such file\n');
    expect(r.code).toBe(2);
  });
});

test('defineConfig is typed: a misspelt field or a value of the wrong type is a type error', () => {
  const ok = defineConfig({ models: ['peterson', { model: 'models/*.ts', variants: ['fixed'], params: { vcpus: 2 } }], reports: [{ format: 'junit', output: 'junit.xml' }] });
  // @ts-expect-error: `format` takes a report format's name
  defineConfig({ models: ['peterson'], reports: [{ format: 'xml' }] });
  // @ts-expect-error: a bound is a number
  defineConfig({ models: ['peterson'], bounds: { maxStates: '5' } });
  expect(ok.models).toHaveLength(2);
});
