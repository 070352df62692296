// Compiles a system definition into the tables the engine works on: actor logics, interned events and
// cell values, and the layout of a global state vector.
//
// Global state vector (Int32Array):
//   [ local state id of each actor | value id of each cell | timer slots (checker/timers.ts) |
//     per actor: queue length, queue slots... | the memory model's regions (store buffers, ARM's
//     write history and views; checker/memoryModel.ts) ]
import type { EventObject } from 'xstate';
import { InternTable } from './canonical.ts';
import { ActorLogic } from './localTransition.ts';
import type { Effect, Namespace } from './localTransition.ts';
import { SystemDefinitionError, validateSystem } from './system.ts';
import type { SystemDefinition } from './system.ts';
import type { CellValue } from './vocabulary.ts';
import { propertyParts } from './properties.ts';
import type { Judgement, LivenessProperty, PartProperty, Property, ReachableProperty } from './properties.ts';
import type { GlobalView } from './globalView.ts';
import { judgedThrough } from './propertyReads.ts';
import { TimerClock } from './timers.ts';
import { memoryWidth } from './memoryModel.ts';
import { scanLoadedCells } from './loadedCells.ts';
import type { MemoryModelName, MemorySettings } from './memoryModel.ts';

export interface Layout {
  actorCount: number;
  cellBase: number;
  cellCount: number;
  /** Fields before the queues (actors, cells, timers): always encoded in full. */
  fixedWidth: number;
  /** Index of each actor's queue-length slot; its items follow it. */
  queueBase: Int32Array;
  queueCapacity: Int32Array;
  /** Where the memory model's regions start (= the end of the queues). */
  memoryBase: number;
  width: number;
}

export interface InitialActor {
  local: number;
  effects: Effect[];
  /** The initial transition threw (local is then -1). */
  error: string | null;
  /** A violation the initial macrostep shows (an unhandled raised event, a microstep loop). */
  violation: { property: string; message: string } | null;
}

export interface CompiledSystem {
  definition: SystemDefinition;
  actorNames: string[];
  cellNames: string[];
  actors: ActorLogic[];
  ns: Namespace;
  layout: Layout;
  initialCells: number[];
  /** Each actor's initial local state and the effects of its initial entry actions. */
  initialActors: InitialActor[];
  memory: MemoryModelName;
  memorySettings: MemorySettings;
  /** Per cell: the event id naming a flush of a buffered store to it (tso, arm). */
  flushEvents: number[];
  invariants: [string, Extract<Property, { kind: 'invariant' }>][];
  stalls: [string, Extract<Property, { kind: 'stall' }>][];
  liveness: [string, LivenessProperty][];
  goals: [string, ReachableProperty][];
  /** Where each actor's `after` timers live in the vector, and how they fire. */
  clock: TimerClock;
  /** arm: per actor, per cell, whether the actor may ever load the cell (checker/loadedCells.ts); null otherwise. */
  loadable: Uint8Array[] | null;
}

/** A property with declared reads, judged through a view of only those (the original's own fields kept: its definition site). */
function throughReads(name: string, p: PartProperty, actorNames: string[], cellNames: string[]): PartProperty {
  if (p.kind === 'stall' || p.reads === undefined) return p;
  const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(p)) as typeof p;
  const through = (judge: (g: GlobalView) => Judgement) => judgedThrough(judge, p.reads!, name, actorNames, cellNames);
  if (copy.kind === 'invariant') copy.holds = through(copy.holds);
  else if (copy.kind === 'liveness') { copy.trigger = through(copy.trigger); copy.goal = through(copy.goal); }
  else copy.goal = through(copy.goal);
  return copy;
}

/** Tells an already compiled system from a definition (which may be anything a user passed). */
export function isCompiledSystem(system: unknown): system is CompiledSystem {
  return typeof system === 'object' && system !== null && 'layout' in system;
}

export const FLUSH_EVENT = 'vmbus-check.flush';

/** Compiles `definition` under memory model `memory` (default: the definition's own, else `sc`). */
export function compileSystem(definition: SystemDefinition, memory?: MemoryModelName): CompiledSystem {
  validateSystem(definition);
  const model = memory ?? definition.memory ?? 'sc';
  if (!['sc', 'tso', 'arm'].includes(model)) throw new SystemDefinitionError(`unknown memory model '${model}' (use sc, tso or arm)`);
  const actorNames = Object.keys(definition.actors);
  const cells = definition.cells ?? {};
  const cellNames = Object.keys(cells);
  const ns: Namespace = {
    actorIndex: new Map(actorNames.map((n, i) => [n, i])),
    cellIndex: new Map(cellNames.map((n, i) => [n, i])),
    events: new InternTable<EventObject>(true),
    values: new InternTable<CellValue>(),
    computed: { count: 0 },
  };
  const actors = actorNames.map((name) => {
    const spec = definition.actors[name];
    const reads = spec.reads ?? [];
    return new ActorLogic(name, spec.machine, reads.map((c) => ns.cellIndex.get(c)!), reads, spec.spontaneous ?? [], ns);
  });

  const actorCount = actorNames.length;
  const cellBase = actorCount;
  const queueBase = new Int32Array(actorCount);
  const queueCapacity = new Int32Array(actorCount);
  const timerSlots = actors.flatMap((logic, actor) => logic.timerEvents.map((event) => ({ actor, event })));
  const clock = new TimerClock(definition.timers ?? 'deadline', cellBase + cellNames.length, timerSlots, actorCount);
  const fixedWidth = clock.base + clock.width;
  let width = fixedWidth;
  actorNames.forEach((name, i) => {
    queueBase[i] = width;
    queueCapacity[i] = definition.actors[name].queueCapacity ?? 4;
    width += 1 + queueCapacity[i];
  });
  const memoryBase = width;
  const memorySettings: MemorySettings = { storeBuffer: definition.storeBuffer ?? 4, history: definition.history ?? cellNames.length + 8 };
  width += memoryWidth(model, actorCount, cellNames.length, memorySettings);
  // Flush events are interned only under a weak model, so SC systems keep exactly today's event ids.
  const flushEvents = model === 'sc' ? [] : cellNames.map((cell) => ns.events.intern({ type: FLUSH_EVENT, cell } as EventObject));

  const initialCells = cellNames.map((c) => ns.values.intern(cells[c]));
  const initialActors = actors.map((logic, i): InitialActor => logic.initial(definition.actors[actorNames[i]].input));

  // Only the ARM model uses what actors load; under sc and tso nothing depends on the scan.
  const loadable = model !== 'arm' ? null : actorNames.map((name, i) => {
    const scanned = scanLoadedCells(definition.actors[name].machine);
    const row = new Uint8Array(cellNames.length).fill(scanned === null ? 1 : 0);
    for (const c of scanned ?? []) { const k = ns.cellIndex.get(c); if (k !== undefined) row[k] = 1; }
    for (const k of actors[i].readCells) row[k] = 1;
    return row;
  });

  const props = Object.entries(definition.properties ?? {}).flatMap(([name, p]) => propertyParts(name, p)).map(([name, p]) => [name, throughReads(name, p, actorNames, cellNames)] as [string, PartProperty]);
  return {
    definition,
    actorNames,
    cellNames,
    actors,
    ns,
    layout: { actorCount, cellBase, cellCount: cellNames.length, fixedWidth, queueBase, queueCapacity, memoryBase, width },
    memory: model,
    memorySettings,
    flushEvents,
    initialCells,
    initialActors,
    invariants: props.filter((p): p is [string, Extract<Property, { kind: 'invariant' }>] => p[1].kind === 'invariant'),
    stalls: props.filter((p): p is [string, Extract<Property, { kind: 'stall' }>] => p[1].kind === 'stall'),
    liveness: props.filter((p): p is [string, LivenessProperty] => p[1].kind === 'liveness'),
    goals: props.filter((p): p is [string, ReachableProperty] => p[1].kind === 'reachable'),
    clock,
    loadable,
  };
}
