// The system definition: what a user writes to compose XState machines into one checked system.
import type { AnyStateMachine, EventObject } from 'xstate';
import type { CellValue } from './vocabulary.ts';
import type { Property } from './properties.ts';
import type { GlobalView } from './globalView.ts';
import { recordDefinitionSite } from './sourceLocation.ts';

export interface ActorSpec {
  /** A plain XState v5 machine. The same machine may back several actors. */
  machine: AnyStateMachine;
  /** The machine's `input`, passed to its initial transition. */
  input?: unknown;
  /** Events the actor may take on its own initiative, offered whenever `snapshot.can(event)`. */
  spontaneous?: EventObject[];
  /** Shared cells whose current values arrive on every event this actor handles, as `event.cells`. */
  reads?: string[];
  /** Capacity of this actor's in-flight FIFO (posts addressed to it). Default 4. */
  queueCapacity?: number;
}

export interface SystemDefinition {
  name?: string;
  actors: Record<string, ActorSpec>;
  /** Shared memory cells and their initial values. */
  cells?: Record<string, CellValue>;
  /** Named properties; the built-in ones (assertion, unhandledEvent, modelError, deadlock) are always on. */
  properties?: Record<string, Property>;
  /**
   * Global states where having nothing to do is fine (not a deadlock). By default a state is an end state
   * when every actor is done (reached a final state) or is in a state tagged `end`.
   */
  endState?: (g: GlobalView) => boolean;
  /** Report a state with nothing enabled that is not an end state as `deadlock`. Default true. */
  deadlock?: boolean;
  /**
   * What a post to a full in-flight FIFO does: `bound` (default) stops exploring that branch and makes the
   * verdict `bounded` unless a violation is found; `violation` reports the `queueOverflow` property.
   */
  onQueueFull?: 'bound' | 'violation';
  /**
   * How `after` timers fire (README, "Time"): `deadline` (default) in the order of their deadlines, time
   * passing only when nothing else can happen; `unordered`: any armed timer, an over-approximation.
   */
  timers?: 'deadline' | 'unordered';
  /** The memory model shared cells follow: `sc` (default), `tso` (x86, Apple TSO mode) or `arm` (ARMv8). */
  memory?: 'sc' | 'tso' | 'arm';
  /**
   * Which runs liveness properties are judged over (README, "Liveness"): `weak` (default) weak fairness
   * for every actor; `none`: every run; or weak fairness plus strong fairness for the named actors and
   * (actor, event type) pairs.
   */
  fairness?: Fairness;
  /** tso, arm: stores each actor's store buffer holds (default 4); a store to a full buffer is a bound. */
  storeBuffer?: number;
  /** arm: messages the write history holds over all cells (default cells + 8); a write past it is a bound. */
  history?: number;
  /**
   * Interchangeable parts of the system (README, "Symmetry reduction"): the explorer then stores one
   * state per orbit under permutations of each group's members. Checked before and during exploration;
   * a declaration the system does not honour is refused.
   */
  symmetry?: SymmetryGroup[];
}

/**
 * A group of interchangeable members. Each member lists the actors and cells that belong to it, in the
 * same order for every member (`['vcpu[0]', 'mode[0]']`, `['vcpu[1]', 'mode[1]']`): a permutation of
 * the members moves all of them together, and renames their names wherever they appear in contexts,
 * events and inputs.
 */
export interface SymmetryGroup {
  members: string[][];
}

/** The group of `count` members where member `i` is `member(i)`: `symmetryGroup(3, (i) => [`vcpu[${i}]`, `mode[${i}]`])`. */
export function symmetryGroup(count: number, member: (i: number) => string[]): SymmetryGroup {
  return { members: Array.from({ length: count }, (_, i) => member(i)) };
}

export type Fairness = 'weak' | 'none' | { strong: (string | { actor: string; event: string })[] };

/** A mistake in a system definition, found before exploration starts. */
export class SystemDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SystemDefinitionError';
  }
}

/**
 * The names actors and cells may have: an identifier (letters, digits, `_`, `.`, `-`, not starting with a
 * digit), optionally indexed the way the code it models indexes them (`evtchn_pending[3]`, `vp[1]`,
 * `sint[0][2]`). Traces (traces/traceSchema.ts) accept the same names.
 */
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*(?:\[\d+\])*$/;
const NAME_FORM = 'use an identifier (letters, digits, _ . -, not starting with a digit), optionally indexed: vp[1], evtchn_pending[3]';

export function isStateMachine(value: unknown): value is AnyStateMachine {
  const m = value as AnyStateMachine | null;
  return (
    typeof m === 'object' && m !== null && typeof m.transition === 'function' &&
    typeof m.getInitialSnapshot === 'function' && typeof m.getTransitionData === 'function' &&
    typeof m.root === 'object'
  );
}

function isCellValue(v: unknown): v is CellValue {
  return v === null || typeof v === 'boolean' || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

/** Checks the shape of a definition; throws SystemDefinitionError naming the first problem. */
export function validateSystem(def: unknown): asserts def is SystemDefinition {
  const fail = (msg: string): never => { throw new SystemDefinitionError(msg); };
  if (typeof def !== 'object' || def === null) fail('a system definition must be an object with an `actors` field');
  const d = def as SystemDefinition;
  if (typeof d.actors !== 'object' || d.actors === null) fail('the system has no `actors` object');
  const names = Object.keys(d.actors);
  if (names.length === 0) fail('the system has no actors');
  const cells = d.cells ?? {};
  if (typeof cells !== 'object') fail('`cells` must be an object of cell name -> initial value');
  for (const [cell, v] of Object.entries(cells)) {
    if (!NAME_PATTERN.test(cell)) fail(`cell name ${JSON.stringify(cell)} is not allowed: ${NAME_FORM}`);
    if (!isCellValue(v)) fail(`cell '${cell}' has initial value ${describeValue(v)}; cells hold finite numbers, booleans, strings or null`);
  }
  for (const name of names) {
    if (!NAME_PATTERN.test(name)) fail(`actor name ${JSON.stringify(name)} is not allowed: ${NAME_FORM}`);
    const spec = d.actors[name];
    if (typeof spec !== 'object' || spec === null) fail(`actor '${name}' must be { machine, input?, spontaneous?, reads? }`);
    if (!isStateMachine(spec.machine)) fail(`actor '${name}': \`machine\` is not an XState v5 machine (use createMachine or setup().createMachine)`);
    for (const ev of spec.spontaneous ?? []) {
      if (typeof ev !== 'object' || ev === null || typeof ev.type !== 'string') fail(`actor '${name}': every spontaneous event must be an object with a string \`type\``);
    }
    for (const cell of spec.reads ?? []) {
      if (!(cell in cells)) fail(`actor '${name}' reads unknown cell '${cell}'`);
    }
    const cap = spec.queueCapacity ?? 4;
    if (!Number.isInteger(cap) || cap < 1 || cap > 64) fail(`actor '${name}': queueCapacity must be an integer from 1 to 64`);
  }
  for (const [prop, p] of Object.entries(d.properties ?? {})) {
    const isProperty = (x: unknown): boolean => {
      const q = x as Property | null;
      if (typeof q !== 'object' || q === null) return false;
      if (q.kind === 'invariant') return typeof q.holds === 'function';
      if (q.kind === 'stall') return typeof q.outstanding === 'function';
      if (q.kind === 'liveness') return typeof q.trigger === 'function' && typeof q.goal === 'function';
      if (q.kind === 'reachable') return typeof q.goal === 'function';
      return q.kind === 'allOf' && Array.isArray(q.parts) && q.parts.every(isProperty);
    };
    if (!isProperty(p)) fail(`property '${prop}' is not a property (use invariant(), stall(), leadsTo(), alwaysEventually(), eventually(), reachable() or allOf())`);
  }
  if (d.memory !== undefined && !['sc', 'tso', 'arm'].includes(d.memory)) fail(`unknown memory model '${String(d.memory)}' (use 'sc', 'tso' or 'arm')`);
  if (d.storeBuffer !== undefined && (!Number.isInteger(d.storeBuffer) || d.storeBuffer < 1 || d.storeBuffer > 64)) fail('`storeBuffer` must be an integer from 1 to 64');
  if (d.history !== undefined && (!Number.isInteger(d.history) || d.history <= cellCount(d) || d.history > 256)) fail('`history` must be an integer above the number of cells, at most 256');
  if (d.onQueueFull !== undefined && d.onQueueFull !== 'bound' && d.onQueueFull !== 'violation') fail("`onQueueFull` must be 'bound' or 'violation'");
  if (d.timers !== undefined && d.timers !== 'deadline' && d.timers !== 'unordered') fail("`timers` must be 'deadline' or 'unordered'");
  if (d.symmetry !== undefined) {
    const groups = d.symmetry as unknown;
    const isNames = (m: unknown): m is string[] => Array.isArray(m) && m.length > 0 && m.every((x) => typeof x === 'string');
    if (!Array.isArray(groups) || !groups.every((g) => typeof g === 'object' && g !== null && Array.isArray(g.members) && g.members.every(isNames))) {
      fail('`symmetry` must be a list of groups { members: [[names of member 0], [names of member 1], ...] }');
    }
  }
  if (d.fairness !== undefined && d.fairness !== 'weak' && d.fairness !== 'none') {
    const strong = (d.fairness as { strong?: unknown }).strong;
    if (typeof d.fairness !== 'object' || d.fairness === null || !Array.isArray(strong)) fail("`fairness` must be 'weak', 'none' or { strong: [actor or { actor, event }, ...] }");
    for (const item of strong as unknown[]) {
      const actor = typeof item === 'string' ? item : (item as { actor?: unknown } | null)?.actor;
      const event = typeof item === 'string' ? '' : (item as { event?: unknown } | null)?.event;
      if (typeof actor !== 'string' || typeof event !== 'string') fail('`fairness.strong` lists actor names or { actor, event } pairs');
      if (!names.includes(actor as string)) fail(`\`fairness.strong\` names unknown actor '${String(actor)}'`);
    }
  }
}

const cellCount = (d: SystemDefinition) => Object.keys(d.cells ?? {}).length;

export function defineSystem<T extends SystemDefinition>(def: T): T {
  validateSystem(def);
  return recordDefinitionSite(def);
}

/** A value as a message shows it: JSON.stringify would show NaN and Infinity as null, a function as nothing. */
function describeValue(v: unknown): string {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'symbol' || v === undefined) return String(v);
  if (typeof v === 'function') return 'a function';
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return 'a value that is not plain data';
  }
}
