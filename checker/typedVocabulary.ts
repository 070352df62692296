// The vocabulary narrowed to one system's names: with its actors and cells declared up front (machines
// are written before `defineSystem` runs), a misspelt actor in `post`/`call` or a misspelt cell in
// `write`, `reads`, a load, an RMW, `cellsOf` or a property is a type error, not only a run-time
// modelError. Types only: every member is the untyped function itself, so a machine built from it is
// the same XState machine and a property's definition site is recorded as before.
import type { AnyEventObject, AnyMachineSnapshot, EventObject } from 'xstate';
import { post, call, reply, write, fail, cellsOf } from './vocabulary.ts';
import type { CellValue, VocabularyAction } from './vocabulary.ts';
import {
  load, smp_load_acquire, smp_store_release, smp_store_mb, fence, smp_mb, virt_mb, mb, mfence, dmb_ish, smp_wmb, dmb_ishst,
  smp_rmb, dmb_ishld, stlr, ldar, xchg, cmpxchg, test_and_set_bit, test_and_clear_bit, fetch_or,
} from './memoryVocabulary.ts';
import type { FenceName } from './memoryVocabulary.ts';
import { invariant, stall, allOf, leadsTo, alwaysEventually, eventually, reachable } from './properties.ts';
import type {
  AllOfProperty, InvariantProperty, Judgement, LivenessProperty, Property, ReachableProperty, StallProperty,
} from './properties.ts';
import { defineSystem } from './system.ts';
import type { ActorSpec, SystemDefinition } from './system.ts';

/** A system's names: `{ actors: 'host' | 'guest'; cells: 'flag' | 'data' }`; `cells` may be left out. */
export interface SystemNames {
  actors: string;
  cells?: string;
}

type ActorsOf<N extends SystemNames> = N['actors'];
type CellsOf<N extends SystemNames> = N extends { cells: infer C extends string } ? C : never;

type Args = { context: any; event: any };
/** A value, or a function of the action's `{ context, event }` that computes it. */
type Maybe<T> = T | ((args: Args) => T);

/** What a property of this system sees: only its own actors and cells. */
export interface TypedGlobalView<A extends string, C extends string> {
  readonly actors: Readonly<Record<A, AnyMachineSnapshot>>;
  readonly cells: Readonly<Record<C, CellValue>>;
  readonly inFlight: Readonly<Record<A, readonly EventObject[]>>;
}

export interface TypedActorSpec<C extends string> extends Omit<ActorSpec, 'reads'> {
  reads?: C[];
}

/** A SystemDefinition whose actor map and cells are exactly the declared names. */
export type TypedSystemDefinition<A extends string, C extends string> =
  Omit<SystemDefinition, 'actors' | 'cells' | 'endState' | 'fairness'> & {
    actors: Record<A, TypedActorSpec<C>>;
    endState?: (g: TypedGlobalView<A, C>) => boolean;
    fairness?: 'weak' | 'none' | { strong: (A | { actor: A; event: string })[] };
  } & ([C] extends [never] ? { cells?: Record<string, never> } : { cells: Record<C, CellValue> });

/** The vocabulary of one system: the functions of `vmbus-check`, their names narrowed to the declaration. */
export interface Vocabulary<N extends SystemNames, A extends string = ActorsOf<N>, C extends string = CellsOf<N>> {
  post(to: Maybe<A>, event: Maybe<AnyEventObject>): VocabularyAction;
  call(to: Maybe<A>, event: Maybe<AnyEventObject>): VocabularyAction;
  reply(event: Maybe<AnyEventObject>): VocabularyAction;
  write(cell: Maybe<C>, value: Maybe<CellValue>): VocabularyAction;
  fail(message: Maybe<string>): VocabularyAction;
  cellsOf(event: EventObject): Readonly<Record<C, CellValue>>;

  load(cell: Maybe<C>, reply?: Maybe<string>): VocabularyAction;
  smp_load_acquire(cell: Maybe<C>, reply?: Maybe<string>): VocabularyAction;
  ldar(cell: Maybe<C>, reply?: Maybe<string>): VocabularyAction;
  smp_store_release(cell: Maybe<C>, value: Maybe<CellValue>): VocabularyAction;
  stlr(cell: Maybe<C>, value: Maybe<CellValue>): VocabularyAction;
  smp_store_mb(cell: Maybe<C>, value: Maybe<CellValue>): VocabularyAction;
  xchg(cell: Maybe<C>, value: Maybe<CellValue>, reply?: Maybe<string>): VocabularyAction;
  cmpxchg(cell: Maybe<C>, expected: Maybe<CellValue>, desired: Maybe<CellValue>, reply?: Maybe<string>): VocabularyAction;
  test_and_set_bit(nr: Maybe<number>, cell: Maybe<C>, reply?: Maybe<string>): VocabularyAction;
  test_and_clear_bit(nr: Maybe<number>, cell: Maybe<C>, reply?: Maybe<string>): VocabularyAction;
  fetch_or(mask: Maybe<number>, cell: Maybe<C>, reply?: Maybe<string>): VocabularyAction;
  fence(kind: FenceName): VocabularyAction;
  smp_mb(): VocabularyAction;
  virt_mb(): VocabularyAction;
  mb(): VocabularyAction;
  mfence(): VocabularyAction;
  dmb_ish(): VocabularyAction;
  smp_wmb(): VocabularyAction;
  dmb_ishst(): VocabularyAction;
  smp_rmb(): VocabularyAction;
  dmb_ishld(): VocabularyAction;

  /** `reads`: what the property reads, for the partial-order reduction (README, "Partial-order reduction"). */
  invariant(holds: (g: TypedGlobalView<A, C>) => Judgement, reads?: { actors?: A[]; cells?: C[]; inFlight?: A[] }): InvariantProperty;
  stall(outstanding: (g: TypedGlobalView<A, C>) => string | false | undefined | null): StallProperty;
  allOf(...parts: Property[]): AllOfProperty;
  leadsTo(p: (g: TypedGlobalView<A, C>) => Judgement, q: (g: TypedGlobalView<A, C>) => Judgement): LivenessProperty;
  alwaysEventually(q: (g: TypedGlobalView<A, C>) => Judgement): LivenessProperty;
  eventually(q: (g: TypedGlobalView<A, C>) => Judgement): LivenessProperty;
  reachable(goal: (g: TypedGlobalView<A, C>) => Judgement, reads?: { actors?: A[]; cells?: C[]; inFlight?: A[] }): ReachableProperty;

  /** defineSystem, with the actor map and the cells checked against the declaration. */
  defineSystem(def: TypedSystemDefinition<A, C>): SystemDefinition;
}

/**
 * The vocabulary for a system with the given names, e.g.
 * `const { post, write, cellsOf, defineSystem } = vocabularyFor<{ actors: 'host' | 'guest'; cells: 'flag' }>()`.
 * The untyped functions stay as they are for models that do not declare their names.
 */
export function vocabularyFor<N extends SystemNames>(): Vocabulary<N> {
  return {
    post, call, reply, write, fail,
    // An event carries the cells its actor declared in `reads`, a subset of the system's.
    cellsOf: cellsOf as Vocabulary<N>['cellsOf'],
    load, smp_load_acquire, ldar, smp_store_release, stlr, smp_store_mb, xchg, cmpxchg, test_and_set_bit, test_and_clear_bit, fetch_or,
    fence, smp_mb, virt_mb, mb, mfence, dmb_ish, smp_wmb, dmb_ishst, smp_rmb, dmb_ishld,
    invariant, stall, allOf, leadsTo, alwaysEventually, eventually, reachable,
    defineSystem,
  };
}
