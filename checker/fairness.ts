// Fairness: which infinite runs liveness properties are judged over (README, "Liveness"). An actor is
// enabled in a global state when the explorer offers it a step there (a delivery, a spontaneous event
// its state takes, a store-buffer flush, or one of its timers, which are offered only when nothing
// else is: maximal progress); a strong-fairness event is enabled when that actor is offered a step
// with that event type. On a cycle repeated forever:
// - weak fairness for actor a: a takes a step on the cycle, or is disabled in some state of it;
// - strong fairness for a (or for (a, event)): a (that event) is enabled in no state of the cycle, or
//   is taken on it.
// One definition serves the explorer's search (checker/fairCycles.ts) and trace replay.
import type { CompiledSystem } from './compile.ts';
import type { Fairness } from './system.ts';

export interface FairnessRules {
  /** Weak fairness for every actor. */
  weak: boolean;
  /** Actors with strong fairness. */
  strongActors: number[];
  /** (actor, event type) pairs with strong fairness. */
  strongEvents: { actor: number; type: string }[];
}

export function fairnessRules(sys: CompiledSystem): FairnessRules {
  const f: Fairness = sys.definition.fairness ?? 'weak';
  if (f === 'none') return { weak: false, strongActors: [], strongEvents: [] };
  if (f === 'weak') return { weak: true, strongActors: [], strongEvents: [] };
  const index = (name: string) => sys.actorNames.indexOf(name);
  return {
    weak: true,
    strongActors: f.strong.flatMap((s) => (typeof s === 'string' ? [index(s)] : [])),
    strongEvents: f.strong.flatMap((s) => (typeof s === 'string' ? [] : [{ actor: index(s.actor), type: s.event }])),
  };
}

/** A step as fairness sees it: who moved, with which event type. */
export interface Move { actor: number; type: string }

/** One state of a cycle: every step enabled there, and the step the cycle takes from it. */
export interface CycleState { enabled: Move[]; taken: Move }

/**
 * Why a cycle repeated forever is not a fair run, or null when it is fair. `names` gives actor names
 * for the message.
 */
export function unfairness(cycle: CycleState[], rules: FairnessRules, names: readonly string[]): string | null {
  if (cycle.length === 0) return 'the cycle has no steps';
  const moves = (actor: number) => cycle.some((c) => c.taken.actor === actor);
  if (rules.weak) {
    for (let a = 0; a < names.length; a++) {
      if (moves(a)) continue;
      if (cycle.every((c) => c.enabled.some((m) => m.actor === a))) return `${names[a]} is enabled in every state of the cycle but never steps (weak fairness)`;
    }
  }
  for (const a of rules.strongActors) {
    if (!moves(a) && cycle.some((c) => c.enabled.some((m) => m.actor === a))) return `${names[a]} is enabled on the cycle but never steps (strong fairness)`;
  }
  for (const e of rules.strongEvents) {
    const same = (m: Move) => m.actor === e.actor && m.type === e.type;
    if (!cycle.some((c) => same(c.taken)) && cycle.some((c) => c.enabled.some(same))) {
      return `${names[e.actor]}'s ${e.type} is enabled on the cycle but never taken (strong fairness)`;
    }
  }
  return null;
}

/**
 * The liveness monitor: whether an obligation is pending after entering a state where the trigger
 * and goal hold as given. leadsTo and alwaysEventually: pending once the trigger holds, until the goal
 * holds (a goal in the trigger's own state meets it). eventually: pending from the start until the goal.
 */
export function monitorStep(form: 'leadsTo' | 'alwaysEventually' | 'eventually', pending: boolean, initial: boolean, trigger: boolean, goal: boolean): boolean {
  if (goal) return false;
  if (form === 'eventually') return initial || pending;
  return pending || trigger;
}
