// Where a system, scenario or property was defined in the user's source: reports point there (a GitHub
// annotation's file= and line=, a SARIF result's location). The call site is captured as an Error when
// defineSystem, defineScenario, invariant, stall or allOf runs; V8 formats its stack (through the source
// maps tsx and vitest install, so lines are the .ts file's) only when a report asks.
import { findSourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface SourceLocation {
  /** Absolute path of the file. */
  file: string;
  /** 1-based. */
  line: number;
  column: number;
}

// On the object itself, under a registry symbol, not in a module's WeakMap: a user's model loaded by
// tsx imports its own instance of this module, and the CLI's instance must still find the site.
// Non-enumerable, so spreading, JSON and Object.keys never see it.
const SITE = Symbol.for('vmbus-check.definitionSite');
const resolved = new WeakMap<object, SourceLocation | null>();
// The checker's own frames: this folder, and, compiled (dist/checker/), the sources its source maps name.
const checkerFolders = [fileURLToPath(new URL('.', import.meta.url)), ...(import.meta.url.endsWith('.js') ? [fileURLToPath(new URL('../../checker/', import.meta.url))] : [])];

/** Records where `definition` is being defined: the first caller outside the checker. */
export function recordDefinitionSite<T extends object>(definition: T): T {
  if (Object.prototype.hasOwnProperty.call(definition, SITE) || !Object.isExtensible(definition)) return definition;
  Object.defineProperty(definition, SITE, { value: new Error('definition site'), enumerable: false });
  return definition;
}

/** One stack frame's file and position: `at f (/a/b.ts:3:7)`, `at /a/b.ts:3:7`, `at file:///a/b.ts:3:7`. */
const FRAME = /^\s*at (?:.*? \()?((?:file:\/\/)?\/.*?|[A-Za-z]:\\.*?):(\d+):(\d+)\)?$/;

const toPath = (file: string) => (file.startsWith('file://') ? fileURLToPath(file.replace(/\?.*$/, '')) : file.replace(/\?.*$/, ''));

/**
 * A frame's position in the source. Node, with source maps on, prints a frame it mapped as the
 * source's path; a frame it left as generated code keeps the module's `file://` URL. That happens
 * under a test runner that formats stacks itself (its own Error.prepareStackTrace maps only modules it
 * loaded): such a frame of a module tsx loaded is mapped here, through the source map Node keeps for it.
 */
function sourcePosition(printed: string, line: number, column: number): SourceLocation {
  if (printed.startsWith('file://')) {
    const entry = findSourceMap(printed)?.findEntry(line - 1, column - 1);
    if (entry && 'originalLine' in entry) {
      const source = entry.originalSource ? toPath(entry.originalSource) : toPath(printed);
      return { file: source, line: entry.originalLine + 1, column: entry.originalColumn + 1 };
    }
  }
  return { file: toPath(printed), line, column };
}

/**
 * The caller: the first frame outside the checker. When that frame is no file (tsx runs a CommonJS
 * model inside an ES module as a `data:` URL, with no line of the source), the site is unknown: a later
 * frame would be the loader's, not the model's.
 */
function firstOutsideChecker(stack: string): SourceLocation | null {
  for (const line of stack.split('\n').slice(1)) {
    if (!/^\s*at /.test(line)) continue;
    const m = FRAME.exec(line);
    let file: string;
    try {
      file = m ? toPath(m[1]) : '';
    } catch {
      return null;
    }
    if (m && checkerFolders.some((f) => file.startsWith(f))) continue;
    return m ? sourcePosition(m[1], Number(m[2]), Number(m[3])) : null;
  }
  return null;
}

/** Where `definition` was defined, when it went through one of the define functions; else null. */
export function definitionSite(definition: unknown): SourceLocation | null {
  if (typeof definition !== 'object' || definition === null) return null;
  if (resolved.has(definition)) return resolved.get(definition)!;
  const site = (definition as { [SITE]?: unknown })[SITE];
  const location = site instanceof Error && site.stack ? firstOutsideChecker(site.stack) : null;
  resolved.set(definition, location);
  return location;
}
