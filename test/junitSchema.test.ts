// --format junit validates against Jenkins' xunit JUnit schema (test/fixtures/junit-10.xsd) with
// xmllint, and says where the model is defined in the places that schema and the two common GitHub
// JUnit reporters allow. Without xmllint (Debian: libxml2-utils) the schema tests are skipped, saying so.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { junitReport } from '../cli/formats/junit.ts';
import { loadTarget } from '../cli/loadSystem.ts';
import { runCheck } from '../cli/runChecks.ts';
import { runMain } from './cliInProcess.ts';
import { repoRoot } from './cliProcess.ts';
import { descendants, parseXml } from './xmlTree.ts';

const schema = path.join(repoRoot, 'test', 'fixtures', 'junit-10.xsd');
const hasXmllint = spawnSync('xmllint', ['--version']).status === 0;
const NO_XMLLINT = 'xmllint is not installed (Debian package libxml2-utils): the JUnit schema is not checked';

function validate(xml: string): { ok: boolean; errors: string } {
  const r = spawnSync('xmllint', ['--noout', '--schema', schema, '-'], { input: xml, encoding: 'utf8' });
  return { ok: r.status === 0, errors: r.stderr };
}

/** The line a regular expression first matches in a fixture file, found independently of the checker. */
function lineOf(file: string, re: RegExp): number {
  const i = readFileSync(path.join(repoRoot, file), 'utf8').split('\n').findIndex((l) => re.test(l));
  expect(i, `${re} in ${file}`).toBeGreaterThanOrEqual(0);
  return i + 1;
}

describe('JUnit validates against the xunit plugin schema', () => {
  const runs: [string, string[], number][] = [
    ['a scenario with a failure, an expected violation and a pass', ['check', 'test/fixtures/counterScenario.ts'], 1],
    ['a built-in scenario with parameters and memory models', ['check', 'apple-tso-mode'], 0],
    ['a bounded check (an <error>)', ['check', 'test/fixtures/manyStates.ts', '--max-states', '500'], 3],
    ['names and messages full of markup and control characters', ['check', 'test/fixtures/hostileStrings.ts'], 1],
    ['one variant under --memory', ['check', 'peterson', '--variant', 'broken', '--memory', 'sc,tso'], 1],
    ['--coverage (its tables in a <system-out> of their own)', ['check', 'test/fixtures/deadTransition.ts', '--coverage'], 0],
  ];
  for (const [what, args, code] of runs) {
    test(what, async (ctx) => {
      if (!hasXmllint) ctx.skip(NO_XMLLINT);
      const r = await runMain([...args, '--format', 'junit', '--quiet']);
      expect(r.code).toBe(code);
      const v = validate(r.stdout);
      expect(v.errors).toMatch(/validates/);
      expect(v.ok).toBe(true);
    });
  }

  test('checks that never ran (<skipped>)', async (ctx) => {
    if (!hasXmllint) ctx.skip(NO_XMLLINT);
    const target = await loadTarget('test/fixtures/counterScenario.ts');
    const record = await runCheck({ target, variant: target.variants[0] }, { bounds: {}, signal: new AbortController().signal, progress: null });
    const skipped = target.variants.slice(1).map((v) => ({ scenario: target.name, variant: v.name, parameters: v.parameters, expected: v.expected, memory: 'sc' as const, memoryAsked: false, reason: 'interrupted' as const }));
    const xml = junitReport([record], true, skipped);
    expect(validate(xml).ok).toBe(true);
    expect(descendants(parseXml(xml), 'skipped')).toHaveLength(2);
  });

  test('the schema is strict where it matters: the report of earlier versions fails it', (ctx) => {
    if (!hasXmllint) ctx.skip(NO_XMLLINT);
    // Properties inside a test case and `skipped` on <testsuites>, as vmbus-check wrote them before.
    const old = '<?xml version="1.0"?>\n<testsuites tests="1" failures="0" errors="0" skipped="0"><testsuite name="s" tests="1" failures="0" errors="0">'
      + '<testcase name="v"><properties><property name="a" value="1"/></properties></testcase></testsuite></testsuites>\n';
    const v = validate(old);
    expect(v.ok).toBe(false);
    expect(v.errors).toMatch(/attribute 'skipped': The attribute 'skipped' is not allowed/);
    expect(v.errors).toMatch(/Element 'properties': This element is not expected/);
  });
});

describe('JUnit says where the model is defined', () => {
  test("the suite's file, each variant's parameters as suite properties, and location lines", async () => {
    const r = await runMain(['check', 'test/fixtures/counterScenario.ts', '--format', 'junit']);
    const root = parseXml(r.stdout);
    const suite = descendants(root, 'testsuite')[0];
    expect(suite.attributes.file).toBe('test/fixtures/counterScenario.ts');
    expect(descendants(suite, 'property').map((p) => `${p.attributes.name}=${p.attributes.value}`)).toEqual(['racy.atomic=false', 'atomic.atomic=true', 'claimedSafe.atomic=false']);
    const failure = descendants(root, 'failure')[0];
    const propertyLine = lineOf('test/fixtures/racyCounter.ts', /noLostUpdate: invariant\(/);
    const variantLine = lineOf('test/fixtures/counterScenario.ts', /name: 'claimedSafe'/);

    // dorny/test-reporter (java-junit): the first line `at <package>.<Class...>(<file name>:<line>)`
    // whose package (the parts before the first capitalised one) names the file's folders.
    const frame = failure.text.split('\n').map((l) => /^at (.*)\((.*):(\d+)\)$/.exec(l)).find((m) => m !== null)!;
    const parts = frame[1].split('.');
    const folders = parts.slice(0, parts.findIndex((p) => p[0] <= 'Z'));
    expect(`${folders.join('/')}/${frame[2]}:${frame[3]}`).toBe(`test/fixtures/racyCounter.ts:${propertyLine}`);

    // mikepenz/action-junit-report: with no line attribute, the last ` <path>file...:<line>` in the
    // text, for the file the suite names.
    const matches = failure.text.match(/ [^ ]*test\/fixtures\/counterScenario\.ts.*?:\d+/g)!;
    expect(Number(matches.at(-1)!.split(':').pop())).toBe(variantLine);
  });

  test('a built-in variant: its suite is its scenario file, its failure names the property', async () => {
    const r = await runMain(['check', 'peterson', '--variant', 'broken', '--format', 'junit']);
    const root = parseXml(r.stdout);
    expect(descendants(root, 'testsuite')[0].attributes.file).toBe('models/examples/peterson.ts');
    const line = lineOf('models/examples/peterson.ts', /mutualExclusion: invariant\(/);
    expect(descendants(root, 'failure')[0].text).toContain(`\nproperty mutualExclusion: models/examples/peterson.ts:${line}`);
  });
});
