// Timers (`after`), kept in the global state vector so that they fire once per entry of their state and,
// by default, in deadline order.
//
// A timer is armed when XState enters its state (the delayed `xstate.raise` of the entry actions) and
// disarmed when the state is left (`xstate.cancel`) or when it fires. Two modes (README, "Time"):
// - `deadline` (default): each armed timer keeps the time left until it is due. Steps take no time and
//   time passes only when nothing else can happen (maximal progress), and then exactly up to the
//   earliest deadline: the timers due then are the only ones that may fire. The clock values stored are
//   the times left (digitised clocks relative to now), so they lie in [0, largest delay] and the state
//   space stays finite; since no step but a timer depends on time, this is exact, not an abstraction.
//   Timers due at the same instant that were armed at the same instant with the same delay fire in the
//   order they were armed (as XState's scheduler, one setTimeout after another, does); other ties may
//   fire in either order.
// - `unordered`: any armed timer may fire when nothing else can (real durations are not compared), an
//   over-approximation of real time.
//
// Layout, per timer slot (one per `after` event of each actor): `deadline` stores [time left + 1 (0 when
// disarmed), delay, rank among the timers armed at the same instant with the same delay]; `unordered`
// stores [armed].

export type TimerMode = 'deadline' | 'unordered';

export interface TimerSlot {
  actor: number;
  event: number;
}

export class TimerClock {
  readonly fields: number;
  readonly width: number;
  private readonly slotOf: Map<number, number>[];
  private readonly order: number[];

  constructor(
    readonly mode: TimerMode,
    readonly base: number,
    readonly slots: TimerSlot[],
    actorCount: number,
  ) {
    this.fields = mode === 'deadline' ? 3 : 1;
    this.width = slots.length * this.fields;
    this.slotOf = Array.from({ length: actorCount }, () => new Map());
    slots.forEach((s, i) => this.slotOf[s.actor].set(s.event, i));
    this.order = slots.map(() => 0);
  }

  /** The slot of `actor`'s timer `event`, or -1 when the actor has no such `after`. */
  slot(actor: number, event: number): number {
    return this.slotOf[actor].get(event) ?? -1;
  }

  private at(slot: number): number {
    return this.base + slot * this.fields;
  }

  isArmed(v: Int32Array, slot: number): boolean {
    return v[this.at(slot)] !== 0;
  }

  arm(v: Int32Array, slot: number, delay: number): void {
    const p = this.at(slot);
    if (this.mode === 'unordered') { v[p] = 1; return; }
    v[p] = 0;
    const due = delay + 1;
    let rank = 0;
    for (let s = 0; s < this.slots.length; s++) {
      const q = this.at(s);
      if (v[q] === due && v[q + 1] === delay && v[q + 2] + 1 > rank) rank = v[q + 2] + 1;
    }
    v[p] = due;
    v[p + 1] = delay;
    v[p + 2] = rank;
  }

  cancel(v: Int32Array, slot: number): void {
    const p = this.at(slot);
    for (let i = 0; i < this.fields; i++) v[p + i] = 0;
  }

  /** Time passes up to `slot`'s deadline (the earliest one, in `deadline` mode); the slot is disarmed. */
  fire(v: Int32Array, slot: number): void {
    if (this.mode === 'deadline') {
      const left = v[this.at(slot)] - 1;
      if (left > 0) {
        for (let s = 0; s < this.slots.length; s++) {
          const q = this.at(s);
          if (v[q] !== 0) v[q] -= left;
        }
      }
    }
    this.cancel(v, slot);
  }

  /**
   * Calls `visit` for every timer allowed to fire now, in slot order: every armed one (`unordered`), or
   * those due at the earliest deadline and not behind an earlier-armed twin (`deadline`).
   */
  forEachDue(v: Int32Array, visit: (slot: number) => boolean): void {
    const n = this.slots.length;
    if (n === 0) return;
    if (this.mode === 'unordered') {
      for (let s = 0; s < n; s++) if (v[this.at(s)] !== 0 && visit(s) === false) return;
      return;
    }
    let earliest = 0;
    for (let s = 0; s < n; s++) {
      const due = v[this.at(s)];
      if (due !== 0 && (earliest === 0 || due < earliest)) earliest = due;
    }
    if (earliest === 0) return;
    for (let s = 0; s < n; s++) {
      const p = this.at(s);
      if (v[p] !== earliest || v[p + 2] !== 0) continue;
      if (visit(s) === false) return;
    }
  }

  /**
   * Renumbers the ranks of each group of timers armed at the same instant with the same delay as
   * 0, 1, ... in arming order, so that equal timer states have equal vectors.
   */
  normalize(v: Int32Array): void {
    if (this.mode !== 'deadline') return;
    const n = this.slots.length;
    const order = this.order;
    for (let s = 0; s < n; s++) {
      const p = this.at(s);
      order[s] = 0;
      if (v[p] === 0) continue;
      for (let t = 0; t < n; t++) {
        const q = this.at(t);
        if (t !== s && v[q] === v[p] && v[q + 1] === v[p + 1] && (v[q + 2] < v[p + 2] || (v[q + 2] === v[p + 2] && t < s))) order[s]++;
      }
    }
    for (let s = 0; s < n; s++) if (v[this.at(s)] !== 0) v[this.at(s) + 2] = order[s];
  }
}
