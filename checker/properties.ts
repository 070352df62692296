// Properties are named values (as in Stateright): the explorer judges each by name.
import type { GlobalView } from './globalView.ts';
import { recordDefinitionSite } from './sourceLocation.ts';

/** A verdict from a predicate: true / undefined = holds; false = violated; a string = violated, with why. */
export type Judgement = boolean | string | undefined | null;

/**
 * What a property reads of a global state, declared so that the partial-order reduction knows which
 * steps it can see (README, "Partial-order reduction"). Reading anything else is then a modelError.
 */
export interface PropertyReads {
  actors?: string[];
  cells?: string[];
  inFlight?: string[];
}

export interface InvariantProperty {
  kind: 'invariant';
  /** Must hold in every reachable state. */
  holds: (g: GlobalView) => Judgement;
  reads?: PropertyReads;
}

export interface StallProperty {
  kind: 'stall';
  /**
   * Says what work is outstanding in a state (a non-empty ring, a message in a slot), or returns
   * false/undefined when there is none. A stall is a reachable state where only timers (or nothing)
   * can fire while work is outstanding.
   */
  outstanding: (g: GlobalView) => string | false | undefined | null;
}

export interface AllOfProperty {
  kind: 'allOf';
  /** Judged separately, reported under the one name: e.g. "dropped" (any state) and "stuck" (a stall). */
  parts: Property[];
}

/**
 * A liveness property, judged over the fair runs of the explored graph (README, "Liveness"): whenever
 * `trigger` holds, `goal` holds then or later. `alwaysEventually(q)` is `leadsTo(true, q)`;
 * `eventually(q)` triggers only at the initial state.
 */
export interface LivenessProperty {
  kind: 'liveness';
  form: 'leadsTo' | 'alwaysEventually' | 'eventually';
  /** What is pending (a string says what), or false when nothing is. */
  trigger: (g: GlobalView) => Judgement;
  /** The obligation is met in a state where this returns true (or a string). */
  goal: (g: GlobalView) => Judgement;
  /** What `trigger` and `goal` read, so that the partial-order reduction can apply (as an invariant's). */
  reads?: PropertyReads;
}

/**
 * A reachability goal (Stateright's `sometimes`): some reachable state satisfies `goal`. The check
 * reports a shortest witness for it, or `unreached` when the whole state space was explored without
 * one: models use it to show a fixed variant is not vacuous ("the retry path is taken").
 */
export interface ReachableProperty {
  kind: 'reachable';
  goal: (g: GlobalView) => Judgement;
  reads?: PropertyReads;
}

export type Property = InvariantProperty | StallProperty | LivenessProperty | ReachableProperty | AllOfProperty;

// Each records where it was called (sourceLocation.ts): a violation's report points at that line.
export const invariant = (holds: InvariantProperty['holds'], reads?: PropertyReads): InvariantProperty =>
  recordDefinitionSite(reads ? { kind: 'invariant', holds, reads } : { kind: 'invariant', holds });
export const stall = (outstanding: StallProperty['outstanding']): StallProperty => recordDefinitionSite({ kind: 'stall', outstanding });
export const allOf = (...parts: Property[]): AllOfProperty => recordDefinitionSite({ kind: 'allOf', parts });
/** Whenever `p` holds, `q` holds then or in a later state, on every fair run (TLA+'s `p ~> q`). */
export const leadsTo = (p: LivenessProperty['trigger'], q: LivenessProperty['goal'], reads?: PropertyReads): LivenessProperty =>
  recordDefinitionSite({ kind: 'liveness', form: 'leadsTo', trigger: p, goal: q, ...(reads ? { reads } : {}) });
/** `q` holds infinitely often on every fair run (and at the end of every run that ends): `[]<>q`. */
export const alwaysEventually = (q: LivenessProperty['goal'], reads?: PropertyReads): LivenessProperty =>
  recordDefinitionSite({ kind: 'liveness', form: 'alwaysEventually', trigger: () => true, goal: q, ...(reads ? { reads } : {}) });
/** `q` holds in some state of every fair run: `<>q`. */
export const eventually = (q: LivenessProperty['goal'], reads?: PropertyReads): LivenessProperty =>
  recordDefinitionSite({ kind: 'liveness', form: 'eventually', trigger: () => true, goal: q, ...(reads ? { reads } : {}) });

/** Some reachable state satisfies `p` (true or a non-empty string); never reached: verdict `unreached`. */
export const reachable = (p: ReachableProperty['goal'], reads?: PropertyReads): ReachableProperty => (reads ? { kind: 'reachable', goal: p, reads } : { kind: 'reachable', goal: p });

/** Whether a liveness trigger or goal holds: it returned true or a non-empty string (saying what holds). */
export const judgedTrue = (j: Judgement): boolean => j === true || (typeof j === 'string' && j.length > 0);

export type PartProperty = InvariantProperty | StallProperty | LivenessProperty | ReachableProperty;

/** The invariant, stall, liveness and reachability parts of a named property, with the name each is reported under. */
export function propertyParts(name: string, p: Property): [string, PartProperty][] {
  return p.kind === 'allOf' ? p.parts.flatMap((part) => propertyParts(name, part)) : [[name, p]];
}

/** Built-in properties, always checked. */
export const BUILTIN = {
  assertion: 'assertion',
  unhandledEvent: 'unhandledEvent',
  modelError: 'modelError',
  deadlock: 'deadlock',
  queueOverflow: 'queueOverflow',
} as const;

/** Turn a judgement into a violation message, or null when it holds. */
export function violationMessage(j: Judgement, fallback: string): string | null {
  if (j === true || j === undefined || j === null) return null;
  if (typeof j === 'string') return j;
  return fallback;
}
