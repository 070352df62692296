// The actions a model uses to talk to the rest of the system. Each is an XState `emit`, so a machine
// that uses them is a plain XState machine: in a real actor they are emitted events a host program can
// route; under the checker they are routed by the step semantics (README, "Step semantics").
import { emit } from 'xstate';
import type { AnyEventObject, EventObject } from 'xstate';

export const EFFECT_PREFIX = 'vmbus-check.';
export const POST = 'vmbus-check.post';
export const CALL = 'vmbus-check.call';
export const REPLY = 'vmbus-check.reply';
export const WRITE = 'vmbus-check.write';
export const FAIL = 'vmbus-check.fail';

/** A primitive value that a shared memory cell can hold. */
export type CellValue = number | boolean | string | null;

type Args = { context: any; event: any };
type Maybe<T> = T | ((args: Args) => T);

/**
 * The type of a vocabulary action. XState's ActionFunction is invariant in the machine's event, context
 * and emitted types, so one concrete type cannot fit every machine; this one fits any action slot.
 */
export type VocabularyAction = any;

const resolve = <T>(value: Maybe<T>, args: Args): T =>
  typeof value === 'function' ? (value as (a: Args) => T)(args) : value;

/**
 * Marks a vocabulary action with the cells it may load: a list, or null when its cell is computed at
 * run time. The ARM model reads the marks before exploring (checker/loadedCells.ts) to forget what no
 * actor can load; an `emit` without a mark may load anything. A global symbol, so marks made by
 * another copy of vmbus-check (a user's dist import beside the sources) are still read.
 */
export const LOADS = Symbol.for('vmbus-check.loads');

/**
 * Marks a vocabulary action with what else it may touch, for the partial-order reduction's scan
 * (checker/actorFootprint.ts): cells it may store, actors it may post to or call; null where the name
 * is computed at run time. An `emit` without this mark may touch anything.
 */
export const TOUCHES = Symbol.for('vmbus-check.touches');

export interface Touches {
  stores?: string[] | null;
  posts?: string[] | null;
  calls?: string[] | null;
}

export function marked<A extends object>(action: A, loads: string[] | null, touches: Touches = {}): A {
  (action as any)[LOADS] = loads;
  (action as any)[TOUCHES] = touches;
  return action;
}

const NOTHING: string[] = [];
/** The mark of a name: known unless computed at run time. */
export const named = (name: unknown): string[] | null => (typeof name === 'string' ? [name] : null);

/** Put `event` in flight to actor `to`; it is delivered by a later step of its own. */
export function post(to: Maybe<string>, event: Maybe<AnyEventObject>): VocabularyAction {
  return marked(emit((args: Args) => ({ type: POST, to: resolve(to, args), event: resolve(event, args) }) as any), NOTHING, { posts: named(to) });
}

/** Deliver `event` to actor `to` inside this step (a hypercall, an MMIO access); it may `reply`. */
export function call(to: Maybe<string>, event: Maybe<AnyEventObject>): VocabularyAction {
  return marked(emit((args: Args) => ({ type: CALL, to: resolve(to, args), event: resolve(event, args) }) as any), NOTHING, { calls: named(to) });
}

/** Answer the call being handled: `event` goes back to the caller inside the same step. */
export function reply(event: Maybe<AnyEventObject>): VocabularyAction {
  return marked(emit((args: Args) => ({ type: REPLY, event: resolve(event, args) }) as any), NOTHING);
}

/** Store `value` to shared memory cell `cell`. */
export function write(cell: Maybe<string>, value: Maybe<CellValue>): VocabularyAction {
  return marked(emit((args: Args) => ({ type: WRITE, cell: resolve(cell, args), value: resolve(value, args) }) as any), NOTHING, { stores: named(cell) });
}

/** Raise an assertion failure: the step that runs this action violates the `assertion` property. */
export function fail(message: Maybe<string>): VocabularyAction {
  return marked(emit((args: Args) => ({ type: FAIL, message: resolve(message, args) }) as any), NOTHING);
}

/**
 * The cell values an actor declared it reads, as they arrive on every event it handles. Under the
 * checker, reading a cell the actor did not declare in `reads` is a modelError naming the cell (never a
 * silent `undefined`); so is reading any cell from an event that carries none.
 */
export function cellsOf(event: EventObject): Record<string, CellValue> {
  const cells = (event as any).cells as Record<string, CellValue> | undefined;
  return cells ?? NO_CELLS;
}

const NO_CELLS: Record<string, CellValue> = new Proxy(Object.freeze({}) as Record<string, CellValue>, {
  get(target, key, receiver) {
    if (typeof key === 'symbol' || key === 'toJSON' || Reflect.has(target, key)) return Reflect.get(target, key, receiver);
    throw new Error(`cell '${key}' is read, but this event carries no cells: declare the cells the actor reads in its \`reads\``);
  },
});
