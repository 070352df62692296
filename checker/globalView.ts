// What properties see: every actor's XState snapshot, the cells and the in-flight queues of one global
// state. The view is backed by the packed vector and reused from state to state, so a predicate must
// not keep it; `materialize` makes a plain, keepable copy.
import type { AnyMachineSnapshot, EventObject } from 'xstate';
import type { CompiledSystem } from './compile.ts';
import type { CellValue } from './vocabulary.ts';

export interface GlobalView {
  readonly actors: Readonly<Record<string, AnyMachineSnapshot>>;
  readonly cells: Readonly<Record<string, CellValue>>;
  readonly inFlight: Readonly<Record<string, readonly EventObject[]>>;
}

export interface ActorState {
  value: unknown;
  context: unknown;
  status: string;
}

/** A plain, JSON-ready global state. */
export interface GlobalState {
  actors: Record<string, ActorState>;
  cells: Record<string, CellValue>;
  inFlight: Record<string, EventObject[]>;
}

export class VectorView implements GlobalView {
  v: Int32Array;
  readonly actors: Record<string, AnyMachineSnapshot> = {};
  readonly cells: Record<string, CellValue> = {};
  readonly inFlight: Record<string, EventObject[]> = {};

  constructor(private readonly sys: CompiledSystem) {
    this.v = new Int32Array(sys.layout.width);
    const self = this;
    const { layout, ns } = sys;
    sys.actorNames.forEach((name, i) => {
      Object.defineProperty(this.actors, name, { enumerable: true, get: () => sys.actors[i].states.snapshot(self.v[i]) });
      Object.defineProperty(this.inFlight, name, {
        enumerable: true,
        get: () => {
          const qb = layout.queueBase[i];
          const out: EventObject[] = [];
          for (let k = 1; k <= self.v[qb]; k++) out.push(ns.events.values[self.v[qb + k]]);
          return out;
        },
      });
    });
    sys.cellNames.forEach((name, c) => {
      Object.defineProperty(this.cells, name, { enumerable: true, get: () => ns.values.values[self.v[layout.cellBase + c]] });
    });
    Object.freeze(this.actors); Object.freeze(this.cells); Object.freeze(this.inFlight);
  }
}

/**
 * A deep copy of plain data (contexts hold only that: compile checks it). Not structuredClone: a context
 * may hold an event's `cells`, a Proxy that refuses undeclared reads, which structuredClone cannot copy.
 */
function plainCopy<T>(x: T): T {
  if (typeof x !== 'object' || x === null) return x;
  if (Array.isArray(x)) return x.map(plainCopy) as T;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(x)) out[k] = plainCopy((x as Record<string, unknown>)[k]);
  return out as T;
}

export function materialize(sys: CompiledSystem, v: Int32Array): GlobalState {
  const view = new VectorView(sys);
  view.v = v;
  const actors: Record<string, ActorState> = {};
  sys.actorNames.forEach((name, i) => {
    // An actor whose initial transition threw has no state to show: it stopped in XState's error status.
    if (v[i] < 0) { actors[name] = { value: null, context: null, status: 'error' }; return; }
    const s = view.actors[name];
    actors[name] = { value: plainCopy(s.value), context: plainCopy(s.context), status: s.status };
  });
  return { actors, cells: { ...view.cells }, inFlight: Object.fromEntries(sys.actorNames.map((n) => [n, [...view.inFlight[n]]])) };
}
