// Runs a system's machines in real XState actors (createActor, a SimulatedClock for timers), routing
// the emitted vocabulary events with a small host program, the way a user would embed the models. A
// test drives it with a counterexample's steps and compares it with the checker's own execution.
// Memory is sequentially consistent here: a load or an RMW is answered at once from the cells, and
// fences order nothing that could differ.
import { createActor, SimulatedClock } from 'xstate';
import type { AnyActorRef, EventObject } from 'xstate';
import { CALL, FAIL, POST, REPLY, WRITE } from '../../checker/vocabulary.ts';
import { LOAD, RMW, rmwResult } from '../../checker/memoryVocabulary.ts';
import type { CellValue } from '../../checker/vocabulary.ts';
import type { Step, SystemDefinition } from '../../checker/index.ts';

export class RealActors {
  readonly clock = new SimulatedClock();
  readonly actors: Record<string, AnyActorRef> = {};
  readonly cells: Record<string, CellValue>;
  readonly inFlight: Record<string, EventObject[]> = {};
  readonly failures: string[] = [];
  private readonly callers: string[] = [];

  constructor(private readonly def: SystemDefinition) {
    this.cells = { ...(def.cells ?? {}) };
    for (const [name, spec] of Object.entries(def.actors)) {
      this.inFlight[name] = [];
      const actor = createActor(spec.machine, { input: spec.input, clock: this.clock });
      actor.on('*', (emitted: any) => this.route(name, emitted));
      this.actors[name] = actor;
    }
    for (const actor of Object.values(this.actors)) actor.start();
  }

  /** Takes one step as the checker describes it. */
  take(step: Step): void {
    if (step.kind === 'deliver') {
      const event = this.inFlight[step.actor].shift();
      if (!event) throw new Error(`nothing in flight to ${step.actor}`);
      this.send(step.actor, event);
    } else if (step.kind === 'spontaneous') {
      this.send(step.actor, step.event);
    } else {
      // xstate.after.<delay>.<state id>: let simulated time pass until the timer is due.
      this.clock.increment(Number(step.event.type.split('.')[2]));
    }
  }

  private send(to: string, event: EventObject): void {
    const reads = this.def.actors[to].reads ?? [];
    const cells = Object.fromEntries(reads.map((c) => [c, this.cells[c]]));
    this.actors[to].send(reads.length > 0 ? { ...event, cells } : event);
  }

  private route(from: string, e: any): void {
    if (e.type === POST) this.inFlight[e.to].push(e.event);
    else if (e.type === WRITE) this.cells[e.cell] = e.value;
    else if (e.type === FAIL) this.failures.push(e.message);
    else if (e.type === LOAD) this.send(from, { type: e.reply, cell: e.cell, value: this.cells[e.cell] } as EventObject);
    else if (e.type === RMW) {
      const { store, answer } = rmwResult(e.op, this.cells[e.cell], e.a, e.b);
      if (store !== undefined) this.cells[e.cell] = store;
      this.send(from, { type: e.reply, cell: e.cell, value: answer } as EventObject);
    }
    else if (e.type === CALL) {
      this.callers.push(from);
      this.send(e.to, e.event);
      this.callers.pop();
    } else if (e.type === REPLY) {
      this.send(this.callers[this.callers.length - 1], e.event);
    }
  }
}
