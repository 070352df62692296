// One actor's transitions, memoised: XState runs once per distinct (local state, event, cell values read).
// This is the only place the checker calls XState, and only through its public pure functions and
// its machines' public `transition` (see `pureTransition`).
import { createActor, initialTransition } from 'xstate';
import type { AnyActorScope, AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import { withRoom } from './chunkArrays.ts';
import { CALL, FAIL, POST, REPLY, WRITE, EFFECT_PREFIX } from './vocabulary.ts';
import { memoryEffect } from './memoryEffects.ts';
import type { MemoryEffect } from './memoryEffects.ts';
import type { CellValue } from './vocabulary.ts';
import { LocalStates } from './localStates.ts';
import { BUILTIN } from './properties.ts';
import type { Violation } from './result.ts';
import { canonicalJson } from './canonical.ts';
import type { InternTable } from './canonical.ts';

export enum EffectKind { Post, Call, Reply, Write, Fail, ArmTimer, CancelTimer, Fence, Load, Rmw }

export type Effect =
  | { kind: EffectKind.Post; to: number; event: number }
  | { kind: EffectKind.Call; to: number; event: number }
  | { kind: EffectKind.Reply; event: number }
  | { kind: EffectKind.Write; cell: number; value: number; release: boolean; fence: boolean }
  | { kind: EffectKind.Fail; message: string }
  /** XState entered a state with an `after`: its timer `event` is armed for `delay` ms. */
  | { kind: EffectKind.ArmTimer; event: number; delay: number }
  /** XState left that state: the timer is disarmed. */
  | { kind: EffectKind.CancelTimer; event: number }
  | MemoryEffect;

export interface LocalTransition {
  /** `snapshot.can(event)`: the event would change something. Spontaneous events and timers need this. */
  accepts: boolean;
  /** Some transition takes the event, possibly to deliberately ignore it. Deliveries need this. */
  handled: boolean;
  next: number;
  effects: Effect[];
  /** A guard or action threw, or the machine entered XState's error status. */
  error: string | null;
  /**
   * A violation the transition itself shows, with its whole message: a raised event no transition takes
   * (unhandledEvent), a macrostep that never settles or a result that changed when re-run (modelError).
   */
  violation: { property: string; message: string } | null;
  /** Re-runs (purity audit, see ActorLogic.audit): lookups of this entry so far; -1 when not audited. */
  uses: number;
  /** The stepper's flat form of this transition (Stepper.deltaOf), or null when it has none; undefined until asked. */
  delta: Int32Array | null | undefined;
}

/** Names and tables the effect extractor resolves against. */
export interface Namespace {
  actorIndex: Map<string, number>;
  cellIndex: Map<string, number>;
  events: InternTable<EventObject>;
  values: InternTable<CellValue>;
  /** Local transitions computed so far by every actor of the system: the purity audit samples by it. */
  computed: { count: number };
}

const KEY_EVENT_SPACE = 2 ** 21;
/** XState's name for the delayed event of an `after` transition: `xstate.after.<delay>.<state node id>`. */
const AFTER_PREFIX = 'xstate.after.';
/** Timer values live in the state vector (Int32Array); a day is far beyond any protocol timer. */
const MAX_DELAY = 86_400_000;

/** Microsteps one macrostep may take before it counts as a loop (an `always` or `raise` cycle). */
export const MAX_MICROSTEPS = 1000;

/**
 * The purity audit. Transitions are memoised, so a guard or action that reads hidden state
 * (Math.random(), Date.now(), a closure variable) would keep its first answer and the verdict would
 * depend on luck. Every new transition has its guards evaluated again (cheap: no actions run) and an
 * audited one is re-run whole, when it is computed and again on its first reuse (by then hidden state
 * has had time to change); any difference is a modelError. By default the audit covers the first AUDIT_ALL
 * transitions the system computes (RERUNS_AT_FIRST re-runs each), each actor's first transition for
 * every event type (one re-run), and one in AUDIT_EVERY of the rest (on reuse only): small models are
 * covered nearly whole, large ones by a sample, for about a quarter more XState work at most (README,
 * "Model code must be pure"). In paranoid mode every entry is audited, and again on its 2nd, 4th ...
 * 64th reuse.
 */
const AUDIT_ALL = 16;
const AUDIT_EVERY = 16;
const RERUNS_AT_FIRST = 2;
/** Guard-only re-checks (cheap): for every new transition, and more for the audited ones. */
const GUARD_CHECKS = 1;
const GUARD_CHECKS_WIDE = 8;
const LAST_AUDITED_USE = 64;

function isCellValue(v: unknown): v is CellValue {
  return v === null || typeof v === 'boolean' || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message.split('\n').join(' ') : String(e);
}

export class ModelError extends Error {}

/** How the purity audit's modelError says what it found. */
const IMPURE_RESULT = 'when the same transition was re-run';

/** Whether `v` is the purity audit's modelError: model code that answered differently when re-run. */
export function impurityFound(v: Violation): boolean {
  return v.property === BUILTIN.modelError && v.message.includes(IMPURE_RESULT);
}

/** Turns the actions XState returns into checker effects; runs custom actions as a real actor would. */
export function extractEffects(actions: readonly any[], ns: Namespace): Effect[] {
  const effects: Effect[] = [];
  for (const action of actions) {
    const type: string = action.type;
    if (type === 'xstate.emit') {
      const ev = action.params?.event as Record<string, any>;
      if (typeof ev?.type !== 'string' || !ev.type.startsWith(EFFECT_PREFIX)) continue; // an observation for real listeners
      if (ev.type === POST || ev.type === CALL) {
        const to = ns.actorIndex.get(ev.to);
        if (to === undefined) throw new ModelError(`${ev.type === POST ? 'post' : 'call'} to unknown actor '${ev.to}'`);
        if (typeof ev.event?.type !== 'string') throw new ModelError(`${ev.type === POST ? 'post' : 'call'} to '${ev.to}' with an event that has no string type`);
        const event = ns.events.intern(ev.event);
        effects.push(ev.type === POST ? { kind: EffectKind.Post, to, event } : { kind: EffectKind.Call, to, event });
      } else if (ev.type === REPLY) {
        if (typeof ev.event?.type !== 'string') throw new ModelError('reply with an event that has no string type');
        effects.push({ kind: EffectKind.Reply, event: ns.events.intern(ev.event) });
      } else if (ev.type === WRITE) {
        const cell = ns.cellIndex.get(ev.cell);
        if (cell === undefined) throw new ModelError(`write to unknown cell '${ev.cell}'`);
        if (!isCellValue(ev.value)) throw new ModelError(`write of ${JSON.stringify(ev.value)} to cell '${ev.cell}'; cells hold numbers, booleans, strings or null`);
        effects.push({ kind: EffectKind.Write, cell, value: ns.values.intern(ev.value), release: ev.release === true, fence: ev.fence === true });
      } else if (ev.type === FAIL) {
        effects.push({ kind: EffectKind.Fail, message: String(ev.message) });
      } else {
        const memory = memoryEffect(ev, ns);
        if (memory === null) throw new ModelError(`unknown vmbus-check effect '${ev.type}'`);
        effects.push(memory);
      }
    } else if (type === 'xstate.sendTo' || type === 'xstate.sendParent') {
      throw new ModelError(`${type} is not routed by the checker; use post(to, event) or call(to, event)`);
    } else if (type === 'xstate.spawnChild') {
      throw new ModelError('spawning child actors is not supported; declare each actor in the system');
    } else if (type === 'xstate.raise' && action.params?.delay !== undefined && String(action.params?.event?.type).startsWith(AFTER_PREFIX)) {
      const delay = action.params.delay;
      if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > MAX_DELAY) {
        throw new ModelError(`timer '${action.params.event.type}' has delay ${JSON.stringify(delay)}; delays must be whole milliseconds from 0 to ${MAX_DELAY}`);
      }
      effects.push({ kind: EffectKind.ArmTimer, event: ns.events.intern({ type: action.params.event.type }), delay });
    } else if (type === 'xstate.cancel' && String(action.params?.sendId).startsWith(AFTER_PREFIX)) {
      effects.push({ kind: EffectKind.CancelTimer, event: ns.events.intern({ type: action.params.sendId }) });
    } else if (type === 'xstate.raise' && action.params?.delay !== undefined) {
      // Timers are found from `after` (they fire only when nothing else can); a delayed raise would
      // silently never fire, so refuse it rather than give a verdict that ignores it.
      throw new ModelError(`a delayed raise of '${action.params?.event?.type}' is not supported; use an \`after\` transition for timers`);
    } else if (type.startsWith('xstate.')) {
      // raise (already handled inside the macrostep), log, stopChild: no effect on the checked state.
      continue;
    } else if (typeof action.exec === 'function') {
      action.exec(action.info, action.params);
    }
  }
  return effects;
}

/**
 * XState's pure `transition(machine, snapshot, event)`, without its cost. XState builds an inert actor
 * for each call with `createActor(machine)`, whose constructor computes the machine's initial snapshot
 * (entry actions, the context factory: one that reads `input` throws there, and XState catches it) only
 * to discard it: about a third of XState's time in a memo miss. Here the inert actor is built from the
 * snapshot being stepped instead (`createActor`'s `snapshot` option: XState restores it, which runs no
 * action and no factory), so that nothing else changes: each call still gets an actor of its own, with
 * a system of its own (a child registered there, with its `systemId`, stays in that call) and a session
 * id of its own (an action that reads it is still impure, and the purity audit still says so).
 */
function pureTransition(machine: AnyStateMachine, snapshot: AnyMachineSnapshot, event: EventObject): [AnyMachineSnapshot, any[]] {
  const self = createActor(machine, { snapshot });
  const actions: unknown[] = [];
  const scope = {
    self, defer: () => {}, id: '', logger: () => {}, sessionId: '', stopChild: () => {}, system: self.system, emit: () => {},
    actionExecutor: (action: unknown) => { actions.push(action); },
  } as unknown as AnyActorScope;
  return [machine.transition(snapshot, event, scope), actions];
}

/** What `watchMacrostep` saw of one macrostep. */
interface Watched<T> {
  result?: T;
  thrown?: unknown;
  /** The first raised event no transition took, and the state value it arrived in. */
  unhandledRaise: { type: string; state: unknown } | null;
  /** The macrostep was stopped at MAX_MICROSTEPS. */
  loop: boolean;
  /** The transitions XState selected for each event the macrostep took (coverage of the initial one). */
  selected: unknown[];
}

/**
 * Runs one XState macrostep (`run` calls XState's `transition` or `initialTransition` on `machine`) and
 * watches two things XState's pure functions do not report. XState drops a raised event that no
 * transition takes; every event the macrostep takes from its queue goes through
 * `machine.getTransitionData`, so an empty answer there is such an event. And XState's own microstep
 * cap (`options.maxIterations`, default unbounded) is set to MAX_MICROSTEPS, so an `always` or `raise`
 * loop throws instead of hanging. The machine is only borrowed: both are put back before returning.
 * Only the last `transition`/`getInitialSnapshot` call is watched: the inert actor scope of XState's
 * `initialTransition` computes an initial snapshot first, and that is not this macrostep.
 */
function watchMacrostep<T>(machine: AnyStateMachine, run: () => T): Watched<T> {
  const m = machine as any;
  const own = { transition: m.transition, getInitialSnapshot: m.getInitialSnapshot, getTransitionData: Object.hasOwn(m, 'getTransitionData') ? m.getTransitionData : undefined, options: m.options };
  const getTransitionData = m.getTransitionData;
  const seen: { type: string; state: unknown; taken: boolean }[] = [];
  let skipExternal = false;
  const watched: Watched<T> = { unhandledRaise: null, loop: false, selected: [] };
  const restart = (external: boolean) => { seen.length = 0; watched.selected.length = 0; skipExternal = external; };
  const cap = Math.min(own.options?.maxIterations ?? Infinity, MAX_MICROSTEPS);
  m.options = { ...own.options, maxIterations: cap };
  m.transition = (...args: unknown[]) => { restart(true); return own.transition(...args); };
  m.getInitialSnapshot = (...args: unknown[]) => { restart(false); return own.getInitialSnapshot(...args); };
  m.getTransitionData = (snapshot: AnyMachineSnapshot, event: EventObject) => {
    const transitions = getTransitionData.call(machine, snapshot, event);
    watched.selected.push(...transitions);
    if (skipExternal) skipExternal = false; // the event the macrostep was started with
    else seen.push({ type: event.type, state: snapshot.value, taken: transitions.length > 0 });
    return transitions;
  };
  const isLoop = (e: unknown) => e instanceof Error && e.message.startsWith('Infinite loop detected');
  try {
    watched.result = run();
    // An initial macrostep reports what it threw in the snapshot's error status instead.
    watched.loop = (watched.result as any)?.[0]?.status === 'error' && isLoop((watched.result as any)[0].error);
  } catch (e) {
    watched.thrown = e;
    watched.loop = isLoop(e);
  } finally {
    m.transition = own.transition;
    m.getInitialSnapshot = own.getInitialSnapshot;
    if (own.getTransitionData === undefined) delete m.getTransitionData; else m.getTransitionData = own.getTransitionData;
    m.options = own.options;
  }
  // XState's own internal events (a compound state's done event, say) may go untaken by design.
  const dropped = seen.find((s) => !s.taken && !isXStateInternal(s.type));
  if (dropped) watched.unhandledRaise = { type: dropped.type, state: dropped.state };
  else if (watched.result) {
    // A raise still queued when the machine stopped (it reached a final state) is dropped unseen.
    const [snapshot, actions] = watched.result as unknown as [AnyMachineSnapshot, any[]];
    const raised = actions.filter((a) => a.type === 'xstate.raise' && a.params?.delay === undefined).map((a) => String(a.params?.event?.type));
    const unseen = raised.find((type) => !isXStateInternal(type) && raised.filter((t) => t === type).length > seen.filter((x) => x.type === type).length);
    if (unseen !== undefined) watched.unhandledRaise = { type: unseen, state: snapshot.value };
  }
  return watched;
}

/** XState's own events (done, error, after, init, stop), which may go untaken by design; not a user's `xstate.custom`. */
const isXStateInternal = (type: string) => /^xstate\.(done|error|after|init|stop|snapshot)(\.|$)/.test(type);

/**
 * Keys that library code probes on any object it is handed (JSON, promises, XState looking for actor
 * refs in an assigned context): asking for them is no cell read.
 */
const PROBED = new Set(['toJSON', 'then', 'sessionId', 'constructor']);

/** An event's cells as a guard or action sees them: reading a cell not declared in `reads` throws. */
function guardedCells(actor: string, cells: Record<string, CellValue>): Record<string, CellValue> {
  const refuse = (target: Record<string, CellValue>, key: string): never => {
    const declared = Object.keys(target);
    throw new ModelError(`cell '${key}' is read but not declared in ${actor}'s \`reads\` (${declared.length > 0 ? `it reads ${declared.join(', ')}` : 'it reads no cells'}); an undeclared cell would read as undefined`);
  };
  return new Proxy(cells, {
    get(target, key, receiver) {
      if (typeof key === 'symbol' || PROBED.has(key) || Reflect.has(target, key)) return Reflect.get(target, key, receiver);
      return refuse(target, key);
    },
    // `'flag' in event.cells` for an undeclared cell would silently be false.
    has(target, key) {
      if (typeof key === 'symbol' || PROBED.has(key) || Reflect.has(target, key)) return Reflect.has(target, key);
      return refuse(target, key);
    },
  });
}

/** Every `after` timer event type the machine can arm, found by walking its state nodes. */
function timerEventTypes(machine: AnyStateMachine): string[] {
  const out: string[] = [];
  const walk = (node: any) => {
    for (const t of node.after ?? []) if (!out.includes(t.eventType)) out.push(t.eventType);
    for (const child of Object.values(node.states ?? {})) walk(child);
  };
  walk(machine.root);
  return out;
}

export class ActorLogic {
  readonly states: LocalStates;
  readonly timerEvents: number[];
  readonly spontaneousEvents: number[];
  private readonly memo = new Map<number, LocalTransition | Map<number, LocalTransition>>();
  private readTuples: number[][] = [[]];
  /**
   * Read tuples and situations (a local state with a read tuple) are interned through open-addressing
   * tables keyed by the Int32 values themselves: one probe per lookup, where a trie of Maps took one
   * Map.get per cell read, for every spontaneous event of the actor in every state expanded.
   */
  private readonly tuples: IntTupleTable;
  private readonly situations: IntTupleTable;
  private situationTuple: number[] = [];
  /**
   * Per situation, the transitions of every spontaneous event (in `spontaneousEvents` order), once each
   * of them is final: memoised and past its purity audit (uses < 0), so skipping the lookups changes
   * nothing. Until then the lookups are made one by one, as they come.
   */
  private situationSpontaneous: (LocalTransition[] | undefined)[] = [];
  /** Per situation, the events delivered there whose transitions are final, and those transitions, side by side. */
  private situationDeliveredEvents: (number[] | undefined)[] = [];
  private situationDelivered: (LocalTransition[] | undefined)[] = [];
  /** Distinct local transitions computed (XState invocations). */
  computed = 0;

  constructor(
    readonly name: string,
    readonly machine: AnyStateMachine,
    readonly readCells: number[],
    private readonly readCellNames: string[],
    spontaneous: EventObject[],
    private readonly ns: Namespace,
  ) {
    this.states = new LocalStates(machine);
    this.timerEvents = timerEventTypes(machine).map((type) => ns.events.intern({ type }));
    this.spontaneousEvents = spontaneous.map((e) => ns.events.intern(e));
    this.tuples = new IntTupleTable(readCells.length);
    this.situations = new IntTupleTable(readCells.length + 1);
  }

  /** Id of the tuple of cell values this actor reads in state vector `v` (0 when it reads none). */
  readTuple(v: Int32Array, cellBase: number): number {
    const cells = this.readCells;
    if (cells.length === 0) return 0;
    const id = this.tuples.find(-1, v, cellBase, cells);
    if (id >= 0) return id + 1;
    this.readTuples.push(cells.map((c) => v[cellBase + c]));
    return this.tuples.add(-1, v, cellBase, cells) + 1;
  }

  /**
   * Dense id of this actor's situation in `v`: its local state `local` and the cells it reads there (in
   * `v`, from `cellBase`). With no cells read, the local state itself.
   */
  situation(local: number, v: Int32Array, cellBase: number): number {
    const cells = this.readCells;
    if (cells.length === 0) return local;
    const id = this.situations.find(local, v, cellBase, cells);
    if (id >= 0) return id;
    this.situationTuple.push(this.readTuple(v, cellBase));
    return this.situations.add(local, v, cellBase, cells);
  }

  /** The read tuple of situation `sit`. */
  situationReads(sit: number): number {
    return this.readCells.length === 0 ? 0 : this.situationTuple[sit];
  }

  /** The final transitions of every spontaneous event in situation `sit`, or undefined while some are not. */
  spontaneousIn(sit: number): LocalTransition[] | undefined {
    return this.situationSpontaneous[sit];
  }

  /** Records the spontaneous transitions of situation `sit`, all final (see situationSpontaneous). */
  settleSpontaneous(sit: number, transitions: LocalTransition[]): void {
    this.situationSpontaneous[sit] = transitions;
  }

  /** The final transition of delivering `event` in situation `sit`, once `settleDelivered` recorded it, else null. */
  deliveredIn(sit: number, event: number): LocalTransition | null {
    const events = this.situationDeliveredEvents[sit];
    if (events === undefined) return null;
    for (let i = 0; i < events.length; i++) if (events[i] === event) return this.situationDelivered[sit]![i];
    return null;
  }

  /** Records `t`, final (memoised and past its purity audit), as the transition of delivering `event` in situation `sit`. */
  settleDelivered(sit: number, event: number, t: LocalTransition): void {
    (this.situationDeliveredEvents[sit] ??= []).push(event);
    (this.situationDelivered[sit] ??= []).push(t);
  }

  lookup(local: number, event: number, readTuple: number): LocalTransition {
    if (event >= KEY_EVENT_SPACE) throw new Error('more than 2^21 distinct events');
    const key = local * KEY_EVENT_SPACE + event;
    const hit = this.memo.get(key);
    if (this.readCells.length === 0) {
      if (hit !== undefined) {
        const t = hit as LocalTransition;
        return t.uses < 0 ? t : this.reuse(t, local, event, 0, (u) => this.memo.set(key, u));
      }
      const t = this.first(local, event, 0);
      this.memo.set(key, t);
      this.onComputed?.(local, event, 0, t);
      return t;
    }
    let byReads = hit as Map<number, LocalTransition> | undefined;
    if (byReads === undefined) { byReads = new Map(); this.memo.set(key, byReads); }
    const t = byReads.get(readTuple);
    if (t === undefined) {
      const u = this.first(local, event, readTuple);
      byReads.set(readTuple, u);
      this.onComputed?.(local, event, readTuple, u);
      return u;
    }
    return t.uses < 0 ? t : this.reuse(t, local, event, readTuple, (u) => byReads.set(readTuple, u));
  }

  /**
   * Called with every transition computed (not a memo hit), once it is memoised: symmetry reduction
   * checks there that interchangeable actors behave alike (checker/symmetry.ts).
   */
  onComputed: ((local: number, event: number, readTuple: number, t: LocalTransition) => void) | null = null;

  /** The value ids of read tuple `tuple`, in `readCells` order. */
  readValues(tuple: number): readonly number[] {
    return this.readTuples[tuple];
  }

  /** The id of the read tuple holding `values` (value ids in `readCells` order). */
  readTupleOfValues(values: readonly number[]): number {
    if (this.readCells.length === 0) return 0;
    const cells = this.readCells.map((_, i) => i);
    const v = Int32Array.from(values);
    const id = this.tuples.find(-1, v, 0, cells);
    if (id >= 0) return id + 1;
    this.readTuples.push([...values]);
    return this.tuples.add(-1, v, 0, cells) + 1;
  }

  /** Audit every memoised transition (paranoid mode), not only the default sample. */
  paranoid = false;
  /** Event types this actor has had a transition audited for: each type's first one always is. */
  private readonly auditedTypes = new Set<string>();

  /** Computes a transition not in the memo yet; an audited one is re-run at once (see AUDIT_ALL). */
  private first(local: number, event: number, readTuple: number): LocalTransition {
    const index = this.ns.computed.count++;
    const t = this.compute(local, event, readTuple);
    // An error ends the run where it is met: nothing to gain from running it again.
    if (t.error !== null) return t;
    const type = this.ns.events.values[event].type;
    const newType = !this.auditedTypes.has(type);
    const guardChecks = this.paranoid || newType || index < AUDIT_ALL ? GUARD_CHECKS_WIDE : GUARD_CHECKS;
    const changedGuards = this.guardsChange(t, local, event, readTuple, guardChecks);
    if (changedGuards) return changedGuards;
    if (!this.paranoid && !newType && index >= AUDIT_ALL && index % AUDIT_EVERY !== 0) return t;
    // An untaken probe (a spontaneous event its state does not accept) does not count as this type's audit.
    if (t.accepts) this.auditedTypes.add(type);
    t.uses = 0;
    const reruns = this.paranoid || index < AUDIT_ALL ? RERUNS_AT_FIRST : newType ? 1 : 0;
    for (let i = 0; i < reruns; i++) {
      const changed = this.audit(t, local, event, readTuple);
      if (changed) return changed;
    }
    return t;
  }

  /** A memo hit on an audited entry: re-run on its first reuse (paranoid: 1st, 2nd, 4th ... 64th). */
  private reuse(t: LocalTransition, local: number, event: number, readTuple: number, replace: (u: LocalTransition) => void): LocalTransition {
    const uses = ++t.uses;
    if ((uses & (uses - 1)) !== 0) return t;
    if (!this.paranoid || uses >= LAST_AUDITED_USE) t.uses = -1;
    const changed = this.audit(t, local, event, readTuple);
    if (!changed) return t;
    replace(changed);
    return changed;
  }

  /**
   * Selects the transitions for the event `checks` more times (XState's getTransitionData: the guards
   * alone, far cheaper than a whole transition) and compares with the selection `t` was computed from.
   */
  private guardsChange(t: LocalTransition, local: number, event: number, readTuple: number, checks: number): LocalTransition | null {
    const selected = this.lastSelection;
    const snapshot = this.states.snapshot(local);
    const ev = this.machineEvent(event, readTuple);
    for (let i = 0; i < checks; i++) {
      let again: readonly unknown[];
      try {
        again = this.machine.getTransitionData(snapshot, ev);
      } catch (e) {
        return this.changed(t, local, event, `a guard threw the second time: ${messageOf(e)}`);
      }
      if (again.length !== selected.length || again.some((x, k) => x !== selected[k])) {
        return this.changed(t, local, event, 'the guards chose other transitions the second time');
      }
    }
    return null;
  }

  /** Re-runs `t`; returns a modelError transition when the result differs, else null. */
  private audit(t: LocalTransition, local: number, event: number, readTuple: number): LocalTransition | null {
    const again = this.compute(local, event, readTuple);
    this.computed--; // a re-run is not a distinct local transition
    const difference = differenceOf(t, again, this.states);
    return difference === null ? null : this.changed(t, local, event, difference);
  }

  private changed(t: LocalTransition, local: number, event: number, difference: string): LocalTransition {
    // The message says IMPURE_RESULT: `impurityFound` tells the audit's modelError from others by it.
    const state = JSON.stringify(this.states.snapshot(local).value);
    const type = this.ns.events.values[event].type;
    return this.errored(local, `the result changed when re-run: ${difference}`, {
      property: BUILTIN.modelError,
      message: `${this.name} in state ${state} gave a different result for '${type}' ${IMPURE_RESULT} (${difference}): ` +
        'guards and actions must be pure functions of context, event and the cells read (no Math.random(), Date.now() or state kept outside the machine)',
    });
  }

  /** The event exactly as the machine receives it: the interned event plus the cells it reads. */
  eventFor(event: number, readTuple: number): EventObject {
    const base = this.ns.events.values[event];
    if (this.readCells.length === 0) return base;
    const tuple = this.readTuples[readTuple];
    const cells: Record<string, CellValue> = {};
    this.readCellNames.forEach((name, i) => { cells[name] = this.ns.values.values[tuple[i]]; });
    return { ...base, cells } as EventObject;
  }

  /** The event as guards and actions see it: `eventFor`, with undeclared cell reads refused. */
  private machineEvent(event: number, readTuple: number): EventObject {
    const plain = this.eventFor(event, readTuple);
    return this.readCells.length === 0 ? plain : { ...plain, cells: guardedCells(this.name, (plain as any).cells) } as EventObject;
  }

  /**
   * The transitions of the machine's definition (XState's TransitionDefinition objects) that handling
   * `event` in local state `local` takes: XState's selection for the event and for each event raised
   * inside the macrostep (coverage, checker/coverage.ts). XState selects `always` transitions inside
   * the macrostep unseen, so they are not among them.
   */
  transitionsTaken(local: number, event: number, readTuple: number): unknown[] {
    const m = this.machine as any;
    const own = Object.hasOwn(m, 'getTransitionData') ? m.getTransitionData : undefined;
    const select = m.getTransitionData;
    const taken: unknown[] = [];
    m.getTransitionData = (snapshot: AnyMachineSnapshot, ev: EventObject) => {
      const transitions = select.call(m, snapshot, ev);
      taken.push(...transitions);
      return transitions;
    };
    try {
      pureTransition(this.machine, this.states.snapshot(local), this.eventFor(event, readTuple));
    } catch {
      // The search reports a step that throws (modelError); what it selected before that still counts.
    } finally {
      if (own === undefined) delete m.getTransitionData; else m.getTransitionData = own;
    }
    return taken;
  }

  /** What the initial macrostep selected (see `transitionsTaken`), as `initial` saw it: [] until it succeeded. */
  initialTransitionsTaken(): readonly unknown[] {
    return this.initialSelected;
  }

  private initialSelected: readonly unknown[] = [];

  /** The transitions `compute` last selected for its event (what guardsChange compares against). */
  private lastSelection: readonly unknown[] = [];

  /** The machine's initial transition: its initial local state and the effects of its entry actions. */
  initial(input: unknown): { local: number; effects: Effect[]; error: string | null; violation: LocalTransition['violation'] } {
    const watched = watchMacrostep(this.machine, () => initialTransition(this.machine, input) as [AnyMachineSnapshot, any[]]);
    const broken = (error: string) => ({ local: -1, effects: [], error, violation: null });
    if (watched.loop) {
      return { ...broken('the initial macrostep never settles'), violation: { property: BUILTIN.modelError, message: `${this.name}: its initial macrostep did not settle within ${MAX_MICROSTEPS} microsteps (an \`always\` or \`raise\` loop)` } };
    }
    if (watched.thrown !== undefined) return broken(messageOf(watched.thrown));
    const [snapshot, actions] = watched.result!;
    try {
      if (snapshot.status === 'error') throw new Error(`the machine entered XState's error status: ${messageOf(snapshot.error)}`);
      const local = this.states.intern(snapshot);
      const effects = extractEffects(actions, this.ns);
      const raised = watched.unhandledRaise;
      const violation = raised && { property: BUILTIN.unhandledEvent, message: `${this.name} in state ${JSON.stringify(raised.state)} has no transition for raised '${raised.type}'` };
      this.initialSelected = watched.selected;
      return { local, effects, error: null, violation };
    } catch (e) {
      return broken(messageOf(e));
    }
  }

  private compute(local: number, event: number, readTuple: number): LocalTransition {
    this.computed++;
    const snapshot = this.states.snapshot(local);
    const ev = this.machineEvent(event, readTuple);
    this.lastSelection = [];
    try {
      this.lastSelection = this.machine.getTransitionData(snapshot, ev);
      const handled = this.lastSelection.length > 0;
      if (!handled) return { accepts: false, handled: false, next: local, effects: [], error: null, violation: null, uses: -1, delta: undefined };
      const accepts = snapshot.can(ev);
      const watched = watchMacrostep(this.machine, () => pureTransition(this.machine, snapshot, ev));
      if (watched.loop) {
        const state = JSON.stringify(snapshot.value);
        return this.errored(local, 'the macrostep never settles', {
          property: BUILTIN.modelError,
          message: `${this.name} in state ${state}: handling '${ev.type}' did not settle within ${MAX_MICROSTEPS} microsteps (an \`always\` or \`raise\` loop that never reaches a stable state)`,
        });
      }
      if (watched.thrown !== undefined) throw watched.thrown;
      const [next, actions] = watched.result!;
      if (next.status === 'error') return this.errored(local, `the machine entered XState's error status: ${messageOf(next.error)}`);
      const effects = extractEffects(actions, this.ns);
      const raised = watched.unhandledRaise;
      const violation = raised && { property: BUILTIN.unhandledEvent, message: `${this.name} in state ${JSON.stringify(raised.state)} has no transition for raised '${raised.type}'` };
      return { accepts, handled: true, next: this.states.intern(next), effects, error: null, violation, uses: -1, delta: undefined };
    } catch (e) {
      const message = messageOf(e);
      // A write to a frozen (interned) context: say what to do instead.
      if (e instanceof TypeError && /read.only|not extensible|Cannot (assign|add|delete)/.test(message)) {
        return this.errored(local, `${message} (contexts are immutable: change them with assign)`);
      }
      return this.errored(local, message);
    }
  }

  private errored(local: number, message: string, violation: LocalTransition['violation'] = null): LocalTransition {
    return { accepts: true, handled: true, next: local, effects: [], error: message, violation, uses: -1, delta: undefined };
  }
}

/** How two runs of one transition differ, in a few words; null when they agree. */
function differenceOf(a: LocalTransition, b: LocalTransition, states: LocalStates): string | null {
  if (a.handled !== b.handled) return `a transition took the event ${a.handled ? 'the first time but not the second' : 'the second time only'}`;
  if (a.accepts !== b.accepts) return `the event was ${a.accepts ? 'enabled the first time but not the second' : 'enabled the second time only'}`;
  if (a.error !== b.error) return `first ${a.error === null ? 'no error' : `error '${a.error}'`}, then ${b.error === null ? 'no error' : `error '${b.error}'`}`;
  if (a.next !== b.next) return `next state first ${stateText(states, a.next)}, then ${stateText(states, b.next)}`;
  if (canonicalJson(a.effects) !== canonicalJson(b.effects)) return 'the actions wrote, posted or sent something else';
  if (canonicalJson(a.violation) !== canonicalJson(b.violation)) return 'a raised event was taken once and dropped once';
  return null;
}

function stateText(states: LocalStates, id: number): string {
  const s = states.snapshot(id);
  return canonicalJson({ value: s.value, context: s.context });
}

/**
 * Interns tuples of Int32 values, an optional leading key and then `v[base + cells[i]]`, to dense ids
 * 0, 1, ... by open addressing over a flat copy of the tuples (no object per tuple).
 */
class IntTupleTable {
  /** Slots: id + 1, 0 when empty. */
  private table = new Int32Array(1 << 8);
  private values = new Int32Array(1 << 8);
  private hashes = new Int32Array(1 << 6);
  size = 0;

  /** `width`: fields per tuple, the leading key included. */
  constructor(private readonly width: number) {}

  private hash(key: number, v: Int32Array, base: number, cells: readonly number[]): number {
    let h = Math.imul(key ^ 0x9e3779b9, 0x85ebca6b);
    for (let i = 0; i < cells.length; i++) {
      h = Math.imul(h ^ v[base + cells[i]], 0x01000193);
      h ^= h >>> 15;
    }
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    return h ^ (h >>> 13);
  }

  /** The tuple found last: states expanded one after another (siblings in BFS) often repeat it. */
  private last = -1;

  /** The id of the tuple, or -1. `key` is ignored by a table without a leading key. */
  find(key: number, v: Int32Array, base: number, cells: readonly number[]): number {
    const { table, values } = this;
    const w = this.width;
    const lead = w - cells.length;
    if (this.last >= 0 && this.holds(this.last, key, v, base, cells)) return this.last;
    const mask = table.length - 1;
    for (let slot = this.hash(key, v, base, cells) & mask; ; slot = (slot + 1) & mask) {
      const entry = table[slot];
      if (entry === 0) return -1;
      let at = (entry - 1) * w;
      if (lead === 1 && values[at++] !== key) continue;
      let i = 0;
      while (i < cells.length && values[at + i] === v[base + cells[i]]) i++;
      if (i === cells.length) return (this.last = entry - 1);
    }
  }

  /** Whether tuple `id` is the one `find` was given. */
  private holds(id: number, key: number, v: Int32Array, base: number, cells: readonly number[]): boolean {
    const values = this.values;
    let at = id * this.width;
    if (this.width > cells.length && values[at++] !== key) return false;
    for (let i = 0; i < cells.length; i++) if (values[at + i] !== v[base + cells[i]]) return false;
    return true;
  }

  /** Adds a tuple that `find` did not find; returns its id. */
  add(key: number, v: Int32Array, base: number, cells: readonly number[]): number {
    const id = this.size++;
    const w = this.width;
    this.values = withRoom(this.values, (id + 1) * w);
    this.hashes = withRoom(this.hashes, id + 1);
    let at = id * w;
    if (w > cells.length) this.values[at++] = key;
    for (let i = 0; i < cells.length; i++) this.values[at + i] = v[base + cells[i]];
    const h = this.hash(key, v, base, cells);
    this.hashes[id] = h;
    if (this.size * 2 > this.table.length) {
      this.table = new Int32Array(this.table.length * 2);
      for (let k = 0; k < this.size; k++) this.place(k, this.hashes[k]);
    } else this.place(id, h);
    return id;
  }

  private place(id: number, h: number): void {
    const mask = this.table.length - 1;
    let slot = h & mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & mask;
    this.table[slot] = id + 1;
  }
}
