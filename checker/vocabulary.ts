// The actions a model uses to talk to the rest of the system. Each is an XState `emit`, so a machine
// that uses them is a plain XState machine: in a real actor they are emitted events a host program can
// route; under the checker they are routed by the step semantics (README, "Step semantics").
import { emit } from 'xstate';
import type { EventObject } from 'xstate';

export const EFFECT_PREFIX = 'vmbus-check.';
export const POST = 'vmbus-check.post';
export const CALL = 'vmbus-check.call';
export const REPLY = 'vmbus-check.reply';
export const WRITE = 'vmbus-check.write';
export const FAIL = 'vmbus-check.fail';

/** A primitive value that a shared memory cell can hold. */
export type CellValue = number | boolean | string | null;

type Args = { context: any; event: any };
/**
 * An XState action. Typed loosely so one helper fits every machine's own context and event types
 * (XState's `emit` typing ties an action to one machine's types).
 */
export type ModelAction = any;
type Maybe<T> = T | ((args: Args) => T);

const resolve = <T>(value: Maybe<T>, args: Args): T =>
  typeof value === 'function' ? (value as (a: Args) => T)(args) : value;

/** Put `event` in flight to actor `to`; it is delivered by a later step of its own. */
export function post(to: Maybe<string>, event: Maybe<EventObject>): ModelAction {
  return emit((args: Args) => ({ type: POST, to: resolve(to, args), event: resolve(event, args) }) as any);
}

/** Deliver `event` to actor `to` inside this step (a hypercall, an MMIO access); it may `reply`. */
export function call(to: Maybe<string>, event: Maybe<EventObject>): ModelAction {
  return emit((args: Args) => ({ type: CALL, to: resolve(to, args), event: resolve(event, args) }) as any);
}

/** Answer the call being handled: `event` goes back to the caller inside the same step. */
export function reply(event: Maybe<EventObject>): ModelAction {
  return emit((args: Args) => ({ type: REPLY, event: resolve(event, args) }) as any);
}

/** Store `value` to shared memory cell `cell`. */
export function write(cell: Maybe<string>, value: Maybe<CellValue>): ModelAction {
  return emit((args: Args) => ({ type: WRITE, cell: resolve(cell, args), value: resolve(value, args) }) as any);
}

/** Raise an assertion failure: the step that runs this action violates the `assertion` property. */
export function fail(message: Maybe<string>): ModelAction {
  return emit((args: Args) => ({ type: FAIL, message: resolve(message, args) }) as any);
}

/** The cell values an actor declared it reads, as they arrive on every event it handles. */
export function cellsOf(event: EventObject): Record<string, CellValue> {
  return ((event as any).cells ?? {}) as Record<string, CellValue>;
}
