// The nondeterministic choices inside one step (which value each branching load returns), as a script:
// a step is run once per script, and `advance` moves to the next script in depth-first order, so every
// combination is taken exactly once even when later choice points depend on earlier choices.
/** The script of a step with no choices made yet (shared: never modified). */
export const NO_CHOICES: readonly number[] = [];

export class ChoiceScript {
  private script: readonly number[] = NO_CHOICES;
  /** The choices taken in the run so far, at points with more than one option. */
  readonly taken: number[] = [];
  private readonly arity: number[] = [];
  private pick: (() => number) | null = null;

  /** Starts a run that replays `script`, then takes option 0 at any further point (or one `pick` draws, in [0, 1)). */
  start(script: readonly number[] = [], pick: (() => number) | null = null): void {
    // Called once per successor: no copy and no length write when there is nothing to reset.
    this.script = script.length === 0 ? NO_CHOICES : [...script];
    this.pick = pick;
    if (this.taken.length !== 0) this.taken.length = 0;
    if (this.arity.length !== 0) this.arity.length = 0;
  }

  /** Picks one of `n` options. */
  choose(n: number): number {
    if (n <= 1) return 0;
    const i = this.taken.length;
    const c = i < this.script.length ? this.script[i] : this.pick ? Math.floor(this.pick() * n) : 0;
    this.taken.push(c);
    this.arity.push(n);
    return c < n ? c : n - 1;
  }

  /** Whether the run met exactly its script's choice points, with every choice in range. */
  get faithful(): boolean {
    return this.taken.length === this.script.length && this.taken.every((c, i) => c < this.arity[i]);
  }

  /** The next script after the run just taken, or null when every combination has been run. */
  advance(): number[] | null {
    for (let i = this.taken.length - 1; i >= 0; i--) {
      if (this.taken[i] + 1 < this.arity[i]) return [...this.taken.slice(0, i), this.taken[i] + 1];
    }
    return null;
  }
}
