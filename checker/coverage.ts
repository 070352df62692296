// Coverage (`coverage: true`, `--coverage`): for each actor's machine, every state node and every
// transition of its definition, with the number of distinct reachable global states in which the actor
// was in that state, or took that transition. The lists come from the machine's definition, so what
// never happened is known: a `verified` that rests on a model whose race path never ran says so.
//
// Counting is a StepObserver the explorer passes to each step only when coverage is asked for (no cost
// otherwise): which transitions a step took is XState's own selection for each event of the
// macrostep (ActorLogic.transitionsTaken), found once per distinct (local state, event, cells read)
// and memoised; an actor's initial macrostep counts in the initial global state. `always` transitions
// are not listed: XState selects them inside the macrostep, where nothing outside can see which one
// was taken; the states they lead to are counted.
import type { AnyStateMachine } from 'xstate';
import type { CompiledSystem } from './compile.ts';
import type { ActorLogic, Effect } from './localTransition.ts';
import type { ActorCoverage, TransitionCoverage } from './result.ts';
import type { StepObserver, Via } from './stepper.ts';

/** XState's event type for an `after` timer and a compound state's done event. */
const AFTER_PREFIX = 'xstate.after.';
const DONE_PREFIX = 'xstate.done.state.';

interface StateNodeLike {
  path: string[];
  type: string;
  states: Record<string, StateNodeLike>;
  transitions: Map<string, TransitionLike[]>;
}

interface TransitionLike {
  eventType: string;
  guard?: unknown;
  target?: readonly StateNodeLike[];
  delay?: number | string;
}

/** One actor's tables: its machine's state nodes and transitions, and the counts. */
class ActorTables {
  readonly states: string[] = [];
  readonly stateIndex = new Map<string, number>();
  readonly transitions: Omit<TransitionCoverage, 'globalStates'>[] = [];
  readonly transitionIndex = new Map<unknown, number>();
  readonly stateCounts: number[];
  readonly transitionCounts: number[];
  /** Per transition, the last source global state it was counted for (a state counts once). */
  readonly lastSource: number[];
  /** Local state id -> the state nodes active in it. */
  private readonly active = new Map<number, number[]>();
  /** (local state, event) -> cells read -> the transitions taken. */
  private readonly taken = new Map<number, Map<number, number[]>>();

  constructor(readonly logic: ActorLogic) {
    walk(logic.machine.root as unknown as StateNodeLike, this);
    this.stateCounts = new Array<number>(this.states.length).fill(0);
    this.transitionCounts = new Array<number>(this.transitions.length).fill(0);
    this.lastSource = new Array<number>(this.transitions.length).fill(-1);
  }

  activeNodes(local: number): number[] {
    let nodes = this.active.get(local);
    if (nodes === undefined) {
      nodes = [];
      for (const path of leafPaths(this.logic.states.snapshot(local).value)) {
        for (let i = 1; i <= path.length; i++) {
          const k = this.stateIndex.get(path.slice(0, i).join('.'));
          if (k !== undefined && !nodes.includes(k)) nodes.push(k);
        }
      }
      this.active.set(local, nodes);
    }
    return nodes;
  }

  /** The transitions the actor's initial macrostep took (its entry actions raise an event, say). */
  initialTransitions(): number[] {
    return this.indicesOf(this.logic.initialTransitionsTaken());
  }

  transitionsTaken(local: number, event: number, reads: number): number[] {
    const key = local * 2 ** 21 + event;
    let byReads = this.taken.get(key);
    if (byReads === undefined) { byReads = new Map(); this.taken.set(key, byReads); }
    let indices = byReads.get(reads);
    if (indices === undefined) {
      indices = this.indicesOf(this.logic.transitionsTaken(local, event, reads));
      byReads.set(reads, indices);
    }
    return indices;
  }

  /** The definition's indices of the transitions XState selected, each once. */
  private indicesOf(selected: readonly unknown[]): number[] {
    const indices: number[] = [];
    for (const t of selected) {
      const k = this.transitionIndex.get(t);
      if (k !== undefined && !indices.includes(k)) indices.push(k);
    }
    return indices;
  }

  /** Counts transitions `indices` as taken in the global state stored at `source`, once per state. */
  count(indices: readonly number[], source: number): void {
    for (const k of indices) {
      if (this.lastSource[k] === source) continue;
      this.lastSource[k] = source;
      this.transitionCounts[k]++;
    }
  }
}

function walk(node: StateNodeLike, tables: ActorTables): void {
  const name = node.path.join('.');
  if (node.path.length > 0) {
    tables.stateIndex.set(name, tables.states.length);
    tables.states.push(name);
  }
  for (const [descriptor, list] of node.transitions) {
    list.forEach((t, k) => {
      tables.transitionIndex.set(t, tables.transitions.length);
      tables.transitions.push({
        state: node.path.length > 0 ? name : '(machine)',
        event: eventLabel(descriptor, t),
        guard: guardLabel(t.guard) ?? (list.length > 1 ? `#${k + 1}` : null),
        targets: (t.target ?? []).map((n) => n.path.join('.')),
      });
    });
  }
  for (const child of Object.values(node.states ?? {})) if (child.type !== 'history') walk(child, tables);
}

function eventLabel(descriptor: string, t: TransitionLike): string {
  if (descriptor.startsWith(AFTER_PREFIX)) return `after ${String(t.delay ?? descriptor.slice(AFTER_PREFIX.length).split('.')[0])}`;
  if (descriptor.startsWith(DONE_PREFIX)) return 'onDone';
  return descriptor;
}

/** A named guard (`guard: 'hasItem'`, `{ type: 'hasItem' }`); an inline function has no useful name. */
function guardLabel(guard: unknown): string | null {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && guard !== null && typeof (guard as { type?: unknown }).type === 'string') return (guard as { type: string }).type;
  return null;
}

/** Every leaf of a state value, as key paths: 'a' -> [['a']], {x: 'y'} -> [['x', 'y']]. */
function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value === 'string') return [[...prefix, value]];
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value);
    if (entries.length === 0) return prefix.length > 0 ? [prefix] : [];
    return entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
  }
  return [];
}

/** Counts coverage during an exploration: the states as they are stored, the transitions as steps take them. */
export class CoverageCounter implements StepObserver {
  /** The stored global state being expanded: where the transitions taken now are taken. */
  source = -1;
  private readonly actors: ActorTables[];
  private readonly pendingEvent: Int32Array;
  private readonly pendingReads: Int32Array;

  constructor(private readonly sys: CompiledSystem) {
    this.actors = sys.actors.map((logic) => new ActorTables(logic));
    this.pendingEvent = new Int32Array(sys.actors.length);
    this.pendingReads = new Int32Array(sys.actors.length);
  }

  event(actor: number, event: number, readTuple: number, _via: Via): void {
    this.pendingEvent[actor] = event;
    this.pendingReads[actor] = readTuple;
  }

  transition(actor: number, from: number, _to: number): void {
    const a = this.actors[actor];
    a.count(a.transitionsTaken(from, this.pendingEvent[actor], this.pendingReads[actor]), this.source);
  }

  effect(_actor: number, _effect: Effect): void {}

  /** Counts what each actor's initial macrostep took, in the initial global state (stored first, at 0). */
  countInitial(): void {
    for (const a of this.actors) a.count(a.initialTransitions(), 0);
  }

  /** Counts a newly stored global state `v`: each actor's active state nodes in it. */
  countState(v: Int32Array): void {
    for (let i = 0; i < this.actors.length; i++) {
      const a = this.actors[i];
      for (const k of a.activeNodes(v[i])) a.stateCounts[k]++;
    }
  }

  result(): ActorCoverage[] {
    return this.actors.map((a, i) => ({
      actor: this.sys.actorNames[i],
      machine: (a.logic.machine as AnyStateMachine).id,
      states: a.states.map((state, k) => ({ state, globalStates: a.stateCounts[k] })),
      transitions: a.transitions.map((t, k) => ({ ...t, globalStates: a.transitionCounts[k] })),
    }));
  }
}

/** A transition as reports name it: `asleep --wakeup--> awake`, `idle --kick [#2]--> idle`. */
export function transitionLabel(t: Omit<TransitionCoverage, 'globalStates'>): string {
  return `${t.state} --${t.event}${t.guard ? ` [${t.guard}]` : ''}--> ${t.targets.length > 0 ? t.targets.join(', ') : '(no target)'}`;
}

/** Every transition that never fired, with its actor. */
export function neverFired(coverage: ActorCoverage[]): { actor: string; transition: TransitionCoverage }[] {
  return coverage.flatMap((a) => a.transitions.filter((t) => t.globalStates === 0).map((transition) => ({ actor: a.actor, transition })));
}
