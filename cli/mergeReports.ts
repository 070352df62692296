// Combines the JSON reports of several runs (the shards of a random search across CI jobs, or checks
// split across jobs) into one verdict per check: violated when any run found a violation (the shortest
// counterexample kept), verified only when a run verified it exhaustively, verified-probabilistic when
// one did over an approximate store (--store compact or bitstate: the least likely to have missed a
// state kept), bounded otherwise; and a
// random search split into shards counts as searched only as far as the shards that are there.
import { z } from 'zod';
import { BUILTIN } from '../checker/index.ts';
import { CliError, expectedForm } from './exitCodes.ts';

const line = z.object({
  scenario: z.string(),
  variant: z.string().nullable(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  memory: z.string(),
  verdict: z.enum(['violated', 'verified', 'verified-probabilistic', 'bounded']).nullable(),
  expected: z.enum(['violated', 'verified']).nullable(),
  expectedProperty: z.string().nullable().optional(),
  property: z.string().optional(),
  message: z.string().optional(),
  steps: z.number().optional(),
  trace: z.string().nullable().optional(),
  found: z.object({ seed: z.number(), walk: z.number(), walkSteps: z.number() }).optional(),
  random: z.object({
    walks: z.number(), maxDepth: z.number(), seed: z.number(), swarm: z.boolean(),
    shard: z.object({ index: z.number(), count: z.number() }).optional(),
  }).optional(),
  bounds: z.array(z.object({ kind: z.string(), detail: z.string() })).optional(),
  approximation: z.object({
    store: z.enum(['compact', 'bitstate']), fingerprintBits: z.number().optional(), bits: z.number().optional(), hashes: z.number().optional(),
    states: z.number(), omissionProbability: z.number(), expectedOmissions: z.number(),
  }).optional(),
  skipped: z.boolean().optional(),
  stats: z.object({ states: z.number(), transitions: z.number(), depth: z.number(), seconds: z.number() }).optional(),
});
export type ReportLine = z.infer<typeof line>;

export interface MergedCheck {
  scenario: string;
  variant: string | null;
  memory: string;
  verdict: 'violated' | 'verified' | 'verified-probabilistic' | 'bounded';
  expected: 'violated' | 'verified' | null;
  expectedProperty: string | null;
  /** The kept counterexample: the shortest of the runs'. */
  violation?: { property: string; message: string; steps: number; trace: string | null; found?: ReportLine['found'] };
  /** For a verified-probabilistic verdict: the store of the run it comes from, and how likely it missed a state. */
  approximation?: NonNullable<ReportLine['approximation']>;
  /** Why the merged verdict is bounded, one line each (including shards not there). */
  bounds: string[];
  runs: number;
  seconds: number;
}

/** The JSON Lines of one report file; every line must be a check object of `--format json`. */
export function parseReport(text: string, file: string): ReportLine[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l, i) => {
    let json: unknown;
    try {
      json = JSON.parse(l);
    } catch {
      throw new CliError(`${file}, line ${i + 1}: not JSON: merge reads the output of --format json`);
    }
    const r = line.safeParse(json);
    if (!r.success) throw new CliError(`${file}, line ${i + 1}: not a check of --format json (${r.error.issues[0].path.join('.') || 'line'}: ${r.error.issues[0].message})`);
    return r.data;
  });
}

const key = (r: ReportLine) => JSON.stringify([r.scenario, r.variant, r.memory, r.parameters ?? {}]);

export function mergeReports(lines: ReportLine[]): MergedCheck[] {
  const groups = new Map<string, ReportLine[]>();
  for (const r of lines) {
    if (!groups.has(key(r))) groups.set(key(r), []);
    groups.get(key(r))!.push(r);
  }
  return [...groups.values()].map((runs) => {
    const first = runs[0];
    const ran = runs.filter((r) => r.skipped !== true && r.verdict !== null);
    const violated = ran.filter((r) => r.verdict === 'violated').sort((a, b) => (a.steps ?? 0) - (b.steps ?? 0));
    const bounds: string[] = [];
    if (ran.length < runs.length) bounds.push(`${runs.length - ran.length} of its runs did not run (interrupted)`);
    // A shard's own `sampled` bound is said once for the whole search, by shardedSearches.
    for (const r of ran) for (const b of r.bounds ?? []) if (!(b.kind === 'sampled' && r.random?.shard)) bounds.push(`${b.kind}: ${b.detail}`);
    bounds.push(...shardedSearches(ran));
    const best = violated[0];
    const probable = ran.filter((r) => r.verdict === 'verified-probabilistic' && r.approximation)
      .sort((a, b) => a.approximation!.omissionProbability - b.approximation!.omissionProbability)[0];
    const verdict = best ? 'violated' : ran.some((r) => r.verdict === 'verified') ? 'verified' : probable ? 'verified-probabilistic' : 'bounded';
    return {
      scenario: first.scenario, variant: first.variant, memory: first.memory, verdict,
      expected: first.expected, expectedProperty: first.expectedProperty ?? null,
      ...(best ? { violation: { property: best.property ?? '?', message: best.message ?? '', steps: best.steps ?? 0, trace: best.trace ?? null, found: best.found } } : {}),
      ...(verdict === 'verified-probabilistic' ? { approximation: probable!.approximation } : {}),
      bounds: verdict === 'bounded' ? [...new Set(bounds)] : [],
      runs: runs.length,
      seconds: ran.reduce((s, r) => s + (r.stats?.seconds ?? 0), 0),
    };
  });
}

/**
 * The shards of each random search, said once: the walks they took together, and which of 1..N are
 * missing or given twice (their walks not taken, or counted twice).
 */
function shardedSearches(runs: ReportLine[]): string[] {
  const searches = new Map<string, { run: NonNullable<ReportLine['random']>; shards: number[]; walks: number }>();
  for (const { random, verdict } of runs) {
    if (!random?.shard || verdict !== 'bounded') continue;
    const id = JSON.stringify([random.maxDepth, random.seed, random.swarm, random.shard.count]);
    const entry = searches.get(id) ?? { run: random, shards: [], walks: 0 };
    entry.shards.push(random.shard.index + 1);
    entry.walks += random.walks;
    searches.set(id, entry);
  }
  const out: string[] = [];
  for (const { run, shards, walks } of searches.values()) {
    const total = run.shard!.count;
    const present = [...new Set(shards)].sort((x, y) => x - y);
    out.push(`sampled: random${run.swarm ? ' swarm' : ''} search: ${walks} walks of at most ${run.maxDepth} steps from seed ${run.seed} (shards ${present.join(', ')} of ${total}): not exhaustive`);
    const missing = Array.from({ length: total }, (_, i) => i + 1).filter((i) => !shards.includes(i));
    const twice = present.filter((s) => shards.indexOf(s) !== shards.lastIndexOf(s));
    if (missing.length > 0) out.push(`shards missing: ${missing.join(', ')} of ${total}: their walks were not taken`);
    if (twice.length > 0) out.push(`shards given twice: ${twice.join(', ')} of ${total}: their walks are counted twice`);
  }
  return out;
}

/** How a merged check turns out, as the check command judges one: against its expectation when it has one. */
export function mergedOutcome(m: MergedCheck): 'pass' | 'fail' | 'bounded' {
  if (m.verdict === 'bounded') return 'bounded';
  if (m.expected === null) return m.verdict === 'violated' ? 'fail' : 'pass';
  if (expectedForm(m.verdict) !== m.expected) return 'fail';
  if (m.verdict === 'violated' && m.expectedProperty !== null && m.violation?.property !== m.expectedProperty) return 'fail';
  // A bug in the model itself is never the race a buggy variant expects, unless it says so.
  if (m.verdict === 'violated' && m.expectedProperty === null && m.violation?.property === BUILTIN.modelError) return 'fail';
  return 'pass';
}
