// Partial-order reduction by ample sets (README, "Partial-order reduction"): in a state, expand only the
// enabled steps of a set S of actors when no step any other actor may take before one of them can
// interfere (C1), none of them is visible to an invariant or a reachability goal (C2), and, checked by
// the explorer as it expands (C3, the breadth-first cycle proviso), every successor they reach is new.
//
// C1 is judged on footprints (checker/actorFootprint.ts). The actors that may move before S does are
// those with a step enabled outside S and, transitively, those their steps may enable (a post to them, a
// store to a cell they read, a call into them). Their steps are over-approximated by everything their
// machines may ever do (the scanned footprint); S's steps by what the enabled steps do now. A conflict
// pulls the actor into S; S's disabled members keep the footprint that would let anyone enable them, so
// nothing outside S can. Quiescent states (deadlocks, stalls, timers) are judged exactly: while S has an
// enabled step none can be reached without S moving, and a state with a timer due now is expanded in full.
//
// Liveness properties (their trigger and goal visible as an invariant's reads are) are judged on the
// reduced graph's cycles, with the deferred steps recorded as edges that lead nowhere, so that fairness
// sees who is enabled (the explorer's recordDeferred). Why a fair violating run of the full graph has one
// in the reduced graph: the textbook construction (Clarke, Grumberg, Peled, "Model Checking", ch. 10)
// turns it into a run of the reduced graph that takes the same steps in another order (C3 lets no step
// wait forever), plus, where an ample step is never taken, that step; under weak fairness that cannot
// happen, since nothing the run does touches what that actor's step reads, so the actor would stay
// enabled forever and never step. And an actor that stops stepping is enabled in the same states of
// both runs: the other actors' steps that touch what it reads keep their order (moving one ahead of
// another would have pulled the reading actor, then the other step's actor, into S), so it is disabled
// as often, and a strong-fairness item is enabled as often.
//
// Timers (maximal progress): a timer is offered only in a state with a timer due now or with nothing
// else enabled (quiescent), and both are expanded in full, so no ample set defers a timer. A step moved
// ahead of others is enabled in every state it skips, so none of those is quiescent: the two runs pass
// the same quiescent states in the same order. Under deadlines (the default), what its timers add to an
// actor's enabledness is constant from some point of a run in which the actor stops stepping: a timer
// offered at a quiescent state and not taken is due now once another fires (time has reached its
// deadline), and stays due until it fires; one armed with time left is never offered on a cycle it
// does not leave, since time passing there would bring the cycle back with less time left. That needs
// the actor's timers to change only by its own steps and by time: a call into it re-arms them inside
// the caller's step, so timed actors that may be called keep the reduction off. Under
// `timers: 'unordered'` a timer is offered at every quiescent state and never falls due. In both, an
// actor may be enabled at a quiescent state of the reduced run and nowhere else there, while the full
// run disables it on the way (test/partialOrderLiveness.test.ts, "unordered timers", "a call re-arms
// its timer"): not applied there.
import type { CompiledSystem } from './compile.ts';
import { EffectKind } from './localTransition.ts';
import type { LocalTransition } from './localTransition.ts';
import type { Stepper } from './stepper.ts';
import { StepKind } from './stepper.ts';
import { actorFootprints, callTargets, Footprint, Resources } from './actorFootprint.ts';

export interface PartialOrderChoice {
  partialOrder: PartialOrder | null;
  /** Why it is not applied, or what it works from; null when switched off, or on by default and not applicable. */
  note: string | null;
  /** Asked for (`partialOrder: true`, --por), not merely on by default: then the reports also say why it did not apply. */
  asked: boolean;
}

export interface PartialOrderOptions {
  partialOrder?: boolean;
  coverage?: boolean;
}

/** Why the reduction cannot apply to `sys` under `options`, or null when it can. */
function partialOrderBlocker(sys: CompiledSystem, options: PartialOrderOptions, symmetry: boolean): string | null {
  const timed = sys.actorNames.filter((_, a) => sys.actors[a].timerEvents.length > 0);
  if (sys.liveness.length > 0 && timed.length > 0) {
    // Fairness could not be judged on the reduced graph (the comment at the top): an unordered timer is
    // offered wherever nothing else is without ever falling due, and a call re-arms its callee's timers
    // without the callee stepping.
    if (sys.clock.mode === 'unordered') return `with liveness properties, unordered timers (${timed.join(', ')}) are offered wherever nothing else is and never fall due, so fairness needs every interleaving`;
    const callees = callTargets(sys);
    const called = callees === null ? timed : timed.filter((a) => callees.has(a));
    if (called.length > 0) return `with liveness properties, timers of actors that ${callees === null ? 'a machine whose calls are not known may call' : 'others call'} (${called.join(', ')}) are re-armed by a call without their actor stepping, so fairness needs every interleaving`;
  }
  if (sys.memory === 'arm') return 'under arm, one write history is shared by every cell';
  if (options.coverage) return 'coverage counts every state';
  if (symmetry) return 'not combined with symmetry reduction';
  const undeclared = [...sys.invariants, ...sys.goals, ...sys.liveness].filter(([, p]) => p.reads === undefined).map(([n]) => n);
  if (undeclared.length > 0) return `${undeclared.join(', ')} do${undeclared.length === 1 ? 'es' : ''} not declare what ${undeclared.length === 1 ? 'it reads' : 'they read'} (invariant(holds, { actors, cells, inFlight }), leadsTo(p, q, { ... }))`;
  return null;
}

/**
 * Whether the reduction applies to `sys`, and why not when it does not. On unless switched off
 * (`partialOrder: false`); on by default, a system it cannot apply to is searched in full without a word.
 */
export function partialOrderFor(sys: CompiledSystem, stepper: Stepper, options: PartialOrderOptions, symmetry: boolean): PartialOrderChoice {
  const asked = options.partialOrder === true;
  if (options.partialOrder === false) return { partialOrder: null, note: null, asked };
  const why = partialOrderBlocker(sys, options, symmetry);
  if (why !== null) return { partialOrder: null, note: asked ? `not applied: ${why}` : null, asked };
  const por = new PartialOrder(sys, stepper);
  const unknown = por.unknownActors();
  const known = unknown.length === 0 ? 'every actor\'s footprint scanned' : `footprints not known (a computed name or an unmarked emit) for ${unknown.join(', ')}`;
  // An actor of unknown footprint conflicts with everything, and an ample set needs an enabled actor
  // outside it: with fewer than two actors known, none is ever found, so none is looked for.
  if (sys.actorNames.length - unknown.length < 2) return { partialOrder: null, note: asked ? `not applied: ${known}, so no ample set can exist` : null, asked };
  return { partialOrder: por, note: `ample sets; ${known}`, asked };
}

/** The steps of the state being expanded, as `forEachStep` offers them. */
export class StepList {
  n = 0;
  actor: number[] = [];
  kind: StepKind[] = [];
  event: number[] = [];
  t: (LocalTransition | null)[] = [];
  readonly push = (actor: number, kind: StepKind, event: number, t: LocalTransition | null): boolean => {
    const i = this.n++;
    this.actor[i] = actor; this.kind[i] = kind; this.event[i] = event; this.t[i] = t;
    return true;
  };
}

export class PartialOrder {
  readonly steps = new StepList();
  /** States expanded with a proper ample set (the C3 proviso kept). */
  reducedStates = 0;
  /** States an ample set was looked for in. */
  tried = 0;
  private readonly res: Resources;
  /** Per actor: every step it may ever take. */
  private readonly future: Footprint[];
  /** Per actor: what lets another actor enable or change it (its reads, its queue's tail, its local state). */
  private readonly exposed: Footprint[];
  /** canEnable[x * n + y]: a step of x may enable or change y. */
  private readonly canEnable: Uint8Array;
  /** What invariants and reachability goals read, marked as written. */
  private readonly visible: Footprint;
  private readonly now: Footprint[];
  private readonly union: Footprint;
  private readonly n: number;
  // Scratch of `ample` and `closure`, per actor: allocated once, not per state.
  private readonly enabled: Uint8Array;
  private readonly count: Int32Array;
  private readonly inS: Uint8Array;
  private readonly best: Uint8Array;
  private readonly mayMove: Uint8Array;
  private readonly queue: Int32Array;
  /** The marks `ample` returns, valid until its next call. */
  private marks = new Uint8Array(16);

  constructor(private readonly sys: CompiledSystem, private readonly stepper: Stepper) {
    const n = this.n = sys.actorNames.length;
    const res = this.res = new Resources(sys.cellNames.length, n);
    this.future = actorFootprints(sys, res);
    this.exposed = sys.actorNames.map((_, a) => {
      const f = new Footprint(res.size);
      for (const c of sys.actors[a].readCells) f.read(res.cell(c));
      f.read(res.tail(a));
      f.write(res.local(a));
      return f;
    });
    this.canEnable = new Uint8Array(n * n);
    for (let x = 0; x < n; x++) for (let y = 0; y < n; y++) if (x !== y && this.future[x].conflicts(this.exposed[y])) this.canEnable[x * n + y] = 1;
    this.visible = new Footprint(res.size);
    this.see([]);
    this.now = sys.actorNames.map(() => new Footprint(res.size));
    this.union = new Footprint(res.size);
    this.enabled = new Uint8Array(n);
    this.count = new Int32Array(n);
    this.inS = new Uint8Array(n);
    this.best = new Uint8Array(n);
    this.mayMove = new Uint8Array(n);
    this.queue = new Int32Array(n);
  }

  /**
   * What the invariants, the liveness properties and the goals not yet `reached` read. A goal once
   * witnessed needs nothing more of the reduction, so its reads stop making steps visible.
   */
  see(reached: readonly string[]): void {
    const { sys, res, visible } = this;
    visible.clear();
    for (const [name, p] of [...sys.invariants, ...sys.liveness, ...sys.goals]) {
      if (p.kind === 'reachable' && reached.includes(name)) continue;
      for (const a of p.reads?.actors ?? []) visible.write(res.local(sys.ns.actorIndex.get(a)!));
      for (const c of p.reads?.cells ?? []) visible.write(res.cell(sys.ns.cellIndex.get(c)!));
      for (const a of p.reads?.inFlight ?? []) { const k = sys.ns.actorIndex.get(a)!; visible.write(res.tail(k)); visible.write(res.head(k)); }
    }
  }

  unknownActors(): string[] {
    return this.sys.actorNames.filter((_, a) => this.future[a].all);
  }

  /**
   * The ample set of state `v` for the steps in `steps`: a mark per step, or null for all of them (no
   * proper subset qualifies). The fewest steps over every actor tried as the seed of S.
   */
  ample(v: Int32Array): Uint8Array | null {
    const { steps, n, now, enabled, count, inS, best } = this;
    enabled.fill(0);
    count.fill(0);
    for (let i = 0; i < steps.n; i++) {
      const a = steps.actor[i];
      if (!enabled[a]) { enabled[a] = 1; this.startNow(v, a); }
      this.addStep(v, now[a], a, steps.kind[i], steps.event[i], steps.t[i]);
      count[a]++;
    }
    let found = false;
    let bestSize = steps.n;
    for (let seed = 0; seed < n; seed++) {
      if (!enabled[seed] || count[seed] >= bestSize) continue;
      if (!this.closure(seed)) continue;
      let size = 0;
      for (let a = 0; a < n; a++) if (inS[a] && enabled[a]) size += count[a];
      if (size < bestSize) { best.set(inS); found = true; bestSize = size; }
      if (bestSize === 1) break;
    }
    if (!found) return null;
    if (this.marks.length < steps.n) this.marks = new Uint8Array(2 * steps.n);
    const marks = this.marks;
    for (let i = 0; i < steps.n; i++) marks[i] = best[steps.actor[i]];
    return marks;
  }

  /**
   * S grown from `seed` (left in `inS`) until nothing that may move first conflicts with it; false when
   * it is every enabled actor or visible.
   */
  private closure(seed: number): boolean {
    const { n, union, now, exposed, future, canEnable, enabled, inS, mayMove, queue } = this;
    inS.fill(0);
    inS[seed] = 1;
    for (;;) {
      union.clear();
      let outside = false;
      for (let a = 0; a < n; a++) {
        if (!inS[a]) { if (enabled[a]) outside = true; continue; }
        if (enabled[a]) {
          if (now[a].writesAny(this.visible)) return false;
          union.add(now[a]);
        } else union.add(exposed[a]);
      }
      if (!outside) return false;
      // The actors that may move before S does: the enabled ones outside it, and whom they may enable.
      mayMove.fill(0);
      let queued = 0;
      for (let a = 0; a < n; a++) if (!inS[a] && enabled[a]) { mayMove[a] = 1; queue[queued++] = a; }
      while (queued > 0) {
        const x = queue[--queued];
        for (let y = 0; y < n; y++) if (!inS[y] && !mayMove[y] && canEnable[x * n + y]) { mayMove[y] = 1; queue[queued++] = y; }
      }
      let grown = false;
      for (let y = 0; y < n; y++) {
        if (mayMove[y] && union.conflicts(future[y])) { inS[y] = 1; grown = true; break; }
      }
      if (!grown) return true;
    }
  }

  /** What any step of enabled actor `a` touches in `v`, before its steps are added. */
  private startNow(v: Int32Array, a: number): void {
    const f = this.now[a];
    f.clear();
    f.add(this.exposed[a]);
    // Under tso a fence, an RMW, a post, call or reply drains the actor's buffer: those stores land now.
    if (this.sys.memory !== 'sc') for (const b of this.stepper.memory.buffered(v, a)) if (b.cell >= 0) f.write(this.res.cell(b.cell));
  }

  private addStep(v: Int32Array, f: Footprint, a: number, kind: StepKind, event: number, t: LocalTransition | null): void {
    const { res } = this;
    if (kind === StepKind.Flush) { f.write(res.cell(this.stepper.flushCell(event))); return; }
    if (kind === StepKind.Timer) { f.all = true; return; }
    if (kind === StepKind.Deliver) {
      f.write(res.head(a));
      t = this.stepper.lookup(v, a, event);
      if (!t.handled) { f.all = true; return; }
    }
    this.addTransition(f, a, t!);
  }

  private addTransition(f: Footprint, a: number, t: LocalTransition): void {
    const { res, sys } = this;
    // A step that fails is visible (it ends the run or the branch): never deferred.
    if (t.violation !== null || t.error !== null || sys.actors[a].states.info[t.next].inError) { f.all = true; return; }
    for (const e of t.effects) {
      switch (e.kind) {
        case EffectKind.Write: f.write(res.cell(e.cell)); break;
        // The reply comes back inside the step, to a transition not known yet: anything the actor may do.
        case EffectKind.Load: case EffectKind.Rmw: f.add(this.future[a]); break;
        case EffectKind.Post: f.write(res.tail(e.to)); break;
        case EffectKind.Call: f.add(this.future[e.to]); f.write(res.local(e.to)); f.add(this.future[a]); break;
        case EffectKind.ArmTimer: case EffectKind.CancelTimer: f.write(res.clock); break;
        case EffectKind.Fence: break;
        case EffectKind.Reply: case EffectKind.Fail: f.all = true; break;
      }
    }
  }
}
