// An independent brute-force enumerator of a system's reachable global states, written plainly from the
// step semantics in the README ("Step semantics") and nothing else of the engine: no memo by local state
// and reads, no interning, no packed vectors. A global state is a plain object holding every actor's
// XState snapshot, the cells and the in-flight FIFOs; every step asks XState's pure `transition`, its
// answer kept only for the very snapshot object and the event's whole canonical text (the same call,
// under the README's purity rule); visited states are canonical strings in a Set. It is slow (fine for
// the small systems the property tests generate) and exists only so that the fast explorer has something
// to disagree with.
//
// Under `memory: 'tso'` it adds x86-TSO as the Owens-Sarkar-Sewell abstract machine states it: a FIFO
// of pending stores per actor, reads that take the actor's newest pending store to the cell, a step that
// writes the oldest pending store to memory, and an mfence that waits for an empty FIFO (here: drains it).
// A post, call or reply (a hypercall, an interrupt) is ordered after the sender's pending stores.
//
// Under `memory: 'arm'` it adds Promising-ARM without promises as the README ("Memory models") states
// it, with nothing of checker/memoryModel.ts: memory is a list of writes in the order they became
// visible; each actor has per-cell coherence views and the views of its loads, its writes and its
// release writes (list positions); a load may return any write to the cell from the last one at or
// before max(its lower bound, its coherence view) on, or its own newest pending store; pending stores
// commit in steps of their own, in any order but for the same cell, a store fence or a release store;
// a full fence commits every pending store and raises the lower bound to both views. A post, call or
// reply is a full fence of the sender, and the receiver's lower bound becomes the whole list; so does a
// timer's actor's when it fires (time passes only when all else is done). Writes no
// running actor that reads the cell can still return are dropped (the list positions renumbered), so
// the list stays finite; beyond `history` writes the step is cut (bound `history`). Loads here are the
// actors' `reads`, taken in order on every event, each branching over the values it may return.
//
// The vocabulary's explicit loads and atomics (README, "Memory models": `load`, `xchg`, `cmpxchg`,
// `test_and_set_bit`, `test_and_clear_bit`, `fetch_or`) under sc and tso: a load reads the cell (under
// tso the actor's newest pending store to it, else memory); an atomic first drains the actor's pending
// stores (a locked instruction on x86), reads memory and, unless it changes nothing (a failed cmpxchg,
// a bit already in place), writes memory at once. Either answers with `{ type: reply, cell, value }` to
// the same actor inside the step, after its transition's other actions (its mailbox, as for a call's
// reply). `smp_store_mb` is a store then a full fence. Under arm they are not modelled here.
//
// Only the vocabulary's effect names and the definition's types come from checker/.
import { initialTransition, transition } from 'xstate';
import type { AnyMachineSnapshot, AnyStateMachine, EventObject } from 'xstate';
import { CALL, EFFECT_PREFIX, FAIL, POST, REPLY, WRITE } from '../../checker/vocabulary.ts';
import { FENCE, LOAD, RMW } from '../../checker/memoryVocabulary.ts';
import type { CellValue } from '../../checker/vocabulary.ts';
import type { SystemDefinition } from '../../checker/system.ts';

/**
 * An armed `after` timer: milliseconds left until it is due (always 0 under `timers: 'unordered'`), its
 * delay, and when it was armed (a counter, only to order twins armed at the same instant).
 */
export interface RefTimer { left: number; delay: number; armedAt: number }

export interface RefState {
  actors: Record<string, AnyMachineSnapshot>;
  cells: Record<string, CellValue>;
  inFlight: Record<string, EventObject[]>;
  /** Per actor, its armed timers by event type. */
  timers: Record<string, Record<string, RefTimer>>;
  /** tso: each actor's pending stores, oldest first. */
  pending: Record<string, { cell: string; value: CellValue }[]>;
  /** arm: the write list, each actor's views and its pending stores (null under sc and tso). */
  arm: ArmMemory | null;
}

/** Positions in the write list, 1-based; 0 is before every write. */
interface ArmViews { coh: Record<string, number>; lower: number; loads: number; writes: number; releases: number }
type ArmPending = { cell: string; value: CellValue; release: boolean } | { fence: 'store' };
interface ArmMemory {
  writes: { cell: string; value: CellValue }[];
  views: Record<string, ArmViews>;
  pending: Record<string, ArmPending[]>;
}

export type RefStep = { actor: string; kind: 'deliver' | 'spontaneous' | 'timer' | 'flush'; event: EventObject; choices?: number[] };

export interface RefResult {
  /** Distinct reachable global states (through steps that end without a violation or a bound). */
  states: number;
  transitions: number;
  violated: Set<string>;
  /**
   * For each violated property, the fewest steps from the initial state to where it shows: to the state
   * that breaks an invariant, deadlocks or stalls, or up to and including the step that fails.
   */
  shortest: Map<string, number>;
  /** How many of the reachable states are first reached at each BFS depth. */
  statesAtDepth: number[];
  /** A post found a full FIFO under onQueueFull 'bound', or a store a full store buffer. */
  bounded: boolean;
  /** Which bounds cut a branch: 'queueCapacity', 'storeBuffer'. */
  cuts: Set<string>;
  /** The enumeration gave up at `maxStates`; the other fields are then partial. */
  gaveUp: boolean;
  /** With `projections`: what properties can see of each reachable state (Reference.projection). */
  projections?: Set<string>;
  /** With `states`: every reachable state, in BFS order. */
  reached?: RefState[];
}

/** The step ends in a violation of `property`: no successor state. */
class Violated extends Error {
  constructor(readonly property: string, message: string) { super(message); }
}
/** arm: with the values its reads returned, the actor does not take its spontaneous event or timer. */
class Disabled extends Error {}
/** The step posted to a full FIFO under onQueueFull 'bound': the branch is cut. */
class Cut extends Error {
  constructor(readonly bound: string) { super(bound); }
}

/** Canonical JSON with sorted keys; throws on anything that is not plain JSON data. */
export function canon(x: unknown): string {
  if (x === null || x === undefined) return 'null';
  if (typeof x === 'string' || typeof x === 'boolean') return JSON.stringify(x);
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new Error(`not JSON: ${x}`);
    return x === 0 ? '0' : String(x);
  }
  if (Array.isArray(x)) {
    let out = '[';
    for (let i = 0; i < x.length; i++) out += (i === 0 ? '' : ',') + canon(x[i]);
    return out + ']';
  }
  if (typeof x === 'object') {
    const proto = Object.getPrototypeOf(x);
    if (proto !== Object.prototype && proto !== null) throw new Error('not plain JSON data');
    const o = x as Record<string, unknown>;
    let out = '{';
    for (const k of Object.keys(o).sort()) {
      if (o[k] !== undefined) out += (out.length === 1 ? '' : ',') + JSON.stringify(k) + ':' + canon(o[k]);
    }
    return out + '}';
  }
  throw new Error(`not JSON: a ${typeof x}`);
}

const isCell = (v: unknown) => v === null || typeof v === 'boolean' || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));

const localKeys = new WeakMap<AnyMachineSnapshot, string>();
function localKey(s: AnyMachineSnapshot): string {
  let k = localKeys.get(s);
  if (k === undefined) localKeys.set(s, k = canon({ value: s.value, context: s.context, status: s.status }));
  return k;
}

/** A result of XState for one snapshot object and one event, computed once (see the header). */
class PerSnapshot<T> {
  private readonly results = new WeakMap<AnyMachineSnapshot, Map<string, T>>();
  get(snap: AnyMachineSnapshot, ev: EventObject, compute: () => T): T {
    let byEvent = this.results.get(snap);
    if (byEvent === undefined) this.results.set(snap, byEvent = new Map());
    let key: string;
    try { key = canon(ev); } catch { return compute(); }
    let r = byEvent.get(key);
    if (r === undefined) byEvent.set(key, r = compute());
    return r;
  }
}

// Derived independently of the engine (which reads each state node's processed `after` transitions):
// from the raw `after` config and XState's documented naming of delayed events,
// `xstate.after.<delay>.<state node id>`.
function timerTypes(machine: AnyStateMachine): string[] {
  const out = new Set<string>();
  const visit = (node: any) => {
    for (const delay of Object.keys(node.config?.after ?? {})) out.add(`xstate.after.${delay}.${node.id}`);
    Object.values(node.states ?? {}).forEach(visit);
  };
  visit(machine.root);
  return [...out];
}

/** Within one step: who is busy handling an event, what waits for them, and how many were handed out. */
interface StepMailboxes {
  busy: Set<string>;
  waiting: { actor: string; event: EventObject; via: string; caller: string | null }[];
  count: number;
}
const newMailboxes = (): StepMailboxes => ({ busy: new Set(), waiting: [], count: 0 });

type Effect =
  | { kind: 'post' | 'call'; to: string; event: EventObject }
  | { kind: 'reply'; event: EventObject }
  | { kind: 'write'; cell: string; value: CellValue; fence: boolean }
  | { kind: 'load'; cell: string; reply: string }
  | { kind: 'rmw'; op: string; cell: string; a: CellValue; b: CellValue; reply: string }
  | { kind: 'fail'; message: string }
  | { kind: 'fence'; which: 'full' | 'store' | 'load' }
  | { kind: 'arm'; type: string; delay: number }
  | { kind: 'cancel'; type: string };

export class Reference {
  readonly names: string[];
  readonly cellNames: string[];
  private readonly timers: Record<string, string[]>;
  private readonly unordered: boolean;
  private armings = 0;

  private readonly tso: boolean;
  private readonly armModel: boolean;
  /** arm: the choices of the step being taken (which write each load returns), as a script. */
  private script: number[] = [];
  private taken: { choice: number; of: number }[] = [];
  private readonly results = new PerSnapshot<[AnyMachineSnapshot, any[]] | null>();
  private readonly takings = new PerSnapshot<boolean>();

  constructor(readonly def: SystemDefinition) {
    this.unordered = def.timers === 'unordered';
    this.tso = def.memory === 'tso';
    this.armModel = def.memory === 'arm';
    this.names = Object.keys(def.actors);
    this.cellNames = Object.keys(def.cells ?? {});
    this.timers = Object.fromEntries(this.names.map((n) => [n, timerTypes(def.actors[n].machine)]));
  }

  key(g: RefState): string {
    // Timers by (left, delay, place in arming order among those with the same left and delay).
    const all = this.names.flatMap((n) => Object.entries(g.timers[n]).map(([type, t]) => ({ n, type, t })));
    const timerKey = (n: string) => canon(Object.keys(g.timers[n]).sort().map((type) => {
      const t = g.timers[n][type];
      const before = all.filter((o) => o.t.left === t.left && o.t.delay === t.delay && o.t.armedAt < t.armedAt).length;
      return [type, t.left, this.unordered ? 0 : t.delay, this.unordered ? 0 : before];
    }));
    return this.names.map((n) => localKey(g.actors[n]) + canon(g.inFlight[n]) + canon(g.pending[n]) + timerKey(n)).join('|') + '|' + canon(this.cellNames.map((c) => g.cells[c]))
      + (g.arm === null ? '' : '|' + canon(g.arm));
  }

  /** What a property can see of `g`: actors, cells and in-flight events (not timers or buffers). */
  projection(g: RefState): string {
    return canon({ actors: this.names.map((n) => [g.actors[n].value, g.actors[n].context, g.actors[n].status]), cells: g.cells, inFlight: g.inFlight });
  }

  /** The event as `actor` receives it now: with `cells` when it declares reads. */
  private withReads(g: RefState, actor: string, event: EventObject): EventObject {
    const reads = this.def.actors[actor].reads ?? [];
    if (reads.length === 0) return event;
    if (g.arm !== null) return { ...event, cells: Object.fromEntries(reads.map((c) => [c, this.armLoad(g, actor, c)])) } as EventObject;
    const seen = (c: string) => {
      const mine = g.pending[actor].filter((p) => p.cell === c);
      return mine.length > 0 ? mine[mine.length - 1].value : g.cells[c];
    };
    return { ...event, cells: Object.fromEntries(reads.map((c) => [c, seen(c)])) } as EventObject;
  }

  /** Runs XState's actions: our effects come back as emits, custom actions run as a real actor would. */
  private effectsOf(actions: any[]): Effect[] {
    const out: Effect[] = [];
    for (const a of actions) {
      if (a.type === 'xstate.emit') {
        const e = a.params.event;
        if (typeof e?.type !== 'string' || !e.type.startsWith(EFFECT_PREFIX)) continue;
        if (e.type === POST || e.type === CALL) {
          if (!(e.to in this.def.actors)) throw new Error(`unknown actor ${e.to}`);
          if (typeof e.event?.type !== 'string') throw new Error('event without type');
          canon(e.event);
          out.push({ kind: e.type === POST ? 'post' : 'call', to: e.to, event: e.event });
        } else if (e.type === REPLY) {
          if (typeof e.event?.type !== 'string') throw new Error('event without type');
          canon(e.event);
          out.push({ kind: 'reply', event: e.event });
        } else if (e.type === WRITE) {
          if (!this.cellNames.includes(e.cell)) throw new Error(`unknown cell ${e.cell}`);
          if (!isCell(e.value)) throw new Error('bad cell value');
          out.push({ kind: 'write', cell: e.cell, value: e.value, fence: e.fence === true });
        } else if ((e.type === LOAD || e.type === RMW) && !this.armModel) {
          if (!this.cellNames.includes(e.cell)) throw new Error(`unknown cell ${e.cell}`);
          out.push(e.type === LOAD ? { kind: 'load', cell: e.cell, reply: e.reply } : { kind: 'rmw', op: e.op, cell: e.cell, a: e.a, b: e.b, reply: e.reply });
        } else if (e.type === FAIL) {
          out.push({ kind: 'fail', message: String(e.message) });
        } else if (e.type === FENCE) {
          // x86 never reorders what smp_wmb/smp_rmb order; ARM does.
          if (e.kind === 'full' || this.armModel) out.push({ kind: 'fence', which: e.kind });
        } else throw new Error(`unknown effect ${e.type}`);
      } else if (a.type === 'xstate.raise' && a.params?.delay !== undefined && String(a.params.event?.type).startsWith('xstate.after.')) {
        out.push({ kind: 'arm', type: a.params.event.type, delay: a.params.delay });
      } else if (a.type === 'xstate.cancel' && String(a.params?.sendId).startsWith('xstate.after.')) {
        out.push({ kind: 'cancel', type: a.params.sendId });
      } else if (a.type === 'xstate.sendTo' || a.type === 'xstate.sendParent' || a.type === 'xstate.spawnChild') {
        throw new Error(`${a.type} not supported`);
      } else if (!a.type.startsWith('xstate.') && typeof a.exec === 'function') {
        a.exec(a.info, a.params);
      }
    }
    return out;
  }

  /** A snapshot the checker can represent: plain JSON context, no children. */
  private checkSnapshot(s: AnyMachineSnapshot): void {
    if (s.status === 'error') throw new Error('error status');
    if (Object.keys(s.children ?? {}).length > 0) throw new Error('children');
    localKey(s);
  }

  /**
   * Effects of `actor`'s transition, in order. `caller` is whoever called `actor` for the event it is
   * handling (its replies go there), or null.
   */
  private applyEffects(g: RefState, box: StepMailboxes, actor: string, effects: Effect[], caller: string | null): void {
    for (const e of effects) {
      switch (e.kind) {
        case 'write':
          if (g.arm !== null) { this.armStore(g, actor, e.cell, e.value); if (e.fence) this.armFullFence(g, actor); break; }
          if (!this.tso) { g.cells[e.cell] = e.value; break; }
          if (g.pending[actor].length >= (this.def.storeBuffer ?? 4)) throw new Cut('storeBuffer');
          g.pending[actor] = [...g.pending[actor], { cell: e.cell, value: e.value }];
          if (e.fence) this.drain(g, actor);
          break;
        case 'load': {
          const own = g.pending[actor].filter((p) => p.cell === e.cell);
          const value = own.length > 0 ? own[own.length - 1].value : g.cells[e.cell];
          this.send(g, box, actor, { type: e.reply, cell: e.cell, value } as EventObject, 'load', null);
          break;
        }
        case 'rmw': {
          this.drain(g, actor);
          const old = g.cells[e.cell];
          const { store, answer } = atomically(e.op, old, e.a, e.b);
          if (store !== undefined) g.cells[e.cell] = store;
          this.send(g, box, actor, { type: e.reply, cell: e.cell, value: answer } as EventObject, 'rmw', null);
          break;
        }
        case 'fence':
          if (g.arm === null) this.drain(g, actor);
          else if (e.which === 'full') this.armFullFence(g, actor);
          else if (e.which === 'load') this.armViews(g, actor).lower = Math.max(this.armViews(g, actor).lower, this.armViews(g, actor).loads);
          else this.armStoreFence(g, actor);
          break;
        case 'arm': g.timers[actor] = { ...g.timers[actor], [e.type]: { left: this.unordered ? 0 : e.delay, delay: e.delay, armedAt: this.armings++ } }; break;
        case 'cancel': {
          const { [e.type]: _gone, ...rest } = g.timers[actor];
          g.timers[actor] = rest;
          break;
        }
        case 'fail': throw new Violated('assertion', e.message);
        case 'post': {
          this.drain(g, actor);
          const q = g.inFlight[e.to];
          if (q.length >= (this.def.actors[e.to].queueCapacity ?? 4)) {
            if (this.def.onQueueFull === 'violation') throw new Violated('queueOverflow', `${e.to} full`);
            throw new Cut('queueCapacity');
          }
          g.inFlight[e.to] = [...q, e.event];
          break;
        }
        case 'call':
          this.drain(g, actor);
          this.send(g, box, e.to, e.event, 'call', actor);
          break;
        case 'reply':
          if (caller === null) throw new Violated('modelError', 'reply outside a call');
          this.drain(g, actor);
          this.send(g, box, caller, e.event, 'reply', null);
          break;
      }
    }
  }

  private drain(g: RefState, actor: string): void {
    if (g.arm !== null) { this.armFullFence(g, actor); return; }
    for (const p of g.pending[actor]) g.cells[p.cell] = p.value;
    g.pending[actor] = [];
  }

  // --- arm ---------------------------------------------------------------------------------------

  /** `actor`'s views, copied before the first change in a step (states share what they do not change). */
  private armViews(g: RefState, actor: string): ArmViews {
    const m = g.arm!;
    if (!this.armOwned.has(m.views[actor])) {
      m.views[actor] = { ...m.views[actor], coh: { ...m.views[actor].coh } };
      this.armOwned.add(m.views[actor]);
    }
    return m.views[actor];
  }
  private readonly armOwned = new Set<object>();

  /** Picks one of `n` options by the step's script (the first option past its end). */
  private choose(n: number): number {
    if (n <= 1) return 0;
    const i = this.taken.length;
    const c = i < this.script.length ? this.script[i] : 0;
    this.taken.push({ choice: c, of: n });
    return Math.min(c, n - 1);
  }

  /** A load of `cell` by `actor`: its newest pending store to the cell, else a write its views allow. */
  private armLoad(g: RefState, actor: string, cell: string): CellValue {
    const m = g.arm!;
    const own = m.pending[actor].filter((p): p is Extract<ArmPending, { cell: string }> => 'cell' in p && p.cell === cell);
    if (own.length > 0) return own[own.length - 1].value;
    const views = this.armViews(g, actor);
    const bound = Math.max(views.lower, views.coh[cell] ?? 0);
    const positions = m.writes.map((w, i) => (w.cell === cell ? i + 1 : 0)).filter((i) => i > 0);
    const floor = Math.max(positions[0], ...positions.filter((i) => i <= bound));
    const options = positions.filter((i) => i >= floor);
    const t = options[this.choose(options.length)];
    const after = Math.max(t, views.lower);
    views.coh[cell] = Math.max(views.coh[cell] ?? 0, after);
    views.loads = Math.max(views.loads, after);
    return m.writes[t - 1].value;
  }

  private armStore(g: RefState, actor: string, cell: string, value: CellValue): void {
    const m = g.arm!;
    if (m.pending[actor].length >= (this.def.storeBuffer ?? 4)) throw new Cut('storeBuffer');
    m.pending[actor] = [...m.pending[actor], { cell, value, release: false }];
  }

  private armStoreFence(g: RefState, actor: string): void {
    const m = g.arm!;
    const q = m.pending[actor];
    if (q.length === 0 || 'fence' in q[q.length - 1]) return;
    if (q.length >= (this.def.storeBuffer ?? 4)) throw new Cut('storeBuffer');
    m.pending[actor] = [...q, { fence: 'store' }];
  }

  /** Pending entries of `actor` that may commit now: no fence, no store to the same cell, before them; a release store only first. */
  armCommittable(g: RefState, actor: string): number[] {
    const q = g.arm!.pending[actor];
    const out: number[] = [];
    q.forEach((p, k) => {
      if ('fence' in p) return;
      const before = q.slice(0, k);
      if (p.release ? k === 0 : !before.some((b) => 'fence' in b || b.cell === p.cell)) out.push(k);
    });
    return out;
  }

  /** Entry `k` of `actor`'s pending stores becomes visible: appended to the write list. */
  private armCommit(g: RefState, actor: string, k: number): void {
    const m = g.arm!;
    const p = m.pending[actor][k] as Extract<ArmPending, { cell: string }>;
    this.armForget(g);
    if (m.writes.length >= (this.def.history ?? this.cellNames.length + 8)) throw new Cut('history');
    m.writes = [...m.writes, { cell: p.cell, value: p.value }];
    g.cells[p.cell] = p.value;
    const t = m.writes.length;
    const views = this.armViews(g, actor);
    views.coh[p.cell] = Math.max(views.coh[p.cell] ?? 0, t);
    views.writes = Math.max(views.writes, t);
    if (p.release) views.releases = Math.max(views.releases, t);
    let rest = m.pending[actor].filter((_, j) => j !== k);
    while (rest.length > 0 && 'fence' in rest[0]) rest = rest.slice(1);
    m.pending[actor] = rest;
  }

  private armFullFence(g: RefState, actor: string): void {
    while (g.arm!.pending[actor].length > 0) {
      if ('fence' in g.arm!.pending[actor][0]) { g.arm!.pending[actor] = g.arm!.pending[actor].slice(1); continue; }
      this.armCommit(g, actor, 0);
    }
    const views = this.armViews(g, actor);
    views.lower = Math.max(views.lower, views.loads, views.writes);
  }

  /** `actor` receives an event from another actor: it sees every write there is. */
  private armReceive(g: RefState, actor: string): void {
    const views = this.armViews(g, actor);
    views.lower = Math.max(views.lower, g.arm!.writes.length);
  }

  /**
   * Drops the writes no running actor that reads their cell could still return (a later write to the
   * cell lies within its bound), and renumbers every view by the writes kept at or before it.
   */
  private armForget(g: RefState): void {
    const m = g.arm!;
    const readers = (cell: string) => this.names.filter((n) => g.actors[n].status !== 'done' && (this.def.actors[n].reads ?? []).includes(cell));
    const keep = m.writes.map((w, i) => {
      const later = m.writes.findIndex((x, j) => j > i && x.cell === w.cell) + 1;
      if (later === 0) return true;
      return readers(w.cell).some((n) => Math.max(m.views[n].lower, m.views[n].coh[w.cell] ?? 0) < later);
    });
    if (keep.every(Boolean)) return;
    const renumber = (p: number) => keep.slice(0, p).filter(Boolean).length;
    m.writes = m.writes.filter((_, i) => keep[i]);
    for (const n of this.names) {
      const v = m.views[n];
      m.views[n] = {
        coh: Object.fromEntries(Object.entries(v.coh).map(([c, p]) => [c, renumber(p)])),
        lower: renumber(v.lower), loads: renumber(v.loads), writes: renumber(v.writes), releases: renumber(v.releases),
      };
      this.armOwned.add(m.views[n]);
    }
  }

  /**
   * XState's mailbox rule: an actor busy with an event gets later ones queued, handled in order when it
   * is done. Not busy: handle now, then whatever queued up meanwhile.
   */
  private send(g: RefState, box: StepMailboxes, actor: string, event: EventObject, via: string, caller: string | null): void {
    if (box.busy.has(actor)) {
      box.waiting.push({ actor, event, via, caller });
      return;
    }
    box.busy.add(actor);
    this.handle(g, box, actor, event, via, caller);
    this.handleWaiting(g, box, actor);
    box.busy.delete(actor);
  }

  private handleWaiting(g: RefState, box: StepMailboxes, actor: string): void {
    for (let i = box.waiting.findIndex((w) => w.actor === actor); i >= 0; i = box.waiting.findIndex((w) => w.actor === actor)) {
      const [w] = box.waiting.splice(i, 1);
      this.handle(g, box, actor, w.event, w.via, w.caller);
    }
  }

  /** `actor` handles `event` to completion inside the current step, mutating `g`. */
  private handle(g: RefState, box: StepMailboxes, actor: string, event: EventObject, via: string, caller: string | null): void {
    if (++box.count > 256) throw new Violated('modelError', 'the step does not settle');
    const machine = this.def.actors[actor].machine;
    const snap = g.actors[actor];
    if (g.arm !== null && (via === 'deliver' || via === 'call' || via === 'reply' || via === 'timer')) this.armReceive(g, actor);
    const ev = this.withReads(g, actor, event);
    if (g.arm !== null && (via === 'spontaneous' || via === 'timer') && !this.takes(snap, machine, ev)) throw new Disabled();
    let next: AnyMachineSnapshot;
    let effects: Effect[];
    try {
      const taken = this.results.get(snap, ev, () =>
        machine.getTransitionData(snap as any, ev).length === 0 ? null : transition(machine, snap as any, ev) as [AnyMachineSnapshot, any[]]);
      // Spontaneous events and timers are only taken when enabled, so this is a message nobody takes.
      if (taken === null) throw new Violated('unhandledEvent', `${actor} cannot handle ${via} ${event.type}`);
      const [n, actions] = taken;
      this.checkSnapshot(n);
      effects = this.effectsOf(actions);
      this.checkRaises(actor, actions);
      next = n;
    } catch (e) {
      if (e instanceof Violated) throw e;
      throw new Violated('modelError', e instanceof Error ? e.message : String(e));
    }
    g.actors[actor] = next;
    // Effects run in the order of the actions; entering an error-tagged state is judged after them, so a
    // failing effect or a full FIFO in the same transition is what the step reports.
    this.applyEffects(g, box, actor, effects, caller);
    if (next.hasTag('error')) throw new Violated('assertion', `${actor} in error state`);
  }

  /**
   * A raised event goes to the machine's own queue and XState drops it when no transition takes it; the
   * step semantics treat that as any other unhandled event. The generated systems only ever raise an
   * event that no state of the machine names, so the plain rule here is: raised, and never named.
   */
  private checkRaises(actor: string, actions: any[]): void {
    const named = this.def.actors[actor].machine.root.events as string[];
    for (const a of actions) {
      const type = a.type === 'xstate.raise' && a.params?.delay === undefined ? String(a.params?.event?.type) : null;
      if (type !== null && !type.startsWith('xstate.') && !named.includes(type)) throw new Violated('unhandledEvent', `${actor} raised ${type}, which it never handles`);
    }
  }

  /** Would `actor` take `event` on its own (spontaneous, timer)? A throwing guard counts: taking it fails. */
  private offered(g: RefState, actor: string, event: EventObject): boolean {
    if (g.arm === null || (this.def.actors[actor].reads ?? []).length === 0) return this.offeredWith(g, actor, event);
    // Under arm the reads are loads that branch: offered when some choice of their values takes it.
    const saved = { script: this.script, taken: this.taken };
    try {
      for (let script: number[] | null = []; script !== null; script = this.nextScript()) {
        this.script = script;
        this.taken = [];
        if (this.offeredWith(this.copy(g), actor, event)) return true;
      }
      return false;
    } finally {
      this.script = saved.script;
      this.taken = saved.taken;
    }
  }

  private offeredWith(g: RefState, actor: string, event: EventObject): boolean {
    return this.takes(g.actors[actor], this.def.actors[actor].machine, this.withReads(g, actor, event));
  }

  private takes(snap: AnyMachineSnapshot, machine: AnyStateMachine, ev: EventObject): boolean {
    return this.takings.get(snap, ev, () => this.takesNow(snap, machine, ev));
  }

  private takesNow(snap: AnyMachineSnapshot, machine: AnyStateMachine, ev: EventObject): boolean {
    try {
      if (machine.getTransitionData(snap as any, ev).length === 0) return false;
      return snap.can(ev);
    } catch {
      return true;
    }
  }

  /** After a run of a step, the next script of choices in depth-first order, or null when all were run. */
  private nextScript(): number[] | null {
    for (let i = this.taken.length - 1; i >= 0; i--) {
      if (this.taken[i].choice + 1 < this.taken[i].of) return [...this.taken.slice(0, i).map((t) => t.choice), this.taken[i].choice + 1];
    }
    return null;
  }

  /** A copy of `g` that a step may change (the arm memory's views are copied when first changed). */
  private copy(g: RefState): RefState {
    this.armOwned.clear();
    return {
      actors: { ...g.actors }, cells: { ...g.cells }, inFlight: { ...g.inFlight }, timers: { ...g.timers }, pending: { ...g.pending },
      arm: g.arm === null ? null : { writes: g.arm.writes, views: { ...g.arm.views }, pending: { ...g.arm.pending } },
    };
  }

  initial(): RefState | Violated | Cut {
    const cells = this.def.cells ?? {};
    const g: RefState = {
      actors: {}, cells: { ...cells }, inFlight: {}, timers: {}, pending: {},
      arm: !this.armModel ? null : {
        writes: this.cellNames.map((c) => ({ cell: c, value: cells[c] })),
        views: Object.fromEntries(this.names.map((n) => [n, { coh: {}, lower: 0, loads: 0, writes: 0, releases: 0 }])),
        pending: Object.fromEntries(this.names.map((n) => [n, []])),
      },
    };
    this.armOwned.clear();
    this.script = [];
    this.taken = [];
    const entry: Record<string, Effect[]> = {};
    for (const n of this.names) {
      g.inFlight[n] = [];
      g.timers[n] = {};
      g.pending[n] = [];
      let actions: any[];
      try {
        let s: AnyMachineSnapshot;
        [s, actions] = initialTransition(this.def.actors[n].machine, this.def.actors[n].input) as [AnyMachineSnapshot, any[]];
        this.checkSnapshot(s);
        entry[n] = this.effectsOf(actions);
        g.actors[n] = s;
      } catch (e) {
        return new Violated('modelError', String(e));
      }
      try {
        this.checkRaises(n, actions);
      } catch (e) {
        return e as Violated;
      }
    }
    try {
      for (const n of this.names) {
        const box = newMailboxes();
        box.busy.add(n);
        this.applyEffects(g, box, n, entry[n], null);
        this.handleWaiting(g, box, n);
      }
      for (const n of this.names) if (g.actors[n].hasTag('error')) throw new Violated('assertion', `${n} starts in error`);
      if (g.arm !== null) this.armForget(g);
    } catch (e) {
      if (e instanceof Violated || e instanceof Cut) return e;
      throw e;
    }
    return g;
  }

  /** Enabled non-timer steps: each actor's oldest in-flight message, and its accepted spontaneous events. */
  steps(g: RefState): RefStep[] {
    const out: RefStep[] = [];
    for (const n of this.names) {
      if (g.inFlight[n].length > 0) out.push({ actor: n, kind: 'deliver', event: g.inFlight[n][0] });
      for (const ev of this.def.actors[n].spontaneous ?? []) if (this.offered(g, n, ev)) out.push({ actor: n, kind: 'spontaneous', event: ev });
      if (g.pending[n].length > 0) out.push({ actor: n, kind: 'flush', event: { type: 'vmbus-check.flush', cell: g.pending[n][0].cell } as EventObject });
      if (g.arm !== null) {
        for (const k of this.armCommittable(g, n)) {
          out.push({ actor: n, kind: 'flush', event: { type: 'vmbus-check.flush', cell: (g.arm.pending[n][k] as { cell: string }).cell } as EventObject });
        }
      }
    }
    return out;
  }

  /**
   * Timers that may fire when nothing else can. `unordered`: every armed timer its actor accepts.
   * Otherwise: those due soonest, except one armed after a twin (same delay, armed at the same instant)
   * that is still armed; a due timer fires even when its guards fail (and then only disarms).
   */
  armedTimers(g: RefState): RefStep[] {
    const all = this.names.flatMap((n) => this.timers[n].filter((type) => g.timers[n][type]).map((type) => ({ n, type, t: g.timers[n][type] })));
    if (this.unordered) return all.filter((x) => this.offered(g, x.n, { type: x.type })).map((x) => ({ actor: x.n, kind: 'timer', event: { type: x.type } }));
    const soonest = Math.min(...all.map((x) => x.t.left));
    const due = all.filter((x) => x.t.left === soonest);
    return due
      .filter((x) => !due.some((o) => o.t.delay === x.t.delay && o.t.armedAt < x.t.armedAt))
      .map((x) => ({ actor: x.n, kind: 'timer', event: { type: x.type } }));
  }

  /** Steps enabled in `g`: the non-timer ones and, beside them, timers with no time left (they are as
   * urgent as any step); when there are no non-timer steps, the timers that may fire. */
  enabled(g: RefState): RefStep[] {
    const s = this.steps(g);
    return s.length === 0 ? this.armedTimers(g) : s.concat(this.timersDueNow(g));
  }

  /** Timers with no time left (never in `unordered` mode, where time is not kept). */
  timersDueNow(g: RefState): RefStep[] {
    if (this.unordered) return [];
    const now = this.names.some((n) => Object.values(g.timers[n]).some((t) => t.left === 0));
    return now ? this.armedTimers(g) : [];
  }

  /**
   * Takes `step` from `g` (unchanged): the next state, or why there is none, or null when, under arm,
   * the step's reads take values (its `choices`) for which its actor does not take it.
   */
  apply(g: RefState, step: RefStep): RefState | Violated | Cut | null {
    this.script = step.choices ?? [];
    this.taken = [];
    const h = this.copy(g);
    if (step.kind === 'flush') {
      if (h.arm !== null) {
        const k = this.armCommittable(h, step.actor).find((j) => (h.arm!.pending[step.actor][j] as { cell: string }).cell === (step.event as any).cell)!;
        try {
          this.armCommit(h, step.actor, k);
          this.armForget(h);
        } catch (e) {
          if (e instanceof Cut) return e;
          throw e;
        }
        return h;
      }
      const [oldest, ...rest] = h.pending[step.actor];
      h.cells[oldest.cell] = oldest.value;
      h.pending[step.actor] = rest;
      return h;
    }
    if (step.kind === 'deliver') h.inFlight[step.actor] = h.inFlight[step.actor].slice(1);
    if (step.kind === 'timer') {
      // Time passes until this timer is due; it fires once, and does nothing more if no guard lets it.
      const passed = g.timers[step.actor][step.event.type].left;
      for (const n of this.names) {
        h.timers[n] = Object.fromEntries(Object.entries(g.timers[n]).filter(([type]) => !(n === step.actor && type === step.event.type)).map(([type, t]) => [type, { ...t, left: t.left - passed }]));
      }
      if (!this.offered(g, step.actor, step.event)) return h;
    }
    try {
      this.send(h, newMailboxes(), step.actor, step.event, step.kind, null);
      if (h.arm !== null) this.armForget(h);
    } catch (e) {
      if (e instanceof Disabled) return null;
      if (e instanceof Violated || e instanceof Cut) return e;
      throw e;
    }
    return h;
  }

  /** Every way `step` can be taken from `g`: one per script of choices under arm, else one. */
  applyAll(g: RefState, step: RefStep): { outcome: RefState | Violated | Cut; choices: number[] }[] {
    if (g.arm === null) {
      const outcome = this.apply(g, step)!;
      return [{ outcome, choices: [] }];
    }
    const out: { outcome: RefState | Violated | Cut; choices: number[] }[] = [];
    for (let script: number[] | null = []; script !== null; script = this.nextScript()) {
      const outcome = this.apply(g, { ...step, choices: script });
      const choices = this.taken.map((t) => t.choice);
      if (outcome !== null) out.push({ outcome, choices });
    }
    return out;
  }

  isEnd(g: RefState): boolean {
    if (this.def.endState) return this.def.endState(g);
    return this.names.every((n) => g.actors[n].status === 'done' || g.actors[n].hasTag('end'));
  }
}

/** Breadth-first enumeration of every reachable state, collecting every violated property by name. */
export function bruteForce(def: SystemDefinition, maxStates = 50_000, options: { projections?: boolean; states?: boolean } = {}): RefResult {
  const ref = new Reference(def);
  const projections = options.projections ? new Set<string>() : undefined;
  const violated = new Set<string>();
  const shortest = new Map<string, number>();
  const statesAtDepth: number[] = [];
  const violate = (property: string, length: number) => {
    violated.add(property);
    if (!shortest.has(property) || shortest.get(property)! > length) shortest.set(property, length);
  };
  const cuts = new Set<string>();
  const result = (states: number, transitions: number, bounded: boolean, gaveUp: boolean): RefResult =>
    ({ states, transitions, violated, shortest, statesAtDepth, bounded, cuts, gaveUp, projections, ...(options.states ? { reached: queue } : {}) });
  const queue: RefState[] = [];
  const init = ref.initial();
  if (init instanceof Violated) { violate(init.property, 0); return result(0, 0, false, false); }
  if (init instanceof Cut) { cuts.add(init.bound); return result(0, 0, true, false); }

  // A composite property (allOf) is each of its parts, reported under its one name.
  const flatten = (name: string, p: any): [string, any][] => (p.kind === 'allOf' ? p.parts.flatMap((q: any) => flatten(name, q)) : [[name, p]]);
  const props = Object.entries(def.properties ?? {}).flatMap(([name, p]) => flatten(name, p));
  const judge = (g: RefState, depth: number) => {
    for (const [name, p] of props) {
      if (p.kind !== 'invariant') continue;
      try {
        const j = p.holds(g);
        if (j === false || typeof j === 'string') violate(name, depth);
      } catch {
        violate('modelError', depth);
      }
    }
  };

  const seen = new Set<string>([ref.key(init)]);
  projections?.add(ref.projection(init));
  queue.push(init);
  const depths: number[] = [0];
  let transitions = 0;
  let bounded = false;
  judge(init, 0);
  statesAtDepth[0] = 1;
  for (let i = 0; i < queue.length; i++) {
    const g = queue[i];
    const depth = depths[i];
    let steps = ref.steps(g);
    if (steps.length === 0) {
      const timers = ref.armedTimers(g);
      let stalled = false;
      for (const [name, p] of props) {
        if (p.kind !== 'stall') continue;
        try {
          if (p.outstanding(g)) { violate(name, depth); stalled = true; }
        } catch {
          violate('modelError', depth);
        }
      }
      if (timers.length === 0 && !stalled && def.deadlock !== false && !ref.isEnd(g)) violate('deadlock', depth);
      steps = timers;
    } else {
      steps = steps.concat(ref.timersDueNow(g));
    }
    for (const { outcome: h } of steps.flatMap((step) => ref.applyAll(g, step))) {
      transitions++;
      if (h instanceof Violated) { violate(h.property, depth + 1); continue; }
      if (h instanceof Cut) { bounded = true; cuts.add(h.bound); continue; }
      const k = ref.key(h);
      if (seen.has(k)) continue;
      seen.add(k);
      if (seen.size > maxStates) return result(seen.size, transitions, bounded, true);
      projections?.add(ref.projection(h));
      judge(h, depth + 1);
      queue.push(h);
      depths.push(depth + 1);
      statesAtDepth[depth + 1] = (statesAtDepth[depth + 1] ?? 0) + 1;
    }
  }
  return result(seen.size, transitions, bounded, false);
}

/**
 * Replays a counterexample's steps with the reference semantics; returns where the violation shows (as
 * `replayViolation` does), or throws when the steps do not lead to it.
 */
export function referenceReplay(def: SystemDefinition, property: string, steps: RefStep[]): number {
  const ref = new Reference(def);
  const fail = (why: string): never => { throw new Error(`reference replay of ${property}: ${why}`); };
  const kind = def.properties?.[property]?.kind;
  const init = ref.initial();
  if (init instanceof Violated) {
    if (steps.length > 0 || init.property !== property) fail(`the initial state fails ${init.property}`);
    return 0;
  }
  if (init instanceof Cut) return fail('the initial state hits a bound');
  const enabled = (g: RefState) => {
    return ref.enabled(g);
  };
  const same = (a: RefStep, b: RefStep) => a.actor === b.actor && a.kind === b.kind && canon(a.event) === canon(b.event);
  const states: RefState[] = [init];
  let g: RefState = init;
  for (let i = 0; i < steps.length; i++) {
    if (!enabled(g).some((s) => same(s, steps[i]))) fail(`step ${i} is not enabled`);
    const h = ref.apply(g, steps[i]);
    if (h === null) return fail(`step ${i} is not taken with its choices ${JSON.stringify(steps[i].choices)}`);
    // The watchdog step that ends a stall counterexample may itself hit a bound: the stall was judged
    // in the state before it (judged below), like a watchdog step that fails.
    if (h instanceof Cut) {
      if (kind === 'stall' && i === steps.length - 1 && steps[i].kind === 'timer') break;
      fail(`step ${i} hits a bound`);
    }
    if (h instanceof Violated) {
      if (i !== steps.length - 1) fail(`step ${i} fails ${h.property}`);
      if (kind === 'stall') break; // the watchdog step itself may fail; judged below
      if (h.property !== property) fail(`the last step fails ${h.property}, not ${property}`);
      return steps.length;
    }
    g = h as RefState;
    states.push(g);
  }
  const n = steps.length;
  const holdsAt = (s: RefState | undefined) => {
    if (!s) return false;
    if (kind === 'stall') return ref.steps(s).length === 0 && !!(def.properties![property] as any).outstanding(s);
    if (kind === 'invariant') {
      const j = (def.properties![property] as any).holds(s);
      return j === false || typeof j === 'string';
    }
    if (property === 'deadlock') return ref.steps(s).length === 0 && ref.armedTimers(s).length === 0 && !ref.isEnd(s);
    return false;
  };
  if (kind === 'stall' && n > 0 && steps[n - 1].kind === 'timer' && holdsAt(states[n - 1])) return n - 1;
  if (states.length === n + 1 && holdsAt(states[n])) return n;
  return fail('the steps do not reach it');
}

/**
 * Liveness by brute force, written apart from checker/fairCycles.ts: the explicit product of the state
 * graph with the monitor bit ("an obligation is open": set where the trigger holds, cleared where the
 * goal holds; for `eventually`, set at the start only), then, for each property, a search for a
 * reachable open state where the run ends (no step at all enabled) or for a fair cycle among open
 * states. Fair cycles: for every subset X of the strong-fairness items, keep the open states where no
 * item of X is enabled, split them into strongly connected components by mutual reachability (plain
 * BFS from every state), and accept a component with an edge inside where every strong item enabled in
 * it is taken inside it and every actor (weak fairness) steps inside it or is disabled somewhere in it.
 * Returns the properties violated and whether a step hit a bound, or null when the state space is
 * over `maxStates`.
 */
export function referenceLiveness(def: SystemDefinition, maxStates = 2_000): { violated: Set<string>; bounded: boolean } | null {
  const ref = new Reference(def);
  const init = ref.initial();
  if (init instanceof Violated || init instanceof Cut) return null;
  type Edge = { actor: string; type: string; to: number };
  const keys = new Map<string, number>([[ref.key(init), 0]]);
  const states: RefState[] = [init];
  const out: Edge[][] = [];
  let bounded = false;
  for (let i = 0; i < states.length; i++) {
    const edges: Edge[] = [];
    for (const { step, outcome: h } of ref.enabled(states[i]).flatMap((step) => ref.applyAll(states[i], step).map((o) => ({ step, ...o })))) {
      if (h instanceof Cut) bounded = true;
      if (h instanceof Violated || h instanceof Cut) { edges.push({ actor: step.actor, type: step.event.type, to: -1 }); continue; }
      const k = ref.key(h);
      if (!keys.has(k)) {
        keys.set(k, states.length);
        states.push(h);
        if (states.length > maxStates) return null;
      }
      edges.push({ actor: step.actor, type: step.event.type, to: keys.get(k)! });
    }
    out.push(edges);
  }

  const fairness = def.fairness ?? 'weak';
  const weak = fairness !== 'none';
  const strong: { actor: string; type: string | null }[] = typeof fairness === 'object'
    ? fairness.strong.map((s) => (typeof s === 'string' ? { actor: s, type: null } : { actor: s.actor, type: s.event })) : [];
  const matches = (e: Edge, item: { actor: string; type: string | null }) => e.actor === item.actor && (item.type === null || e.type === item.type);
  const actors = Object.keys(def.actors);
  const violated = new Set<string>();
  const flatten = (name: string, p: any): [string, any][] => (p.kind === 'allOf' ? p.parts.flatMap((q: any) => flatten(name, q)) : [[name, p]]);
  for (const [name, p] of Object.entries(def.properties ?? {}).flatMap(([n, q]) => flatten(n, q))) {
    if (p.kind !== 'liveness') continue;
    const holds = (j: unknown) => j === true || (typeof j === 'string' && j !== '');
    const goal = states.map((g) => holds(p.goal(g)));
    const trigger = states.map((g) => holds(p.trigger(g)));
    const bit = (open: boolean, s: number, first: boolean) =>
      !goal[s] && (p.form === 'eventually' ? first || open : open || trigger[s]);
    // The product, as "state:bit" nodes reachable from the start.
    const start = `0:${bit(false, 0, true) ? 1 : 0}`;
    const reached = new Set<string>([start]);
    const todo = [start];
    while (todo.length > 0) {
      const [s, b] = todo.pop()!.split(':').map(Number);
      for (const e of out[s]) {
        if (e.to < 0) continue;
        const n = `${e.to}:${bit(b === 1, e.to, false) ? 1 : 0}`;
        if (!reached.has(n)) { reached.add(n); todo.push(n); }
      }
    }
    const open = [...reached].filter((n) => n.endsWith(':1')).map((n) => Number(n.split(':')[0]));
    if (open.some((s) => out[s].length === 0)) { violated.add(name); continue; }
    // Among open states every successor that is not a goal state is open too.
    const openSet = new Set(open);
    let found = false;
    for (let mask = 0; mask < 1 << strong.length && !found; mask++) {
      const removed = strong.filter((_, i) => (mask >> i) & 1);
      const keep = new Set(open.filter((s) => !out[s].some((e) => removed.some((item) => matches(e, item)))));
      const reach = new Map<number, Set<number>>();
      for (const s of keep) {
        const seen = new Set<number>();
        const stack = [s];
        while (stack.length > 0) {
          const x = stack.pop()!;
          for (const e of out[x]) if (e.to >= 0 && keep.has(e.to) && openSet.has(e.to) && !seen.has(e.to)) { seen.add(e.to); stack.push(e.to); }
        }
        reach.set(s, seen);
      }
      for (const s of keep) {
        if (!reach.get(s)!.has(s)) continue;
        const component = [...keep].filter((t) => reach.get(s)!.has(t) && reach.get(t)!.has(s));
        const inside = component.flatMap((t) => out[t].filter((e) => e.to >= 0 && component.includes(e.to)));
        const strongOk = strong.every((item) => !component.some((t) => out[t].some((e) => matches(e, item))) || inside.some((e) => matches(e, item)));
        const weakOk = !weak || actors.every((a) => inside.some((e) => e.actor === a) || component.some((t) => !out[t].some((e) => e.actor === a)));
        if (strongOk && weakOk) { found = true; break; }
      }
    }
    if (found) violated.add(name);
  }
  return { violated, bounded };
}

/** referenceLassoCheck: how many times, unless told otherwise, an arm cycle is taken at most before it is said not to return. */
const LASSO_ROUNDS = 8;

/**
 * Re-executes a liveness counterexample and says what is wrong with it (null: nothing): every step
 * enabled; the obligation open from the cycle's start (or the run's end) on; a cycle that returns to
 * the state it starts in and is fair (weak: every actor enabled in all its states steps on it; strong:
 * every strong item enabled in one of its states is taken), or a run that ends with nothing enabled.
 *
 * Under arm the cycle may be taken more than once before it returns. The reference's state keeps the
 * write list in the order the writes became visible and every actor's views as positions in it; a
 * cycle can leave those different (a write of the same value in another place of the list, a view
 * one position on) where no actor can tell: every load still has the same values to choose from. The
 * explorer's states do not keep that difference, so its cycle returns where the reference's does not
 * yet. Then the cycle is taken again, the same steps with the same load choices, until the state at
 * the end of a round is one seen at the end of an earlier round (it must be, the states being
 * finitely many; given up after `rounds` rounds), and fairness is judged on the rounds between
 * the two: the reference's own lasso, whose cycle is the explorer's taken some times over. Only the
 * arm memory may differ after the first round; under sc and tso, or where an actor, a cell, an event
 * in flight or a timer differs, the cycle does not return.
 */
export function referenceLassoCheck(def: SystemDefinition, property: string, steps: RefStep[], cycleStart: number | null, rounds = LASSO_ROUNDS): string | null {
  const ref = new Reference(def);
  const p = (def.properties ?? {})[property] as any;
  const init = ref.initial();
  if (init instanceof Violated || init instanceof Cut) return 'the initial state fails';
  const same = (a: RefStep, b: RefStep) => a.actor === b.actor && a.kind === b.kind && canon(a.event) === canon(b.event);
  // The run as taken: the lasso's steps, then the cycle's again for each further round.
  const path: RefStep[] = [];
  const states: RefState[] = [init];
  const take = (step: RefStep): string | null => {
    const g = states[states.length - 1];
    const i = path.length;
    const where = i < steps.length ? `step ${i + 1}` : `step ${i + 1} (the cycle's step ${(i - steps.length) % (steps.length - cycleStart!) + 1}, taken again)`;
    if (!ref.enabled(g).some((s) => same(s, step))) return `${where} is not enabled`;
    const h = ref.apply(g, step);
    if (h === null || h instanceof Violated || h instanceof Cut) return `${where} does not end normally`;
    path.push(step);
    states.push(h);
    return null;
  };
  for (const step of steps) {
    const why = take(step);
    if (why !== null) return why;
  }
  // The repeated cycle: path[loopFrom..loopTo), returning from states[loopTo] to states[loopFrom].
  let loopFrom = cycleStart ?? steps.length;
  let loopTo = steps.length;
  if (cycleStart !== null && ref.key(states[steps.length]) !== ref.key(states[cycleStart])) {
    const cycle = steps.slice(cycleStart);
    const withoutMemory = (g: RefState) => ref.key({ ...g, arm: null });
    if (init.arm === null || withoutMemory(states[steps.length]) !== withoutMemory(states[cycleStart])) return 'the cycle does not return to its start';
    const ends = new Map<string, number>([[ref.key(states[cycleStart]), 0], [ref.key(states[steps.length]), 1]]);
    let closed = false;
    for (let round = 2; round <= rounds && !closed; round++) {
      for (const step of cycle) {
        const why = take(step);
        if (why !== null) return why;
      }
      const k = ref.key(states[states.length - 1]);
      const earlier = ends.get(k);
      if (earlier === undefined) { ends.set(k, round); continue; }
      loopFrom = cycleStart + earlier * cycle.length;
      loopTo = path.length;
      closed = true;
    }
    if (!closed) return `the cycle does not return to its start (not in ${rounds} rounds)`;
  }
  const holds = (j: unknown) => j === true || (typeof j === 'string' && j !== '');
  let open = false;
  const openAt: boolean[] = states.map((g, i) => {
    const goal = holds(p.goal(g));
    open = !goal && (p.form === 'eventually' ? i === 0 || open : open || holds(p.trigger(g)));
    return open;
  });
  const from = cycleStart ?? steps.length;
  if (!openAt.slice(from).every(Boolean)) return 'the obligation is met on the way';
  if (cycleStart === null) return ref.enabled(states[steps.length]).length === 0 ? null : 'the run does not end';
  const cycle = path.slice(loopFrom, loopTo);
  const cycleStates = states.slice(loopFrom, loopTo);
  const fairness = def.fairness ?? 'weak';
  for (const a of Object.keys(def.actors)) {
    const moves = cycle.some((s) => s.actor === a);
    if (fairness !== 'none' && !moves && cycleStates.every((g) => ref.enabled(g).some((s) => s.actor === a))) return `${a} is treated unfairly (weak)`;
  }
  if (typeof fairness === 'object') {
    for (const item of fairness.strong) {
      const actor = typeof item === 'string' ? item : item.actor;
      const type = typeof item === 'string' ? null : item.event;
      const match = (s: RefStep) => s.actor === actor && (type === null || s.event.type === type);
      if (!cycle.some(match) && cycleStates.some((g) => ref.enabled(g).some(match))) return `${actor} is treated unfairly (strong)`;
    }
  }
  return null;
}

/** What an atomic stores (undefined: nothing) and answers, from the old value, as README "Memory models" states each. */
function atomically(op: string, old: CellValue, a: CellValue, b: CellValue): { store: CellValue | undefined; answer: CellValue } {
  const int = (x: CellValue): number => {
    if (typeof x !== 'number' || !Number.isInteger(x)) throw new Violated('modelError', `${op} on ${JSON.stringify(x)}`);
    return x;
  };
  if (op === 'xchg') return { store: a, answer: old };
  if (op === 'cmpxchg') return { store: old === a ? b : undefined, answer: old };
  if (op === 'fetch_or') return { store: int(old) | int(a), answer: old };
  const set = (int(old) & (1 << int(a))) !== 0;
  if (op === 'test_and_set_bit') return { store: set ? undefined : int(old) | (1 << int(a)), answer: set };
  if (op === 'test_and_clear_bit') return { store: set ? int(old) & ~(1 << int(a)) : undefined, answer: set };
  throw new Violated('modelError', `unknown atomic ${op}`);
}
