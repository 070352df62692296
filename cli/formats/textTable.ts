// The plain-text report: a verdict table, then one line per violation or bound, then the overall result.
import { renderTimeline } from '../../traces/timeline.ts';
import { outcomeOf } from '../exitCodes.ts';
import { notAsExpected } from '../expectation.ts';
import { recordLabel } from '../runChecks.ts';
import type { CheckRecord } from '../runChecks.ts';
import { table } from './columns.ts';
import { coverageText, coverageWarnings } from './coverage.ts';
import { probabilisticVerdict } from './approximation.ts';
import { OVER_ON_ONE_THREAD, SYMMETRY_SWITCHED_OFF } from '../../checker/index.ts';


/** The verdict as said under its memory model: ARM's verdicts name what the model leaves out. */
export function verdictUnder(r: CheckRecord): string {
  return r.result.memoryCaveat === null ? r.result.verdict : `${r.result.verdict} (${r.result.memoryCaveat})`;
}

/** Whether reports show a memory column: some check ran under a model other than sc, or --memory chose. */
export const showsMemory = (records: CheckRecord[]) => records.some((r) => r.memory !== 'sc' || r.memoryAsked);

export function verdictTable(records: CheckRecord[], againstExpectation: boolean): string {
  const memory = showsMemory(records);
  const rows = records.map((r) => {
    const outcome = outcomeOf(r, againstExpectation);
    const mark = outcome === 'fail' ? (againstExpectation && r.expected !== null ? 'NOT AS EXPECTED' : r.result.verdict === 'unreached' ? 'UNREACHED' : 'VIOLATED') : outcome === 'bounded' ? 'BOUNDED' : '';
    const row = [
      r.scenario, r.variant ?? '-', r.result.verdict, r.expected ?? '-',
      r.result.stats.states.toLocaleString('en-US'), r.result.stats.seconds.toFixed(2), mark,
    ];
    if (memory) row.splice(2, 1, r.memory, verdictUnder(r));
    return row;
  });
  if (!memory) return table(['scenario', 'variant', 'verdict', 'expected', 'states', 'seconds', 'result'], rows, new Set([4, 5]));
  return table(['scenario', 'variant', 'memory', 'verdict', 'expected', 'states', 'seconds', 'result'], rows, new Set([5, 6]));
}

/** One line per verdict not as expected, per violation (with its trace file) and per bound. */
export function findings(records: CheckRecord[], againstExpectation: boolean): string {
  const lines: string[] = [];
  for (const r of records) {
    const label = recordLabel(r);
    const mismatch = notAsExpected(r, againstExpectation);
    if (mismatch) lines.push(`${label}: not as expected: ${mismatch}`);
    for (const v of r.result.violations) {
      lines.push(`${label}: ${v.property} violated after ${v.steps.length} steps: ${v.message}`);
    }
    for (const g of r.result.goals) {
      const witness = r.witnesses?.find((w) => w.trace.property === g.property)?.tracePath;
      if (g.steps) lines.push(`${label}: ${g.property} reached after ${g.steps.length} steps${witness ? ` (witness written to ${witness})` : ''}`);
      else if (r.result.verdict === 'unreached') lines.push(`${label}: ${g.property} unreached: no reachable state satisfies it`);
    }
    const probabilistic = probabilisticVerdict(r);
    if (probabilistic) lines.push(`${label}: ${probabilistic}`);
    // Symmetry (on by default where declared): what the reduction covered and the states its orbits stand for, or why it did not apply.
    const sym = r.result.stats.symmetry;
    if (sym && sym.note !== SYMMETRY_SWITCHED_OFF) {
      const cover = sym.cover === undefined ? '' : `; liveness judged over the ${sym.cover.toLocaleString('en-US')} states unfolded from them`;
      const orbits = sym.applied ? `; ${r.result.stats.states.toLocaleString('en-US')} orbits stored${sym.represented === null ? '' : `, standing for ${sym.represented.toLocaleString('en-US')} states`}${cover}` : '';
      lines.push(`${label}: ${sym.note}${orbits}`);
    }
    // Partial-order reduction (on by default): whether it was applied and to how many states, or, when asked for, why not.
    const por = r.result.stats.partialOrder;
    if (por) {
      const again = por.shortest;
      const longer = !again ? ''
        : again.stopped === null && again.depth === null ? `; the verdict, counterexamples and witnesses from a search again without it over the whole graph (${again.states.toLocaleString('en-US')} states)`
          : again.stopped === null ? `; counterexamples and witnesses from a search again without it to depth ${again.depth} (${again.states.toLocaleString('en-US')} states), shortest ones`
          : `; counterexamples and witnesses are the reduced search's, real schedules though not always shortest ones (the search again without it stopped: ${again.stopped})`;
      lines.push(`${label}: partial-order reduction ${por.applied ? `applied (${por.note}): ${por.reducedStates.toLocaleString('en-US')} state${por.reducedStates === 1 ? '' : 's'} expanded by an ample set${longer}` : por.note}`);
    }
    // --workers with one check: the threads its search was split across, or why it ran on one.
    const threads = r.result.stats.threads;
    if (threads && threads.used > 1) lines.push(`${label}: searched on ${threads.used} threads${threads.startedOverAfter === undefined ? '' : ` (started over on them after ${threads.startedOverAfter.toFixed(1)} s on one)`}`);
    else if (threads?.reason && !threads.reason.startsWith(OVER_ON_ONE_THREAD)) lines.push(`${label}: searched on one thread: ${threads.reason}`);
    const f = r.result.found;
    if (f) lines.push(`${label}: found by random walk ${f.walk} from seed ${f.seed} (${f.walkSteps} steps, shrunk to ${r.result.violations[0].steps.length})`);
    if (r.tracePath) lines.push(`${label}: counterexample written to ${r.tracePath}`);
    for (const m of r.moreTraces ?? []) if (m.tracePath) lines.push(`${label}: counterexample of ${m.trace.property} written to ${m.tracePath}`);
    if (r.result.verdict === 'bounded') {
      for (const b of r.result.bounds) lines.push(`${label}: bounded (${b.kind}): ${b.detail}`);
      const s = r.result.stats;
      lines.push(`${label}: explored ${s.states.toLocaleString('en-US')} states, ${s.transitions.toLocaleString('en-US')} transitions, depth ${s.depth}, ${s.queued.toLocaleString('en-US')} still queued`);
    }
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}

/**
 * `timeline: false` leaves out the single check's timeline (the github format prints timelines in
 * collapsible groups of its own).
 */
export function textReport(records: CheckRecord[], againstExpectation: boolean, notRun: string[], options: { timeline?: boolean } = {}): string {
  let out = verdictTable(records, againstExpectation);
  const found = findings(records, againstExpectation);
  if (found) out += '\n' + found;
  // A single counterexample is worth reading right here.
  if (options.timeline !== false && records.length === 1 && records[0].trace) {
    for (const t of [records[0].trace, ...(records[0].moreTraces ?? []).map((m) => m.trace)]) out += '\n' + renderTimeline(t);
  }
  // --coverage: each check's tables, then the warnings of verified checks, where they are seen last.
  for (const r of records) if (r.result.coverage) out += '\n' + coverageText(r);
  const warnings = records.flatMap(coverageWarnings);
  if (warnings.length > 0) out += '\n' + warnings.map((w) => `warning: ${w}\n`).join('');
  if (notRun.length > 0) out += `\nnot checked (interrupted): ${notRun.join(', ')}\n`;
  const outcomes = records.map((r) => outcomeOf(r, againstExpectation));
  const fails = outcomes.filter((o) => o === 'fail').length;
  const bounded = outcomes.filter((o) => o === 'bounded').length + notRun.length;
  const n = records.length + notRun.length;
  const checks = `${n} check${n === 1 ? '' : 's'}`;
  if (fails > 0) out += `\n${checks}: ${fails} ${againstExpectation ? 'not as expected' : 'violated'}${bounded ? `, ${bounded} without a verdict` : ''}\n`;
  else if (bounded > 0) out += `\n${checks}: ${bounded} without a verdict (a bound was hit)\n`;
  else out += `\n${checks}: ${againstExpectation ? 'every verdict as expected' : 'no violation'}\n`;
  return out;
}
