// A user's model (or config) module, compiled by esbuild into one ES module and imported as it is, with
// no module hooks. tsx's hooks (module.register) run in a thread of their own on Node 20, and once
// registered every later import of the process goes through them: compiling up front takes about half
// of the CLI's start-up off a check of a .ts model (README, "Against SPIN").
// Bundled: the module, the files it imports by path, and packages written in TypeScript (a workspace's,
// which Node cannot load). Left as imports: Node's builtins and JavaScript packages (imported by name, or
// by a path into node_modules), resolved from the importing file as Node resolves them (the `import` and
// `node` conditions, `main`), so the model gets the same xstate and vmbus-check the CLI does, as it did
// through tsx.
// What a bundle changes is put back per file: `import.meta.url`, `.filename` and `.dirname`, and
// `__filename` and `__dirname`, name the file they are written in (esbuild's `define` turns them into
// names each file declares for itself, so a file's own `const __dirname = ...` is left as it is);
// `require` is the entry file's. The
// bundle is written to a temporary file, imported, and removed: Node maps the stack frames of a file
// (not of a data: URL) through its inline source map, so definition sites are the sources' lines
// (checker/sourceLocation.ts). The bundle's text is kept (cli/compiledBundles.ts) while its sources are
// unchanged, for the search thread and any later import of the same module. Not put back: `import.meta.resolve` and `import()` of a computed path,
// which resolve from the temporary file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Loader, Plugin } from 'esbuild';
import { freshBundle, keepBundle, stampOf } from './compiledBundles.ts';
import type { CompiledBundle, FileStamp } from './compiledBundles.ts';

const SOURCE = /\.[cm]?[jt]sx?$/;
const TYPESCRIPT = /\.[cm]?tsx?$/;
/** A file of an installed package, however it was imported (by name, or by a path into node_modules). */
const INSTALLED = /[\\/]node_modules[\\/]/;

function loaderOf(file: string): Loader {
  const ext = path.extname(file).replace(/^\.[cm]?/, '');
  return ext as Loader;
}

/** The names `define` gives a file's `import.meta` values and CommonJS's `__dirname` and `__filename`. */
const OWN = { url: '__vmbusCheckOwnUrl', dirname: '__vmbusCheckOwnDirname', filename: '__vmbusCheckOwnFilename' };
const DEFINE = {
  'import.meta.url': OWN.url, 'import.meta.dirname': OWN.dirname, 'import.meta.filename': OWN.filename,
  __dirname: OWN.dirname, __filename: OWN.filename,
};

/**
 * The source of `file`, declaring the names `define` put in place of its own `import.meta` values. The
 * declaration goes at the start of the first line (after a `#!` line), so no line moves.
 */
function withOwnNames(source: string, file: string): string {
  if (!/import\.meta|__dirname|__filename/.test(source)) return source;
  const declare = `var ${OWN.url} = ${JSON.stringify(pathToFileURL(file).href)}, ${OWN.dirname} = ${JSON.stringify(path.dirname(file))}, ${OWN.filename} = ${JSON.stringify(file)};`;
  const at = source.startsWith('#!') ? source.indexOf('\n') + 1 || source.length : 0;
  return source.slice(0, at) + declare + source.slice(at);
}

/** Node's own conditions besides node, import or require, and default, so that a package's entry is the one Node picks. */
const CONDITIONS = ['node-addons', ...((process.features as { require_module?: boolean }).require_module ? ['module-sync'] : [])];

/** The plugin; each file it loads is stamped into `read` before it is read, so an edit while compiling shows. */
const modelModule = (read: Map<string, FileStamp | null>): Plugin => ({
  name: 'vmbus-check-model',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData?.resolving || args.kind === 'entry-point') return undefined;
      if (isBuiltin(args.path)) return { path: args.path.startsWith('node:') ? args.path : `node:${args.path}`, external: true };
      const found = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: { resolving: true } });
      if (found.errors.length > 0) return { errors: found.errors };
      const aPackage = !/^[./]/.test(args.path) && !path.isAbsolute(args.path);
      if (found.external || TYPESCRIPT.test(found.path) || !(aPackage || INSTALLED.test(found.path))) return { path: found.path, external: found.external };
      // The bundle lies in a temporary folder, so an import left out of it says where it is.
      const required = args.kind === 'require-call' || args.kind === 'require-resolve';
      return { path: required ? found.path : pathToFileURL(found.path).href, external: true };
    });
    b.onLoad({ filter: SOURCE }, (args) => {
      read.set(args.path, stampOf(args.path));
      return { contents: withOwnNames(readFileSync(args.path, 'utf8'), args.path), loader: loaderOf(args.path) };
    });
  },
});

/** The module at `file` compiled into one bundle; esbuild's errors are thrown as esbuild throws them. */
async function compile(file: string, temporary: string): Promise<CompiledBundle> {
  const { build } = await import('esbuild');
  const read = new Map<string, FileStamp | null>();
  // The file name only places the inline source map's sources: importBundle writes it at the same depth.
  const out = path.join(temporary, 'vmbus-check-module-', `${path.basename(file).replace(SOURCE, '')}.mjs`);
  // The metafile names inputs relative to the working directory, which is esbuild's own process's unless
  // given: that process keeps the directory it started in, so after a chdir the names resolved wrongly.
  const absWorkingDir = process.cwd();
  const result = await build({
    absWorkingDir,
    entryPoints: [file], outfile: out, bundle: true, format: 'esm', platform: 'node', target: `node${process.versions.node}`,
    write: false, sourcemap: 'inline', logLevel: 'silent', conditions: CONDITIONS, mainFields: ['main'], define: DEFINE, plugins: [modelModule(read)],
    metafile: true,
    banner: { js: `import { createRequire as __vmbusCheckRequire } from 'node:module'; const require = __vmbusCheckRequire(${JSON.stringify(file)});` },
  });
  // The files esbuild read itself (a .json import) are stamped now; a file that cannot be stamped leaves the bundle unkept.
  const inputs = Object.keys(result.metafile.inputs).map((p) => path.resolve(absWorkingDir, p)).map((p) => (read.has(p) ? read.get(p)! : stampOf(p)));
  const bundle = { file, temporary, code: result.outputFiles[0].text, inputs: inputs.filter((s) => s !== null) };
  if (!inputs.includes(null)) keepBundle(bundle);
  return bundle;
}

/** Imports a bundle from a temporary file, removed once imported. */
async function importBundle(bundle: CompiledBundle): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(path.join(bundle.temporary, 'vmbus-check-module-'));
  const out = path.join(dir, `${path.basename(bundle.file).replace(SOURCE, '')}.mjs`);
  try {
    writeFileSync(out, bundle.code);
    return await import(pathToFileURL(out).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Imports the module at `file` (an absolute path), compiled (or its bundle kept from before), its bundle
 * written under `temporary` meanwhile; esbuild's errors (a syntax error, an import not found) are thrown
 * as esbuild throws them.
 */
export async function importCompiled(file: string, temporary = tmpdir()): Promise<Record<string, unknown>> {
  return importBundle(freshBundle(file, temporary) ?? await compile(file, temporary));
}
