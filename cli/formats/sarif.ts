// `--format sarif`: one SARIF 2.1.0 log (OASIS, "Static Analysis Results Interchange Format Version
// 2.1.0", 2020) for GitHub code scanning. Each violation is a result located at its property's
// definition (else the variant's), with the counterexample as a code flow: one thread-flow location
// per step, at the definition of the state the actor reached where that can be found in the model's
// files (else the actor's entry in the system definition), its message the step's timeline line. An
// expected violation (a buggy variant's) is a note suppressed in source, with why; a bounded check is
// a warning; a verdict not as expected is an error.
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SourceLocation } from '../../checker/index.ts';
import { renderTimeline } from '../../traces/timeline.ts';
import type { TraceFile } from '../../traces/index.ts';
import { expectedForm, outcomeOf } from '../exitCodes.ts';
import { packageVersion } from '../packageVersion.ts';
import { notAsExpected } from '../expectation.ts';
import { locateActor, locateFactoryFile, locateState, reportLocation } from '../modelLocations.ts';
import { recordLabel } from '../runChecks.ts';
import type { CheckRecord } from '../runChecks.ts';
import { reportPath } from './github.ts';
import { probabilisticVerdict } from './approximation.ts';
import { neverFired, transitionLabel } from '../../checker/index.ts';

const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const version = packageVersion;
/**
 * The built-in models' TypeScript sources: models/ beside cli/ in a checkout, and in the package too
 * (it ships them, and dist/'s source maps point stack frames, so definition sites, at them), two folders
 * above dist/cli/formats/. Code flows locate states in these, as definition sites are.
 */
const modelsFolder = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../models/' : '../../../models/', import.meta.url));

/** The rules of the built-in properties (README, "Properties"); a model's own are named by it. */
const BUILTIN_RULES: Record<string, string> = {
  assertion: 'A step ran fail(...) or entered a state tagged error',
  unhandledEvent: 'An actor was delivered, called, replied or raised an event its state has no transition for',
  modelError: 'A guard, action or property threw, or the model did something the checker cannot represent',
  deadlock: 'Nothing is enabled and not every actor is done or in an end state',
  queueOverflow: 'A post to a full in-flight queue',
  unexpectedVerdict: 'A variant did not reach the verdict its scenario expects',
  bounded: 'A bound was hit before a verdict was reached: nothing is claimed about the rest',
  probabilisticVerdict: 'A check found no violation, but its store (--store compact or bitstate) may have missed states: the verdict is probabilistic',
  transitionNeverFired: 'A check was verified, but a transition of one of its machines never fired (--coverage): the verdict may rest on a path the model never took',
};

interface Place { file: string; line: number }

function physicalLocation(at: Place, workspace: string | undefined) {
  const file = reportPath(at.file, workspace);
  const uri = path.isAbsolute(file) ? pathToFileURL(file).href : file;
  return { physicalLocation: { artifactLocation: { uri }, region: { startLine: Math.max(1, at.line) } } };
}

/** Every leaf of a state value, as key paths: 'a' -> [['a']], {x: 'y'} -> [['x', 'y']]. */
function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value === 'string') return [[...prefix, value]];
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
  return [];
}

/** The files a check's machines may be written in: the model's own, and models/ for a built-in. */
function modelFiles(r: CheckRecord): string[] {
  const l = r.locations;
  const files = new Set<string>([l?.scenario, l?.system, ...Object.values(l?.properties ?? {})].filter((x): x is SourceLocation => !!x).map((x) => x.file));
  if (r.source.module === 'builtin') {
    if (existsSync(modelsFolder)) for (const f of readdirSync(modelsFolder)) if (f.endsWith('.ts') && !f.endsWith('.d.ts')) files.add(path.join(modelsFolder, f));
  } else {
    files.add(path.resolve(r.source.module));
  }
  return [...files];
}

function codeFlow(r: CheckRecord, trace: TraceFile, fallback: Place | null, workspace: string | undefined) {
  const files = modelFiles(r);
  const timeline = renderTimeline(trace).split('\n');
  const text = (i: number) => timeline[i + 1].replace(/\s{2,}/g, '  ').trim();
  const states = new Map(Object.entries(trace.initial.actors).map(([name, a]) => [name, a.value]));
  const here = (at: Place | null) => (at ?? fallback ? physicalLocation((at ?? fallback)!, workspace) : {});
  const locations = [{ location: { ...here(r.locations?.system ?? null), message: { text: `initial state: ${text(0).replace(/^0\s+initial\s+/, '')}` } } }];
  for (const step of trace.steps) {
    const before = states.get(step.actor);
    const after = step.changed?.[step.actor]?.value ?? before;
    for (const [name, a] of Object.entries(step.changed ?? {})) states.set(name, a.value);
    const beforeLeaves = new Set(leafPaths(before).map((p) => p.join('.')));
    const leaves = leafPaths(after);
    const taken = leaves.find((p) => !beforeLeaves.has(p.join('.'))) ?? leaves[0];
    // A state name is looked up in the file of the actor's machine first: other machines of the library
    // reuse names such as `closed` or `publish`, which would make the lookup over every file ambiguous.
    const actorAt = locateActor(r.locations?.system ?? null, step.actor);
    const own = actorAt ? locateFactoryFile(files, actorAt) : null;
    const at = (taken ? (own ? locateState([own], taken) : null) ?? locateState(files, taken) : null) ?? actorAt;
    locations.push({ location: { ...here(at), message: { text: text(step.step) } } });
  }
  return { message: { text: `counterexample of ${trace.property}, ${trace.steps.length} steps` }, threadFlows: [{ locations }] };
}

export function sarifReport(records: CheckRecord[], againstExpectation: boolean, workspace?: string): string {
  const ruleIds: string[] = [];
  const rule = (id: string) => {
    if (!ruleIds.includes(id)) ruleIds.push(id);
    return { ruleId: id, ruleIndex: ruleIds.indexOf(id) };
  };
  const descriptions = new Map<string, string>();
  const results = [];
  for (const r of records) {
    const outcome = outcomeOf(r, againstExpectation);
    const v = r.result.violations[0];
    const label = recordLabel(r);
    const at = reportLocation(r.locations, v?.property) ?? (r.source.module === 'builtin' ? null : { file: path.resolve(r.source.module), line: 1, column: 1 });
    const located = at ? { locations: [physicalLocation(at, workspace)] } : {};
    const properties = { properties: { scenario: r.scenario, variant: r.variant, memory: r.memory, parameters: r.parameters, verdict: r.result.verdict, expected: r.expected, ...(r.result.approximation ? { approximation: r.result.approximation } : {}) } };
    const mismatch = notAsExpected(r, againstExpectation);
    if (v) {
      // --all-violations: one result per violated property, each judged with the check (on the first).
      const violated = [{ property: v.property, message: v.message, steps: v.steps.length, trace: r.trace }, ...(r.moreTraces ?? []).map((m) => ({ property: m.trace.property, message: m.trace.message, steps: m.trace.steps.length, trace: m.trace }))];
      for (const [i, x] of violated.entries()) {
        descriptions.set(x.property, BUILTIN_RULES[x.property] ?? `Property ${x.property} of the model`);
        const expected = outcome === 'pass';
        const here = i === 0 ? at : reportLocation(r.locations, x.property) ?? at;
        results.push({
          ...rule(x.property),
          level: expected ? 'note' : 'error',
          message: { text: `${label}: ${mismatch && i === 0 ? `not as expected (${mismatch}): ` : ''}${x.property} violated after ${x.steps} steps: ${x.message}` },
          ...(here ? { locations: [physicalLocation(here, workspace)] } : {}),
          ...(x.trace ? { codeFlows: [codeFlow(r, x.trace, here, workspace)] } : {}),
          ...(expected ? { suppressions: [{ kind: 'inSource', justification: `${label} is expected to violate ${v.property}: a buggy variant of its scenario` }] } : {}),
          ...properties,
        });
      }
    } else if (outcome === 'fail') {
      descriptions.set('unexpectedVerdict', BUILTIN_RULES.unexpectedVerdict);
      results.push({ ...rule('unexpectedVerdict'), level: 'error', message: { text: `${label}: not as expected: ${mismatch ?? `verdict ${r.result.verdict}, expected ${r.expected}`}` }, ...located, ...properties });
    } else if (outcome === 'bounded') {
      descriptions.set('bounded', BUILTIN_RULES.bounded);
      results.push({ ...rule('bounded'), level: 'warning', message: { text: `${label}: no verdict: ${r.result.bounds.map((b) => b.detail).join('; ')}` }, ...located, ...properties });
    } else if (probabilisticVerdict(r)) {
      descriptions.set('probabilisticVerdict', BUILTIN_RULES.probabilisticVerdict);
      results.push({ ...rule('probabilisticVerdict'), level: 'note', message: { text: `${label}: ${probabilisticVerdict(r)}` }, ...located, ...properties });
    }
    // --coverage: each transition a verified check never fired, at its state's definition when found.
    if (expectedForm(r.result.verdict) === 'verified' && r.result.coverage) {
      const files = modelFiles(r);
      for (const { actor, transition } of neverFired(r.result.coverage)) {
        descriptions.set('transitionNeverFired', BUILTIN_RULES.transitionNeverFired);
        const state = transition.state === '(machine)' ? null : locateState(files, transition.state.split('.'));
        const where = state ?? at;
        results.push({
          ...rule('transitionNeverFired'), level: 'warning',
          message: { text: `${label}: verified, but ${actor}'s transition ${transitionLabel(transition)} never fired` },
          ...(where ? { locations: [physicalLocation(where, workspace)] } : {}),
          ...properties,
        });
      }
    }
  }
  const coverage = records.filter((r) => r.result.coverage).map((r) => ({ check: recordLabel(r), actors: r.result.coverage! }));
  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'vmbus-check', version, semanticVersion: version, rules: ruleIds.map((id) => ({ id, shortDescription: { text: descriptions.get(id)! } })) } },
      results,
      // --coverage: every check's counts, as data (a property bag: SARIF has no place of its own for them).
      ...(coverage.length > 0 ? { properties: { coverage } } : {}),
    }],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
