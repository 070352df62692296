// Small actors and drivers for testing one model component in isolation.
import { setup, assign, enqueueActions } from 'xstate';
import type { AnyEventObject as EventObject } from 'xstate';
import { call, post, Execution } from '../../checker/index.ts';
import type { GlobalState, Happening, Step, SystemDefinition } from '../../checker/index.ts';

export interface ScriptStep {
  to: string;
  event: EventObject;
  /** `post` instead of `call`. */
  post?: boolean;
}

/**
 * An actor that takes one scripted request per spontaneous `next` step and records every event it
 * receives (replies, posts) in `context.received`.
 */
export function scriptMachine(script: ScriptStep[]) {
  return setup({ types: {} as { context: { i: number; received: EventObject[] }; events: EventObject } }).createMachine({
    id: 'script',
    context: { i: 0, received: [] },
    initial: 'run',
    states: {
      run: {
        tags: ['end'],
        on: {
          next: [
            {
              guard: ({ context }) => context.i < script.length,
              actions: enqueueActions(({ context, enqueue }) => {
                const s = script[context.i];
                enqueue.assign({ i: context.i + 1 });
                enqueue(s.post ? post(s.to, s.event) : call(s.to, s.event));
              }),
            },
            {}, // script finished: `next` is no longer offered (an empty transition is not `can`)
          ],
          '*': { actions: assign({ received: ({ context, event }) => [...context.received, stripCells(event)] }) },
        },
      },
    },
  });
}

function stripCells(e: EventObject): EventObject {
  const { cells: _cells, ...rest } = e as EventObject & { cells?: unknown };
  return rest;
}

/** An actor that records every event delivered or called to it. */
export const recorderMachine = setup({ types: {} as { context: { received: EventObject[] }; events: EventObject } }).createMachine({
  id: 'recorder',
  context: { received: [] },
  initial: 'run',
  states: { run: { tags: ['end'], on: { '*': { actions: assign({ received: ({ context, event }) => [...context.received, stripCells(event)] }) } } } },
});

export interface Run {
  final: GlobalState;
  happenings: Happening[];
  violation?: { property: string; message: string };
}

/**
 * Runs `system` by always taking the first enabled step (actors in declaration order; a delivery before
 * an actor's spontaneous steps), timers excluded, until nothing but timers is enabled.
 */
export function runFirstEnabled(system: SystemDefinition, maxSteps = 200): Run {
  const ex = new Execution(system);
  const init = ex.initial();
  const happenings = [...init.happenings];
  if (init.violation) return { final: undefined as unknown as GlobalState, happenings, violation: init.violation };
  let v = init.state!;
  for (let n = 0; n < maxSteps; n++) {
    const step = ex.enabled(v).find((s) => s.kind !== 'timer');
    if (!step) return { final: ex.materialize(v), happenings };
    const out = ex.apply(v, step)!;
    happenings.push(...out.happenings);
    if (out.violation) return { final: ex.materialize(v), happenings, violation: out.violation };
    if (!out.state) throw new Error(`bound hit: ${out.bound}`);
    v = out.state;
  }
  throw new Error(`did not settle within ${maxSteps} steps`);
}

/** The events that actor `to` was posted, in order. */
export function postsTo(happenings: Happening[], to: string): EventObject[] {
  return happenings.flatMap((h) => (h.what === 'post' && h.to === to ? [h.event] : []));
}

/** The events that actor `to` was called with, in order. */
export function callsTo(happenings: Happening[], to: string): EventObject[] {
  return happenings.flatMap((h) => (h.what === 'call' && h.to === to ? [h.event] : []));
}

/** Replays a counterexample's `steps` from the initial state: the happenings of each step and the last state vector. */
export function replaySteps(sys: SystemDefinition, steps: Step[]) {
  const ex = new Execution(sys);
  let v = ex.initial().state!;
  const perStep: Happening[][] = [];
  for (const s of steps) {
    const out = ex.apply(v, s);
    if (!out) throw new Error(`counterexample step not enabled: ${JSON.stringify(s)}`);
    perStep.push(out.happenings);
    if (out.state) v = out.state;
  }
  return { ex, v, perStep };
}
