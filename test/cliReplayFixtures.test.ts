// Every committed trace fixture replayed through the command line (in-process), as a user would: a
// built-in scenario's trace as it is, a user module's trace only with --model naming the module, and
// always against the system the trace was recorded from (module, export, variant, parameters).
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parseTrace } from '../traces/index.ts';
import { runMain } from './cliInProcess.ts';
import { isOneLineError } from './cliProcess.ts';

const dir = fileURLToPath(new URL('../traces/fixtures/', import.meta.url));
const committed = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.trace.json')).sort();
const tmp = mkdtempSync(path.join(tmpdir(), 'vmbus-check-replay-fixtures-'));

describe('every committed fixture replays through the CLI', () => {
  for (const file of committed) {
    const trace = path.join('traces/fixtures', file);
    const { system } = parseTrace(readFileSync(trace, 'utf8'));
    const model = system.module === 'builtin' ? [] : ['--model', system.module];
    test(`${file}: reproduced (exit 1)`, async () => {
      const r = await runMain(['replay', trace, ...model]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^reproduced: /m);
      expect(r.code).toBe(1);
    });
    if (system.module !== 'builtin') {
      test(`${file}: without --model, refused (exit 2) naming the module to pass`, async () => {
        const r = await runMain(['replay', trace]);
        expect(r.code).toBe(2);
        expect(isOneLineError(r.stderr), r.stderr).toBe(true);
        expect(r.stderr).toContain(JSON.stringify(system.module));
        expect(r.stderr).toContain('--model');
        expect(r.stdout).toBe('');
      });
    }
  }
});

describe('replay rebuilds the recorded system or refuses', () => {
  const petersonBroken = JSON.parse(readFileSync(path.join(dir, 'examples/peterson-broken.trace.json'), 'utf8'));
  const write = (name: string, t: unknown) => {
    const file = path.join(tmp, name);
    writeFileSync(file, JSON.stringify(t));
    return file;
  };

  test('a plain function export recorded with parameters cannot be rebuilt: exit 2, not "no longer reproduces"', async () => {
    const file = write('positional.json', { ...petersonBroken, system: { module: 'models/examples/peterson.ts', export: 'peterson', parameters: { broken: true } } });
    const r = await runMain(['replay', file, '--model', 'models/examples/peterson.ts']);
    expect(r.code).toBe(2);
    expect(isOneLineError(r.stderr), r.stderr).toBe(true);
    expect(r.stderr).toMatch(/recorded with parameters broken=true.*cannot rebuild/);
  });

  test('a variant whose parameters changed since the trace was recorded: exit 2', async () => {
    const builtin = JSON.parse(readFileSync(path.join(dir, 'peterson.broken.trace.json'), 'utf8'));
    const file = write('changed.json', { ...builtin, system: { ...builtin.system, parameters: { storeOrder: 'something-else' } } });
    const r = await runMain(['replay', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/storeOrder="something-else".*variant broken now has storeOrder="turn-then-flag"/);
  });

  test('a trace naming a module in the working directory does not run it (as regenerate.ts once did)', async () => {
    const marker = path.join(tmp, 'ran');
    const module = path.relative(process.cwd(), path.join(tmp, 'hostile.ts'));
    writeFileSync(path.join(tmp, 'hostile.ts'), `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'ran');\n`);
    const file = write('hostile.json', { ...petersonBroken, system: { ...petersonBroken.system, module } });
    const r = await runMain(['replay', file]);
    expect(existsSync(marker)).toBe(false);
    expect(r.code).toBe(2);
  });
});
