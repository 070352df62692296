// Actor and cell names with indices, as the code writes them (`vp[1]`, `evtchn_pending[3]`): accepted by
// validation and the trace schema, and carried unchanged through every report and picture, each of which
// is checked by its own reader (the XSD, the SARIF schema, Mermaid's parser); a name of another form is
// refused with the form that is allowed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import AjvModule from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import mermaid from 'mermaid';
import { setup } from 'xstate';
import { describe, expect, test } from 'vitest';
import { validateSystem } from '../checker/index.ts';
import { parseTrace } from '../traces/index.ts';
import { runMain } from './cliInProcess.ts';
import { repoRoot } from './cliProcess.ts';
import { descendants, parseXml } from './xmlTree.ts';

const model = 'test/fixtures/indexedNames.ts';
const machine = setup({}).createMachine({ initial: 'a', states: { a: {} } });

describe('indexed names in a system definition', () => {
  test('are accepted for actors and cells', () => {
    expect(() => validateSystem({ actors: { 'vp[1]': { machine }, 'sint[0][15]': { machine } }, cells: { 'evtchn_pending[3]': false } })).not.toThrow();
  });

  const refused: [string, Record<string, unknown>][] = [
    ['vp[x]', { actors: { 'vp[x]': { machine } } }],
    ['vp[-1]', { actors: { 'vp[-1]': { machine } } }],
    ['[1]', { actors: { '[1]': { machine } } }],
    ['vp 1', { actors: { 'vp 1': { machine } } }],
    ['pending[1]x', { actors: { a: { machine } }, cells: { 'pending[1]x': 0 } }],
  ];
  for (const [name, def] of refused) {
    test(`'${name}' is refused, naming the form that is allowed`, () => {
      expect(() => validateSystem(def)).toThrow(new RegExp(`name ${JSON.stringify(name).replace(/[[\]]/g, '\\$&')} is not allowed: use an identifier .*optionally indexed: vp\\[1\\]`));
    });
  }
});

describe('indexed names end to end', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmbus-indexed-'));
  const tracePath = path.join(dir, 'trace.json');

  test('the text report and the trace file keep the names', async () => {
    const r = await runMain(['check', model, '--quiet', '--out', tracePath]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^1\s+vp\[0\]\s+raise\s+running -> raised; status done; evtchn_pending\[0\] := true; post kick -> host$/m);
    const trace = parseTrace(readFileSync(tracePath, 'utf8'));
    expect(Object.keys(trace.initial.actors)).toEqual(['vp[0]', 'vp[1]', 'host']);
    expect(trace.steps.map((s) => s.actor).sort()).toEqual(['vp[0]', 'vp[1]']);
  });

  test('replay reproduces it and Mermaid parses the diagram, with the names as participants', async () => {
    const text = await runMain(['replay', tracePath, '--model', model]);
    expect(text.stdout).toMatch(/reproduced: onePending violated after 2 steps/);
    const r = await runMain(['replay', tracePath, '--model', model, '--format', 'mermaid']);
    expect(r.code).toBe(0);
    await expect(mermaid.parse(r.stdout)).resolves.toMatchObject({ diagramType: 'sequence' });
    const participants = [...r.stdout.matchAll(/^ {2}participant (\S+)(?: as (.*))?$/gm)].map((m) => m[2] ?? m[1]);
    expect(participants).toEqual(['vp[0]', 'vp[1]', 'host']);
    const html = await runMain(['replay', tracePath, '--model', model, '--format', 'html']);
    expect(html.code).toBe(0);
    expect(html.stdout).toContain('vp[1]');
    expect(html.stdout).toContain('evtchn_pending[1]');
  });

  test('JUnit names the check and still validates against the xunit schema', async (ctx) => {
    const r = await runMain(['check', model, '--quiet', '--format', 'junit']);
    expect(r.code).toBe(1);
    const failure = descendants(parseXml(r.stdout), 'failure')[0];
    expect(failure.attributes.message).toContain('evtchn_pending[0] and evtchn_pending[1] are both set');
    if (spawnSync('xmllint', ['--version']).status !== 0) ctx.skip('xmllint is not installed (Debian package libxml2-utils)');
    const v = spawnSync('xmllint', ['--noout', '--schema', path.join(repoRoot, 'test/fixtures/junit-10.xsd'), '-'], { input: r.stdout, encoding: 'utf8' });
    expect(v.stderr).toMatch(/validates/);
  });

  test('SARIF validates, and its code flow puts each vCPU step at its actor\'s state', async () => {
    const r = await runMain(['check', model, '--quiet', '--format', 'sarif']);
    const log = JSON.parse(r.stdout);
    const schema = JSON.parse(readFileSync(createRequire(import.meta.url).resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
    const ajv = new AjvModule.default({ strict: false, unicodeRegExp: false });
    addFormatsModule.default(ajv);
    const validate = ajv.compile(schema);
    expect(validate(log) ? [] : validate.errors).toEqual([]);
    const steps = log.runs[0].results[0].codeFlows[0].threadFlows[0].locations.slice(1);
    expect(steps.map((s: { location: { message: { text: string } } }) => s.location.message.text.split('  ')[1])).toEqual(['vp[0]', 'vp[1]']);
    const raised = readFileSync(path.join(repoRoot, model), 'utf8').split('\n').findIndex((l) => /raised: \{ type: 'final' \}/.test(l)) + 1;
    expect(steps.map((s: { location: { physicalLocation: { region: { startLine: number } } } }) => s.location.physicalLocation.region.startLine)).toEqual([raised, raised]);
  });

  test('GitHub annotations carry the names in their text', async () => {
    const r = await runMain(['check', model, '--quiet', '--format', 'github']);
    expect(r.stdout).toMatch(/^::error file=test\/fixtures\/indexedNames\.ts,line=\d+,title=vmbus-check%3A indexed-names violates onePending::evtchn_pending\[0\] and evtchn_pending\[1\] are both set/m);
  });
});
