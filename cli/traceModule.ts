// Which file a trace's `system.module` may be loaded from. Importing a module runs its top-level code,
// and a trace is data that travels (a CI artifact, a bug report): issue 5 requires that nothing from a
// trace file is executed beyond the named models' own steps. So the module a trace names is loaded only
// when it is TypeScript lying under the working directory or the trace's own folder; anything else needs
// the user's explicit `replay --model <path>`.
import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { CliError } from './exitCodes.ts';
import { relativeInside } from './relativeInside.ts';

const TYPESCRIPT = /\.[cm]?ts$/;

/**
 * The file to import for a trace's user module, recorded relative to the working directory of the run
 * that wrote the trace, else looked for beside the trace. Throws a CliError, before anything is
 * imported, when the trace may not load it.
 */
export function traceModuleFile(module: string, traceFile: string): string {
  // Quoted: a path from a file is shown as data, on one line, whatever characters it holds.
  const named = JSON.stringify(module);
  const refuse = (why: string) =>
    new CliError(`the trace names module ${named}, which ${why}: it is not loaded from a trace; to load it, pass --model <path> explicitly`);
  if (!TYPESCRIPT.test(module)) throw refuse('is not a TypeScript module (.ts, .mts or .cts)');
  const traceDir = path.dirname(path.resolve(traceFile));
  const file = [path.resolve(module), path.resolve(traceDir, module)].find((f) => existsSync(f));
  if (file === undefined) {
    throw new CliError(`the trace names module ${named}, which is neither in the working directory nor beside the trace; pass --model <path> to name the model`);
  }
  // Real paths, so that a symbolic link cannot lead outside (or to a file that is not TypeScript).
  const real = realpathSync(file);
  if (!TYPESCRIPT.test(real)) throw refuse('is a link to a file that is not a TypeScript module');
  const roots = [process.cwd(), traceDir].map((d) => realpathSync(d));
  if (!roots.some((root) => relativeInside(root, real) !== null)) throw refuse("lies outside the working directory and the trace's folder");
  return file;
}
