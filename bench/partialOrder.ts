// The partial-order reduction's effect (README, "Partial-order reduction"): each model explored with
// and without `partialOrder` in the same run, the verdicts (and violated properties) asserted equal
// before the states removed are reported, as a percentage of the unreduced count, with the time ratio.
import { explore } from '../checker/index.ts';
import type { CheckResult, SystemDefinition } from '../checker/index.ts';
import { kvmVcpuKick } from '../models/scenarios/kvmVcpuKick.ts';
import { counters, mailboxes, timedRounds, withWorkTaken } from './models.ts';
import { ring } from './ringModel.ts';
import { UNREDUCED } from './unreduced.ts';

interface Case {
  name: string;
  system: () => SystemDefinition;
}

const kick = { vcpuBarrier: true, requesterBarrier: true, request: true };

export const PARTIAL_ORDER_CASES: Case[] = [
  // The SPIN comparison's ring model (bench/ringModel.ts): the event port is shared by every channel.
  { name: 'ring-2x3x2', system: () => ring({ channels: 2, slots: 3, values: 2 }) },
  { name: 'kvm-vcpu-kick-correct-tso-2', system: () => kvmVcpuKick('tso', kick, 2) },
  { name: 'kvm-vcpu-kick-correct-tso-3', system: () => kvmVcpuKick('tso', kick, 3) },
  { name: 'kvm-vcpu-kick-no-request-sc-3', system: () => kvmVcpuKick('sc', { ...kick, request: false }, 3) },
  // Liveness: the reduced graph's cycles are judged with the deferred steps' actors enabled.
  { name: 'kvm-vcpu-kick-correct-tso-3-liveness', system: () => withWorkTaken(kvmVcpuKick('tso', kick, 3), 3) },
  { name: 'kvm-vcpu-kick-no-request-tso-2-liveness', system: () => withWorkTaken(kvmVcpuKick('tso', { ...kick, request: false }, 2), 2) },
  // Liveness beside a timer (deadlines): rounds of independent workers, re-armed when all are done.
  { name: 'timed-rounds-4x6-liveness', system: () => timedRounds(4, 6) },
  { name: 'timed-rounds-6x4-liveness', system: () => timedRounds(6, 4) },
  { name: 'timed-rounds-6x4-liveness-violated', system: () => timedRounds(6, 4, true) },
  { name: 'counters-4x10', system: () => counters(4, 10) },
  { name: 'mailboxes-3x4', system: () => mailboxes(3, 4, 2) },
];

const violated = (r: CheckResult) => r.violations.map((v) => v.property).sort().join(',');

/** Runs the cases (all, or the one named `only`); false when a verdict differed. */
export function partialOrderBench(options: { json: boolean; only?: string }): boolean {
  let ok = true;
  for (const c of PARTIAL_ORDER_CASES.filter((x) => !options.only || options.only === 'partial-order' || options.only === `partial-order/${x.name}`)) {
    const full = explore(c.system(), UNREDUCED);
    const por = explore(c.system(), { partialOrder: true });
    if (full.verdict !== por.verdict || violated(full) !== violated(por)) {
      console.error(`bench: partial-order/${c.name}: ${full.verdict} (${violated(full)}) unreduced, ${por.verdict} (${violated(por)}) reduced`);
      ok = false;
      continue;
    }
    const row = {
      name: `partial-order/${c.name}`,
      verdict: full.verdict,
      states: full.stats.states,
      reducedStates: por.stats.states,
      removedPercent: Number((100 * (1 - por.stats.states / full.stats.states)).toFixed(1)),
      timeRatio: Number((por.stats.seconds / full.stats.seconds).toFixed(2)),
      applied: por.stats.partialOrder?.applied ?? false,
    };
    if (options.json) console.log(JSON.stringify(row));
    else console.log(`${row.name.padEnd(44)} ${String(row.states).padStart(9)} -> ${String(row.reducedStates).padStart(9)} states (${row.removedPercent}% removed) ${row.timeRatio}x the time ${row.verdict}${row.applied ? '' : ` (${por.stats.partialOrder?.note})`}`);
  }
  return ok;
}
