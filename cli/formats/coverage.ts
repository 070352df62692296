// `--coverage` in the reports: per check and actor, every state and transition of its machine with the
// number of distinct global states it was seen in (checker/coverage.ts), as text tables, a Markdown
// table, and one-line summaries; and the warning a verified check gets for each transition that never
// fired (its verdict may rest on a model that never exercised that path).
import { neverFired, transitionLabel } from '../../checker/index.ts';
import type { ActorCoverage } from '../../checker/index.ts';
import { expectedForm } from '../exitCodes.ts';
import { recordLabel } from '../runChecks.ts';
import type { CheckRecord } from '../runChecks.ts';
import { table } from './columns.ts';

const count = (n: number) => n.toLocaleString('en-US');

/** `worker (machine worker): 2 of 3 states, 2 of 4 transitions`. */
export function actorSummary(a: ActorCoverage): string {
  const states = a.states.filter((s) => s.globalStates > 0).length;
  const fired = a.transitions.filter((t) => t.globalStates > 0).length;
  const machine = a.machine === a.actor ? '' : ` (machine ${a.machine})`;
  return `${a.actor}${machine}: ${states} of ${a.states.length} states, ${fired} of ${a.transitions.length} transitions`;
}

/**
 * One warning per transition that never fired in a verified check, naming the actor, the state and the
 * event: `lost-wakeup/fixed: verified, but consumer's transition asleep --wakeup--> awake never fired`.
 */
export function coverageWarnings(r: CheckRecord): string[] {
  if (expectedForm(r.result.verdict) !== 'verified' || !r.result.coverage) return [];
  return neverFired(r.result.coverage).map(({ actor, transition }) => `${recordLabel(r)}: verified, but ${actor}'s transition ${transitionLabel(transition)} never fired`);
}

/** A check's coverage as text: a table of states and one of transitions, each row an actor's. */
export function coverageText(r: CheckRecord): string {
  const coverage = r.result.coverage;
  if (!coverage) return '';
  const states = coverage.flatMap((a) => a.states.map((s) => [a.actor, s.state, count(s.globalStates), s.globalStates === 0 ? 'never reached' : '']));
  const transitions = coverage.flatMap((a) => a.transitions.map((t) => [a.actor, transitionLabel(t), count(t.globalStates), t.globalStates === 0 ? 'never fired' : '']));
  return [
    `coverage of ${recordLabel(r)} (distinct global states in which each state was reached, each transition taken):`,
    ...coverage.map((a) => `  ${actorSummary(a)}`),
    '',
    table(['actor', 'state', 'global states', 'note'], states, new Set([2])).trimEnd(),
    '',
    table(['actor', 'transition', 'global states', 'note'], transitions, new Set([2])).trimEnd(),
  ].join('\n') + '\n';
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A check's coverage as one Markdown table (the job summary). */
export function coverageMarkdown(r: CheckRecord): string[] {
  const coverage = r.result.coverage;
  if (!coverage) return [];
  return [
    '| actor | state or transition | global states |',
    '| --- | --- | ---: |',
    ...coverage.flatMap((a) => [
      ...a.states.map((s) => `| ${cell(a.actor)} | state \`${cell(s.state)}\` | ${s.globalStates === 0 ? '⚠️ 0' : s.globalStates} |`),
      ...a.transitions.map((t) => `| ${cell(a.actor)} | \`${cell(transitionLabel(t))}\` | ${t.globalStates === 0 ? '⚠️ 0' : t.globalStates} |`),
    ]),
  ];
}
