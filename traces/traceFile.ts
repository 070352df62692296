// The counterexample trace file: what a run did, step by step, kept as data so it can be reviewed,
// committed and replayed after the models change. Version 2 of the format: version 1 plus `cycle`, the
// loop of a liveness counterexample (a lasso). Version 1 files still load (they have no cycle).
import type { EventObject } from 'xstate';
import type { CellValue, GlobalState, MemoryModelName, Step } from '../checker/index.ts';

export const TRACE_FORMAT = 'vmbus-check-trace/2';
/** Every format this version reads; files are written in TRACE_FORMAT. */
export const TRACE_FORMATS = ['vmbus-check-trace/1', TRACE_FORMAT] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];
/**
 * The `$id` of the format's JSON Schema (traces/trace.schema.json), written as `$schema` at the top of
 * every trace file so editors and tools can find it; its version follows TRACE_FORMAT's.
 */
export const TRACE_SCHEMA_ID = `urn:vmbus-check:trace:${TRACE_FORMAT.split('/')[1]}`;

/** Where the checked system came from, so a tool can rebuild it (this module never loads it itself). */
export interface SystemSource {
  /** 'builtin' for a built-in scenario (then `scenario` and `variant` name it), else a path to a user .ts module. */
  module: string;
  /** The module's export that builds the system. */
  export?: string;
  scenario?: string;
  variant?: string;
  parameters: Record<string, string | number | boolean>;
}

/** A message an actor sent during a step, in the order sent. A reply goes back to the caller. */
export interface TraceMessage {
  kind: 'post' | 'call' | 'reply';
  from: string;
  to: string;
  event: EventObject;
  /** The receiver handled the call with a transition that changed nothing and did nothing else: a lost signal or a dropped message. */
  ignored?: true;
}

/** An actor's local state: its XState state value, context and status ('active' | 'done' | ...). */
export interface TraceActorState {
  value: unknown;
  context: unknown;
  status: string;
}

/**
 * A memory access of a step beyond what `cells` shows (tso, arm): a store that went to the store
 * buffer, a load with the value it returned and where it came from, a fence, an RMW, a flush.
 */
export type TraceMemoryAccess =
  | { op: 'store'; cell: string; value: CellValue; buffered: boolean; release?: boolean }
  | { op: 'load'; cell: string; value: CellValue; from: 'memory' | 'buffer'; acquire?: boolean }
  | { op: 'fence'; fence: 'full' | 'store' | 'load' }
  | { op: 'rmw'; rmw: string; cell: string; old: CellValue; stored: boolean }
  | { op: 'flush'; cell: string; value: CellValue };

/** One step: what happened and what it changed. Unchanged actors, cells and queues are left out. */
export interface TraceStep {
  /** 1-based, as in the timeline; the initial state is step 0. Checked against the position. */
  step: number;
  actor: string;
  kind: Step['kind'];
  /** The event as the step names it (without the cells read). */
  event: EventObject;
  /** The shared cells as the actor read them when it handled the event (what its loads returned). */
  reads?: Record<string, CellValue>;
  /** Which value each branching load returned (arm), as the step is replayed. */
  choices?: number[];
  /** The step's memory accesses under tso or arm, in order. */
  memory?: TraceMemoryAccess[];
  sent?: TraceMessage[];
  /** The resulting local state of every actor whose state changed. */
  changed?: Record<string, TraceActorState>;
  /** Every cell the step wrote, with its value after the step. */
  cells?: Record<string, CellValue>;
  /** Every in-flight queue that changed, as it is after the step (oldest first). */
  inFlight?: Record<string, EventObject[]>;
  /** Every store buffer that changed (tso, arm), as it is after the step (oldest store first). */
  buffers?: Record<string, { cell: string; value: CellValue }[]>;
  /** A delivery the receiving actor ignored: it changed nothing and did nothing (the message is lost). */
  ignored?: true;
  /** Set when this step itself raised the violation (assertion, unhandled event, model error, queue overflow). */
  violation?: { property: string; message: string };
}

export interface TraceFile {
  format: TraceFormat;
  system: SystemSource;
  /** The system's own `name`, for people reading the file. */
  systemName?: string;
  /** The memory model the run is under; absent: sc. */
  memory?: MemoryModelName;
  /** The violated property; for a witness, the reachability goal reached. */
  property: string;
  message: string;
  /**
   * `witness`: the trace shows a reachability goal (`reachable`) reached, not a violation: replay checks
   * that its last state satisfies the goal. Absent: a counterexample.
   */
  kind?: 'witness';
  initial: GlobalState;
  steps: TraceStep[];
  /**
   * A liveness counterexample's loop: the steps after step `start` (0: from the initial state) repeat
   * forever, returning each time to the state after step `start`. Absent for every other trace (a
   * liveness trace without it is a run that ends with the obligation open).
   */
  cycle?: { start: number };
}
