// Where a check's scenario, variant, system and properties are defined, for reports that land on the
// model (GitHub annotations, JUnit, SARIF). The checker records the call sites of defineScenario,
// defineSystem, invariant, stall and allOf; a variant, an entry in a scenario's list, has no call of
// its own, so it is found by its source text (`name: 'buggy-linux'`) in the scenario's file.
import { readFileSync } from 'node:fs';
import { definitionSite } from '../checker/index.ts';
import type { SourceLocation, SystemDefinition } from '../checker/index.ts';

export interface CheckLocations {
  /** defineScenario's call (a scenario); null for a plain system. */
  scenario: SourceLocation | null;
  /** The variant's entry (`name: '<variant>'`) in the scenario's file; else the scenario's. */
  variant: SourceLocation | null;
  /** defineSystem's call, when the system went through it. */
  system: SourceLocation | null;
  /** Each named property's invariant/stall/allOf call. */
  properties: Record<string, SourceLocation>;
}

const fileTexts = new Map<string, string[] | null>();

function linesOf(file: string): string[] | null {
  if (!fileTexts.has(file)) {
    try {
      fileTexts.set(file, readFileSync(file, 'utf8').split('\n'));
    } catch {
      fileTexts.set(file, null);
    }
  }
  return fileTexts.get(file)!;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The first line of `file` where a `name:` key holds `name` as a string literal. */
export function locateByName(file: string, name: string): SourceLocation | null {
  const lines = linesOf(file);
  if (!lines) return null;
  const re = new RegExp(`\\bname\\s*:\\s*(['"\`])${escapeRegExp(name)}\\1`);
  for (let i = 0; i < lines.length; i++) {
    const m = re.exec(lines[i]);
    if (m) return { file, line: i + 1, column: m.index + 1 };
  }
  return null;
}

export function checkLocations(scenario: SourceLocation | null, variantName: string | null, system: SystemDefinition): CheckLocations {
  const properties: Record<string, SourceLocation> = {};
  for (const [name, p] of Object.entries(system.properties ?? {})) {
    const site = definitionSite(p);
    if (site) properties[name] = site;
  }
  const variant = scenario && variantName !== null ? locateByName(scenario.file, variantName) ?? scenario : null;
  return { scenario, variant, system: definitionSite(system), properties };
}

/**
 * Where a report about this check points: the violated property's definition when it has one of its
 * own, else the variant's entry, else the system's definition, else the scenario's.
 */
export function reportLocation(l: CheckLocations | undefined, property?: string): SourceLocation | null {
  if (!l) return null;
  return (property !== undefined ? l.properties[property] : undefined) ?? l.variant ?? l.system ?? l.scenario;
}

/** A state's key in a machine's config: `waiting: {`, `'waiting': {`. */
const stateKey = (name: string) => new RegExp(`(?:^|[\\s{,])(['"]?)${escapeRegExp(name)}\\1\\s*:\\s*\\{`);

/**
 * Where the state at `path` (['boot', 'waiting'] for boot.waiting) is written in a machine config, by
 * its keys in order, among `files`; only when exactly one place fits, since the same state name in
 * another machine would point at the wrong code. Null otherwise.
 */
export function locateState(files: string[], path: string[]): SourceLocation | null {
  if (path.length === 0) return null;
  const found: SourceLocation[] = [];
  for (const file of files) {
    const lines = linesOf(file);
    if (!lines) continue;
    const leaf = stateKey(path[path.length - 1]);
    const ancestors = path.slice(0, -1).map(stateKey);
    for (let i = 0; i < lines.length; i++) {
      const m = leaf.exec(lines[i]);
      if (!m) continue;
      // Each ancestor key appears above the leaf, innermost nearest.
      let above = i - 1;
      let nested = true;
      for (let k = ancestors.length - 1; k >= 0 && nested; k--) {
        while (above >= 0 && !ancestors[k].test(lines[above])) above--;
        nested = above >= 0;
        above--;
      }
      if (nested) found.push({ file, line: i + 1, column: m.index + 1 });
    }
  }
  return found.length === 1 ? found[0] : null;
}

/**
 * The file among `files` that defines a function the line at `at` calls (`server: serverChannelActor({`
 * -> the file with `function serverChannelActor`): where that actor's machine is most likely written.
 */
export function locateFactoryFile(files: string[], at: SourceLocation): string | null {
  const line = linesOf(at.file)?.[at.line - 1] ?? '';
  for (const [, name] of line.matchAll(/\b([A-Za-z_$][\w$]*)\s*\(/g)) {
    const defines = new RegExp(`\\b(?:function\\s*\\*?|const|let)\\s+${escapeRegExp(name)}\\b`);
    const file = files.find((f) => linesOf(f)?.some((l) => defines.test(l)));
    if (file) return file;
  }
  return null;
}

/** An actor's entry (`guest: {`) in the system definition's file, at or after the definition's line. */
export function locateActor(system: SourceLocation | null, actor: string): SourceLocation | null {
  const lines = system ? linesOf(system.file) : null;
  if (!system || !lines) return null;
  // Not a string-valued input field of another actor (`synic: 'synic'`): an entry holds a call or an object.
  const re = new RegExp(`(?:^|[\\s{,])(['"]?)${escapeRegExp(actor)}\\1\\s*:(?!\\s*['"\`])`);
  for (let i = system.line - 1; i < lines.length; i++) {
    const m = re.exec(lines[i]);
    if (m) return { file: system.file, line: i + 1, column: m.index + 1 };
  }
  return null;
}
