// User models outside this repository, as a user keeps them: in a folder with no package.json (which made
// tsx compile a .ts module as CommonJS, its exports inside the default export; cli/compiledModule.ts
// bundles it as an ES module).
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { runMain } from './cliInProcess.ts';
import { repoRoot } from './cliProcess.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vmbus-check-cjs-'));
const library = path.join(repoRoot, 'checker', 'index.ts');
// The folder has no node_modules either: xstate is imported by the absolute path of its CommonJS entry.
const xstate = createRequire(library).resolve('xstate');

/** Copies a fixture into the folder, its imports of the library and of xstate made absolute. */
function copyModel(fixture: string): string {
  const text = readFileSync(path.join(repoRoot, 'test', 'fixtures', fixture), 'utf8')
    .replace("from '../../checker/index.ts'", `from ${JSON.stringify(library)}`)
    .replace("from 'xstate'", `from ${JSON.stringify(xstate)}`);
  const file = path.join(dir, fixture);
  writeFileSync(file, text);
  return file;
}

beforeAll(() => {
  // No package.json anywhere above the folder, so nothing makes it an ESM package.
  for (let d = dir; d !== path.dirname(d); d = path.dirname(d)) expect(existsSync(path.join(d, 'package.json')), d).toBe(false);
  for (const f of ['racyCounter.ts', 'counterScenario.ts', 'manyStates.ts']) copyModel(f);
});

describe('a user model compiled as CommonJS', () => {
  test('exporting `system`, by absolute path: checked, the lost update found (exit 1)', async () => {
    const r = await runMain(['check', path.join(dir, 'racyCounter.ts'), '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'violated', property: 'noLostUpdate' });
  });

  test('exporting `system`, by a path relative to the working directory; its trace replays', async () => {
    const r = await runMain(['check', 'racyCounter.ts', '--format', 'json', '--out', 'racy.trace.json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'violated', property: 'noLostUpdate' });
    const replay = await runMain(['replay', 'racy.trace.json', '--model', 'racyCounter.ts'], { cwd: dir });
    expect(replay.stderr).toBe('');
    expect(replay.code).toBe(1);
    expect(replay.stdout).toMatch(/reproduced: noLostUpdate/);
  });

  test('exporting `scenario`: each variant judged against its expectation', async () => {
    const r = await runMain(['check', './counterScenario.ts'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1); // claimedSafe is wrongly expected to be safe
    expect(r.stdout).toMatch(/^counter\s+racy\s+violated\s+violated\s/m);
    expect(r.stdout).toMatch(/^counter\s+atomic\s+verified\s+verified\s/m);
  });

  test('--format github names a model outside the working directory by its absolute path, at the violated property', async () => {
    const model = path.join(dir, 'racyCounter.ts');
    const r = await runMain(['check', model, '--format', 'github']);
    expect(r.code).toBe(1);
    // Workflow command syntax escapes ':' and ',' inside property values.
    const escaped = model.replace(/%/g, '%25').replace(/:/g, '%3A').replace(/,/g, '%2C');
    const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error'));
    expect(errors).toHaveLength(1);
    const line = readFileSync(model, 'utf8').split('\n').findIndex((l) => l.includes('noLostUpdate: invariant(')) + 1;
    expect(line).toBeGreaterThan(0);
    expect(errors[0].startsWith(`::error file=${escaped},line=${line},`), errors[0]).toBe(true);
  });

  test('with a default export', async () => {
    const r = await runMain(['check', 'manyStates.ts', '--max-states', '100', '--format', 'json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout)).toMatchObject({ scenario: 'many-states', verdict: 'bounded' });
  });
});
