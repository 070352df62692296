// Compiles a system definition into the tables the engine works on: actor logics, interned events and
// cell values, and the layout of a global state vector.
//
// Global state vector (Int32Array):
//   [ local state id of each actor | value id of each cell | timer slots (checker/timers.ts) |
//     per actor: queue length, queue slots... ]
import type { EventObject } from 'xstate';
import { InternTable } from './canonical.ts';
import { ActorLogic } from './localTransition.ts';
import type { Effect, Namespace } from './localTransition.ts';
import { validateSystem } from './system.ts';
import type { SystemDefinition } from './system.ts';
import type { CellValue } from './vocabulary.ts';
import { propertyParts } from './properties.ts';
import type { Property } from './properties.ts';
import { TimerClock } from './timers.ts';

export interface Layout {
  actorCount: number;
  cellBase: number;
  cellCount: number;
  /** Fields before the queues (actors, cells, timers): always encoded in full. */
  fixedWidth: number;
  /** Index of each actor's queue-length slot; its items follow it. */
  queueBase: Int32Array;
  queueCapacity: Int32Array;
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
  invariants: [string, Extract<Property, { kind: 'invariant' }>][];
  stalls: [string, Extract<Property, { kind: 'stall' }>][];
  /** Where each actor's `after` timers live in the vector, and how they fire. */
  clock: TimerClock;
}

/** Tells an already compiled system from a definition (which may be anything a user passed). */
export function isCompiledSystem(system: unknown): system is CompiledSystem {
  return typeof system === 'object' && system !== null && 'layout' in system;
}

export function compileSystem(definition: SystemDefinition): CompiledSystem {
  validateSystem(definition);
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

  const initialCells = cellNames.map((c) => ns.values.intern(cells[c]));
  const initialActors = actors.map((logic, i): InitialActor => logic.initial(definition.actors[actorNames[i]].input));

  const props = Object.entries(definition.properties ?? {}).flatMap(([name, p]) => propertyParts(name, p));
  return {
    definition,
    actorNames,
    cellNames,
    actors,
    ns,
    layout: { actorCount, cellBase, cellCount: cellNames.length, fixedWidth, queueBase, queueCapacity, width },
    initialCells,
    initialActors,
    invariants: props.filter((p): p is [string, Extract<Property, { kind: 'invariant' }>] => p[1].kind === 'invariant'),
    stalls: props.filter((p): p is [string, Extract<Property, { kind: 'stall' }>] => p[1].kind === 'stall'),
    clock,
  };
}
