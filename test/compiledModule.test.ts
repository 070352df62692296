// Loading a user's module through esbuild (cli/compiledModule.ts): what the bundle would change is as it
// was (each file's own import.meta.url and __dirname, `require`), installed JavaScript packages are the
// instances Node itself loads, and a TypeScript package (a workspace's) is compiled with the model.
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { freshBundle, keepBundle } from '../cli/compiledBundles.ts';
import { importCompiled } from '../cli/compiledModule.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'vmbus-check-compiled-'));
const write = (file: string, text: string) => {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
};

beforeAll(() => {
  write('node_modules/js-pkg/package.json', JSON.stringify({ name: 'js-pkg', type: 'module', exports: { import: './index.js', require: './index.cjs' } }));
  write('node_modules/js-pkg/index.js', 'export const token = { from: "import" };\n');
  write('node_modules/js-pkg/index.cjs', 'exports.token = { from: "require" };\n');
  write('node_modules/ts-pkg/package.json', JSON.stringify({ name: 'ts-pkg', main: 'index.ts' }));
  write('node_modules/ts-pkg/index.ts', 'export const double = (x: number): number => 2 * x;\n');
  write('lib/where.ts', 'export const libUrl: string = import.meta.url;\nexport const libDir: string = import.meta.dirname;\n');
  write('model.ts', [
    "import { token } from 'js-pkg';",
    "import { double } from 'ts-pkg';",
    "import { libUrl, libDir } from './lib/where.ts';",
    "const os = require('node:os');",
    'export const here: string = import.meta.url;',
    'export const file: string = __filename;',
    'export { token, double, libUrl, libDir };',
    'export const platform: string = os.platform();',
  ].join('\n') + '\n');
});

describe('importCompiled', () => {
  test('each file keeps its own import.meta.url, dirname and __filename; require works', async () => {
    const mod = await importCompiled(path.join(dir, 'model.ts'));
    expect(mod.here).toBe(pathToFileURL(path.join(dir, 'model.ts')).href);
    expect(mod.file).toBe(path.join(dir, 'model.ts'));
    expect(mod.libUrl).toBe(pathToFileURL(path.join(dir, 'lib', 'where.ts')).href);
    expect(mod.libDir).toBe(path.join(dir, 'lib'));
    expect(mod.platform).toBe(process.platform);
  });

  test('an installed JavaScript package is the instance Node loads, by its `import` condition; a TypeScript one is compiled', async () => {
    const mod = await importCompiled(path.join(dir, 'model.ts'));
    const installed = await import(pathToFileURL(path.join(dir, 'node_modules', 'js-pkg', 'index.js')).href);
    expect(mod.token).toBe(installed.token);
    expect(mod.token).toEqual({ from: 'import' });
    expect((mod.double as (x: number) => number)(21)).toBe(42);
  });

  test('leaves no temporary file behind', async () => {
    const temporary = mkdtempSync(path.join(tmpdir(), 'vmbus-check-temporary-'));
    await importCompiled(path.join(dir, 'model.ts'), temporary);
    expect(readdirSync(temporary)).toEqual([]);
  });

  test("a file's own `const __dirname = ...` (the ES-module idiom) and the words in a string are left as written", async () => {
    write('idiom.ts', [
      "import path from 'node:path';",
      "import { fileURLToPath } from 'node:url';",
      'const __dirname = path.dirname(fileURLToPath(import.meta.url));',
      'export const dir = __dirname;',
      "export const note = 'see import.meta.url and __dirname in the docs';",
    ].join('\n') + '\n');
    const mod = await importCompiled(path.join(dir, 'idiom.ts'));
    expect(mod.dir).toBe(dir);
    expect(mod.note).toBe('see import.meta.url and __dirname in the docs');
  });

  test('a file that begins with #! keeps its lines: an error thrown at a line is reported at that line', async () => {
    write('shebang.ts', "#!/usr/bin/env node\nexport const url = import.meta.url;\nexport const where = (): string => new Error('here').stack!.split('\\n')[1];\n");
    const mod = await importCompiled(path.join(dir, 'shebang.ts'));
    expect(mod.url).toBe(pathToFileURL(path.join(dir, 'shebang.ts')).href);
    process.setSourceMapsEnabled(true);
    expect((mod.where as () => string)()).toContain('shebang.ts:3:');
  });

  test('an import that does not resolve: esbuild\'s error, naming the file and the import', async () => {
    write('broken.ts', "import { nothing } from './missing.ts';\nexport const x = nothing;\n");
    await expect(importCompiled(path.join(dir, 'broken.ts'))).rejects.toMatchObject({ errors: [expect.objectContaining({ text: expect.stringContaining('./missing.ts') })] });
  });

  test('a bundle is kept while its files are unchanged, and handed to another thread is imported without compiling', async () => {
    write('kept.ts', "import { n } from './keptLib.ts';\nexport const value = n;\nexport const where = (): string => new Error('here').stack!.split('\\n')[1];\n");
    write('keptLib.ts', 'export const n: number = 1;\n');
    const file = path.join(dir, 'kept.ts');
    expect((await importCompiled(file)).value).toBe(1);
    const bundle = freshBundle(file)!;
    expect(bundle.inputs.map((i) => path.basename(i.path)).sort()).toEqual(['kept.ts', 'keptLib.ts']);
    // What a search thread is sent: a copy, served as it is (a changed text shows it was not compiled again).
    keepBundle({ ...structuredClone(bundle), code: bundle.code.replace('var n = 1;', 'var n = 2;') });
    const served = await importCompiled(file);
    expect(served.value).toBe(2);
    process.setSourceMapsEnabled(true);
    expect((served.where as () => string)()).toContain('kept.ts:3:');
  });

  test('a file the bundle was compiled from that changes (an import of it, too) is compiled again, never served stale', async () => {
    write('edited.ts', "export { n as value } from './editedLib.ts';\n");
    write('editedLib.ts', 'export const n: number = 1;\n');
    const file = path.join(dir, 'edited.ts');
    expect((await importCompiled(file)).value).toBe(1);
    write('editedLib.ts', 'export const n: number = 3;\n');
    // The same size, and a modification time surely not the one compiled from.
    utimesSync(path.join(dir, 'editedLib.ts'), new Date(), new Date(Date.now() + 5000));
    expect(freshBundle(file)).toBeUndefined();
    expect((await importCompiled(file)).value).toBe(3);
  });

  test('compiled after a change of working directory, its files are still stamped and the bundle kept', async () => {
    await importCompiled(path.join(dir, 'model.ts')); // esbuild's process is started, in this directory
    write('moved/here.ts', "export { n as value } from './hereLib.ts';\n");
    write('moved/hereLib.ts', 'export const n: number = 4;\n');
    const file = path.join(dir, 'moved/here.ts');
    const before = process.cwd();
    process.chdir(path.join(dir, 'moved'));
    try {
      expect((await importCompiled(file)).value).toBe(4);
    } finally {
      process.chdir(before);
    }
    expect(freshBundle(file)?.inputs.map((i) => path.basename(i.path)).sort()).toEqual(['here.ts', 'hereLib.ts']);
  });
});
