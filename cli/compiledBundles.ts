// The bundles this thread has compiled (cli/compiledModule.ts), by model file, so that a search thread is
// handed the main thread's bundle with its request (cli/search.ts) instead of compiling the model again:
// an esbuild process and about 0.1 CPU-s for each thread. A bundle is served only while every file it was
// compiled from is as it was when esbuild read it (size, modification and change times, inode): an edited
// model is compiled again, never served stale.
import { statSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** A file as it was when read. */
export interface FileStamp {
  path: string;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
}

/** A model module compiled: the bundle's text, and the files it was compiled from. */
export interface CompiledBundle {
  /** The module's absolute path. */
  file: string;
  /** The folder its temporary file goes in: the inline source map names the sources relative to it. */
  temporary: string;
  code: string;
  inputs: FileStamp[];
}

/** The stamp of `file` now; null when it cannot be read. */
export function stampOf(file: string): FileStamp | null {
  try {
    const s = statSync(file);
    return { path: file, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs, ino: s.ino };
  } catch {
    return null;
  }
}

const unchanged = (was: FileStamp) => {
  const now = stampOf(was.path);
  return now !== null && now.size === was.size && now.mtimeMs === was.mtimeMs && now.ctimeMs === was.ctimeMs && now.ino === was.ino;
};

const bundles = new Map<string, CompiledBundle>();

export function keepBundle(bundle: CompiledBundle): void {
  bundles.set(bundle.file, bundle);
}

/** The bundle of `file` for a temporary file under `temporary`, if one is kept and its sources are unchanged. */
export function freshBundle(file: string, temporary = tmpdir()): CompiledBundle | undefined {
  const bundle = bundles.get(file);
  if (bundle === undefined || bundle.temporary !== temporary) return undefined;
  if (bundle.inputs.every(unchanged)) return bundle;
  bundles.delete(file);
  return undefined;
}
