// Glob patterns for model files (`'models/**/*.ts'`, quoted so the shell leaves them, and in a config
// file), expanded here: Node 20 has no stable fs.glob, and the few forms model paths need fit in a small
// matcher with no dependency. `*`, `?`, `[abc]`/`[!abc]` and `{a,b}` match within one path segment,
// `**` any number of folders. As in shells, a wildcard does not match a leading `.`, and `**` does not
// walk into dot-folders or node_modules (name them literally to look there).
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** True when `spec` holds glob syntax (and so is expanded rather than taken as a path). */
export const isGlob = (spec: string) => /[*?[{]/.test(spec);

/** One path segment's pattern as a regular expression. */
function segmentPattern(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) { re += '\\['; continue; }
      const body = segment.slice(i + 1, close);
      const negated = body.startsWith('!');
      re += `[${negated ? '^' : ''}${(negated ? body.slice(1) : body).replace(/[\\^]/g, '\\$&')}]`;
      i = close;
    } else if (c === '{') {
      const close = segment.indexOf('}', i);
      if (close < 0) { re += '\\{'; continue; }
      re += `(?:${segment.slice(i + 1, close).split(',').map((a) => segmentPattern(a).source.slice(1, -1)).join('|')})`;
      i = close;
    } else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** A folder's entries; a symbolic link counts as what it points to, but `**` never walks through one (no loops). */
function entries(dir: string): { name: string; isDir: boolean; isLink: boolean }[] {
  const isDir = (file: string) => {
    try {
      return statSync(file).isDirectory();
    } catch {
      return false;
    }
  };
  try {
    return readdirSync(dir, { withFileTypes: true }).map((e) => ({ name: e.name, isDir: e.isSymbolicLink() ? isDir(path.join(dir, e.name)) : e.isDirectory(), isLink: e.isSymbolicLink() }));
  } catch {
    return []; // a folder that cannot be read matches nothing
  }
}

/**
 * The files matching `pattern` (relative to `cwd`, or absolute), sorted, written the way the pattern
 * was (relative stays relative, with forward slashes).
 */
export function expandGlob(pattern: string, cwd = process.cwd()): string[] {
  const segments = pattern.replace(/\\/g, '/').split('/');
  if (segments[segments.length - 1] === '**') segments.push('*'); // `dir/**`: every file below dir
  const absolute = segments[0] === '';
  const literal: string[] = [];
  while (segments.length > 1 && !isGlob(segments[0])) literal.push(segments.shift()!);
  const base = literal.join('/') || (absolute ? '/' : '');
  const found: string[] = [];
  const walk = (dir: string, rest: string[]) => {
    const [head, ...tail] = rest;
    if (head === undefined) return;
    const here = path.resolve(cwd, dir || '.');
    if (head === '**') {
      walk(dir, tail);
      for (const e of entries(here)) {
        if (e.isDir && !e.isLink && !e.name.startsWith('.') && e.name !== 'node_modules') walk(join(dir, e.name), rest);
      }
      return;
    }
    const re = segmentPattern(head);
    const dotOk = head.startsWith('.');
    for (const e of entries(here)) {
      if ((e.name.startsWith('.') && !dotOk) || !re.test(e.name)) continue;
      if (tail.length === 0) { if (!e.isDir) found.push(join(dir, e.name)); } else if (e.isDir) walk(join(dir, e.name), tail);
    }
  };
  if (segments.length > 0 && segments[segments.length - 1] !== '') walk(base, segments);
  return [...new Set(found)].sort();
}

const join = (dir: string, name: string) => (dir === '' ? name : dir.endsWith('/') ? dir + name : `${dir}/${name}`);
