// Whether a file lies under a folder, and its path there (forward slashes, as traces and GitHub want).
import path from 'node:path';

/** `file`'s path relative to `dir` if it lies under it, else null. Both absolute. */
export function relativeInside(dir: string, file: string): string | null {
  const rel = path.relative(dir, file);
  if (rel === '' || rel === '..' || rel.startsWith('..' + path.sep) || path.isAbsolute(rel)) return null;
  return rel.split(path.sep).join('/');
}
