// Properties are named values (as in Stateright): the explorer judges each by name.
import type { GlobalView } from './globalView.ts';
import { recordDefinitionSite } from './sourceLocation.ts';

/** A verdict from a predicate: true / undefined = holds; false = violated; a string = violated, with why. */
export type Judgement = boolean | string | undefined | null;

export interface InvariantProperty {
  kind: 'invariant';
  /** Must hold in every reachable state. */
  holds: (g: GlobalView) => Judgement;
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

export type Property = InvariantProperty | StallProperty | AllOfProperty;

// Each records where it was called (sourceLocation.ts): a violation's report points at that line.
export const invariant = (holds: InvariantProperty['holds']): InvariantProperty => recordDefinitionSite({ kind: 'invariant', holds });
export const stall = (outstanding: StallProperty['outstanding']): StallProperty => recordDefinitionSite({ kind: 'stall', outstanding });
export const allOf = (...parts: Property[]): AllOfProperty => recordDefinitionSite({ kind: 'allOf', parts });

/** The invariant and stall parts of a named property, with the name each is reported under. */
export function propertyParts(name: string, p: Property): [string, InvariantProperty | StallProperty][] {
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
