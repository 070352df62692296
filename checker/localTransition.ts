// One actor's transitions, memoised: XState runs once per distinct (local state, event, cell values read).
// This is the only place the checker calls XState, and only through its public pure functions.
import { transition } from 'xstate';
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import { CALL, FAIL, POST, REPLY, WRITE, EFFECT_PREFIX } from './vocabulary.ts';
import { memoryEffect } from './memoryEffects.ts';
import type { MemoryEffect } from './memoryEffects.ts';
import type { CellValue } from './vocabulary.ts';
import { LocalStates } from './localStates.ts';
import type { InternTable } from './canonical.ts';

export enum EffectKind { Post, Call, Reply, Write, Fail, Fence, Load, Rmw }

export type Effect =
  | { kind: EffectKind.Post; to: number; event: number }
  | { kind: EffectKind.Call; to: number; event: number }
  | { kind: EffectKind.Reply; event: number }
  | { kind: EffectKind.Write; cell: number; value: number; release: boolean; fence: boolean }
  | { kind: EffectKind.Fail; message: string }
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
}

/** Names and tables the effect extractor resolves against. */
export interface Namespace {
  actorIndex: Map<string, number>;
  cellIndex: Map<string, number>;
  events: InternTable<EventObject>;
  values: InternTable<CellValue>;
}

const KEY_EVENT_SPACE = 2 ** 21;

function isCellValue(v: unknown): v is CellValue {
  return v === null || typeof v === 'boolean' || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message.split('\n').join(' ') : String(e);
}

export class ModelError extends Error {}

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
    } else if (type === 'xstate.raise' && action.params?.delay !== undefined && !String(action.params?.event?.type).startsWith('xstate.after.')) {
      // Timers are found from `after` (they fire only when nothing else can); a delayed raise would
      // silently never fire, so refuse it rather than give a verdict that ignores it.
      throw new ModelError(`a delayed raise of '${action.params?.event?.type}' is not supported; use an \`after\` transition for timers`);
    } else if (type.startsWith('xstate.')) {
      // raise (already handled inside the macrostep; delayed raises are timers, see `after`), cancel,
      // log, stopChild: no effect on the checked state.
      continue;
    } else if (typeof action.exec === 'function') {
      action.exec(action.info, action.params);
    }
  }
  return effects;
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
  private readonly readTrie = new Map<number, any>();
  private readTuples: number[][] = [[]];
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
  }

  /** Id of the tuple of cell values this actor reads in state vector `v` (0 when it reads none). */
  readTuple(v: Int32Array, cellBase: number): number {
    const cells = this.readCells;
    if (cells.length === 0) return 0;
    let node: Map<number, any> = this.readTrie;
    const last = cells.length - 1;
    for (let i = 0; i < last; i++) {
      const val = v[cellBase + cells[i]];
      let next = node.get(val);
      if (next === undefined) { next = new Map(); node.set(val, next); }
      node = next;
    }
    const val = v[cellBase + cells[last]];
    let id = node.get(val);
    if (id === undefined) {
      id = this.readTuples.length;
      const tuple = cells.map((c) => v[cellBase + c]);
      this.readTuples.push(tuple);
      node.set(val, id);
    }
    return id;
  }

  lookup(local: number, event: number, readTuple: number): LocalTransition {
    if (event >= KEY_EVENT_SPACE) throw new Error('more than 2^21 distinct events');
    const key = local * KEY_EVENT_SPACE + event;
    const hit = this.memo.get(key);
    if (this.readCells.length === 0) {
      if (hit !== undefined) return hit as LocalTransition;
      const t = this.compute(local, event, 0);
      this.memo.set(key, t);
      return t;
    }
    let byReads = hit as Map<number, LocalTransition> | undefined;
    if (byReads === undefined) { byReads = new Map(); this.memo.set(key, byReads); }
    let t = byReads.get(readTuple);
    if (t === undefined) { t = this.compute(local, event, readTuple); byReads.set(readTuple, t); }
    return t;
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

  private compute(local: number, event: number, readTuple: number): LocalTransition {
    this.computed++;
    const snapshot = this.states.snapshot(local);
    const ev = this.eventFor(event, readTuple);
    try {
      const handled = this.machine.getTransitionData(snapshot, ev).length > 0;
      if (!handled) return { accepts: false, handled: false, next: local, effects: [], error: null };
      const accepts = snapshot.can(ev);
      const [next, actions] = transition(this.machine, snapshot, ev) as [AnyMachineSnapshot, any[]];
      if (next.status === 'error') return this.errored(local, `the machine entered XState's error status: ${messageOf(next.error)}`);
      const effects = extractEffects(actions, this.ns);
      return { accepts, handled: true, next: this.states.intern(next), effects, error: null };
    } catch (e) {
      const message = messageOf(e);
      // A write to a frozen (interned) context: say what to do instead.
      if (e instanceof TypeError && /read.only|not extensible|Cannot (assign|add|delete)/.test(message)) {
        return this.errored(local, `${message} (contexts are immutable: change them with assign)`);
      }
      return this.errored(local, message);
    }
  }

  private errored(local: number, message: string): LocalTransition {
    return { accepts: true, handled: true, next: local, effects: [], error: message };
  }
}
