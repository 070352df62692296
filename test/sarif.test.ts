// --format sarif: a SARIF 2.1.0 log that validates against the OASIS schema (sarif-2.1.0-rtm.5.json,
// as shipped in the @microsoft/jest-sarif package, so the test runs offline), each violation located
// at its property and its counterexample a code flow over the states the actors took.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import AjvModule from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { describe, expect, test } from 'vitest';
import { runMain } from './cliInProcess.ts';

const require = createRequire(import.meta.url);
const schema = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
// The published schema has one pattern (a language tag) that is not a valid Unicode-mode regular
// expression (a stray `]`); it is compiled as a plain one, as JSON Schema draft 4 validators do.
// Both are CommonJS modules whose default export is `exports.default`.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

async function sarif(args: string[], code: number) {
  const r = await runMain([...args, '--format', 'sarif', '--quiet']);
  expect(r.code).toBe(code);
  const log = JSON.parse(r.stdout);
  const ok = validate(log);
  expect(ok ? [] : validate.errors).toEqual([]);
  return log;
}

const lineAt = (uri: string, line: number) => readFileSync(uri, 'utf8').split('\n')[line - 1];

describe('--format sarif', () => {
  test('the schema rejects what it should (the validator is not vacuous)', () => {
    expect(validate({ version: '2.1.0', runs: [] })).toBe(true);
    expect(validate({ version: '2.0.0', runs: [] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: {}, level: 'fatal' }] }] })).toBe(false);
  });

  test('a violation: a result at its property, with a code flow over the steps at the states taken', async () => {
    const log = await sarif(['check', 'shutdown-ic-boot', '--variant', 'buggy-linux'], 1);
    const run = log.runs[0];
    expect(run.tool.driver.name).toBe('vmbus-check');
    expect(run.results).toHaveLength(1);
    const result = run.results[0];
    expect(result).toMatchObject({ ruleId: 'lostInterrupt', level: 'error' });
    expect(run.tool.driver.rules[result.ruleIndex].id).toBe('lostInterrupt');
    const at = result.locations[0].physicalLocation;
    // The property's predicate is written where stall(...) is called.
    expect(lineAt(at.artifactLocation.uri, at.region.startLine)).toMatch(/\bstall\(/);
    const steps = result.codeFlows[0].threadFlows[0].locations;
    expect(steps).toHaveLength(16); // the initial state and 15 steps
    expect(steps[15].location.message.text).toMatch(/^15 {2}guest {2}timer after 360000ms/);
    // Step 6: the shutdown IC opens, to waitVersion, whose definition is in models/shutdownIc.ts.
    const six = steps[6].location;
    expect(six.message.text).toMatch(/^6 {2}shutdownIc {2}<- open {2}closed -> waitVersion/);
    expect(six.physicalLocation.artifactLocation.uri).toBe('models/shutdownIc.ts');
    expect(lineAt('models/shutdownIc.ts', six.physicalLocation.region.startLine)).toMatch(/^\s*waitVersion: \{/);
    // State names other machines of the library share (`closed`, `opening`, `open`) still land in the
    // stepping actor's own machine: step 1, the server to closed; step 5, the server to opening.
    for (const [i, state] of [[1, 'closed'], [5, 'opening'], [11, 'open']] as const) {
      const loc = steps[i].location;
      expect(loc.message.text).toMatch(new RegExp(`^${i} {2}server `));
      expect(loc.physicalLocation.artifactLocation.uri).toBe('models/serverChannel.ts');
      expect(lineAt('models/serverChannel.ts', loc.physicalLocation.region.startLine)).toMatch(new RegExp(`^\\s*${state}: \\{`));
    }
    // The SynIC's step lands on its machine, not on the server's `synic: 'synic'` input field.
    expect(steps[2].location.physicalLocation.artifactLocation.uri).toBe('models/synic.ts');
    // Every step points into the repository's models.
    for (const s of steps) expect(s.location.physicalLocation.artifactLocation.uri).toMatch(/^models\//);
  });

  test("a user scenario: an expected violation is a suppressed note, a failing one an error, all at the model's lines", async () => {
    const log = await sarif(['check', 'test/fixtures/counterScenario.ts'], 1);
    const results = log.runs[0].results;
    expect(results.map((r: { properties: { variant: string }; level: string }) => [r.properties.variant, r.level])).toEqual([['racy', 'note'], ['claimedSafe', 'error']]);
    expect(results[0].suppressions).toEqual([{ kind: 'inSource', justification: expect.stringMatching(/counter\/racy is expected to violate noLostUpdate/) }]);
    expect(results[1]).not.toHaveProperty('suppressions');
    for (const r of results) {
      const at = r.locations[0].physicalLocation;
      expect(at.artifactLocation.uri).toBe('test/fixtures/racyCounter.ts');
      expect(lineAt(at.artifactLocation.uri, at.region.startLine)).toMatch(/noLostUpdate: invariant\(/);
    }
  });

  test('a bounded check is a warning at its variant; a verified one is no result', async () => {
    const log = await sarif(['check', 'test/fixtures/counterScenario.ts', '--variant', 'atomic', '--max-states', '2'], 3);
    const [r] = log.runs[0].results;
    expect(r).toMatchObject({ ruleId: 'bounded', level: 'warning' });
    expect(lineAt('test/fixtures/counterScenario.ts', r.locations[0].physicalLocation.region.startLine)).toMatch(/name: 'atomic'/);
    const verified = await sarif(['check', 'test/fixtures/counterScenario.ts', '--variant', 'atomic'], 0);
    expect(verified.runs[0].results).toEqual([]);
  });

  test('--coverage: a verified check\'s never-fired transitions are warnings, the counts a property bag; the log still validates', async () => {
    const log = await sarif(['check', 'test/fixtures/deadTransition.ts', '--coverage'], 0);
    expect(log.runs[0].results.map((r: { ruleId: string; level: string }) => [r.ruleId, r.level])).toEqual([['transitionNeverFired', 'warning'], ['transitionNeverFired', 'warning']]);
    expect(log.runs[0].properties.coverage[0].actors.map((a: { actor: string }) => a.actor)).toEqual(['worker', 'driver']);
  });

  test('names full of control characters still give a valid log', async () => {
    const log = await sarif(['check', 'test/fixtures/hostileStrings.ts'], 1);
    expect(JSON.stringify(log)).toContain('injected');
    expect(path.isAbsolute(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri)).toBe(false);
  });
});

test('--all-violations: one result per violated property, each at its definition with its own code flow', async () => {
  const log = await sarif(['check', 'test/fixtures/twoViolations.ts', '--all-violations'], 1);
  const results = log.runs[0].results;
  expect(results.map((r: { ruleId: string }) => r.ruleId)).toEqual(['countStaysZero', 'noLostUpdate']);
  expect(results.map((r: { codeFlows: { threadFlows: { locations: unknown[] }[] }[] }) => r.codeFlows[0].threadFlows[0].locations.length)).toEqual([3, 5]);
  expect(results[1].locations[0].physicalLocation.artifactLocation.uri).toBe('test/fixtures/racyCounter.ts');
});
