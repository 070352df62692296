// A step as one number, for the state store's parent links: (event, actor, kind) packed, doubled, and
// odd when it also took nondeterministic choices, which are then kept in a table beside it.
import type { CompiledSystem } from './compile.ts';
import type { Step } from './result.ts';
import { STEP_KIND_NAMES } from './stepper.ts';
import type { StepKind } from './stepper.ts';

export class StepLabels {
  private readonly choiceLabels: [number, number[]][] = [];
  private readonly choiceLabelIndex = new Map<string, number>();

  constructor(private readonly sys: CompiledSystem) {}

  label(actor: number, kind: StepKind, event: number, choices: readonly number[]): number {
    const base = (event * this.sys.layout.actorCount + actor) * STEP_KIND_NAMES.length + kind;
    if (choices.length === 0) return base * 2;
    const key = `${base}:${choices.join(',')}`;
    let k = this.choiceLabelIndex.get(key);
    if (k === undefined) {
      k = this.choiceLabels.length;
      this.choiceLabels.push([base, [...choices]]);
      this.choiceLabelIndex.set(key, k);
    }
    return 2 * k + 1;
  }

  /** Decodes a label into a Step. */
  step(label: number): Step {
    const { actor, kind, event, choices } = this.parts(label);
    const step: Step = { actor: this.sys.actorNames[actor], kind: STEP_KIND_NAMES[kind], event: this.sys.ns.events.values[event] };
    if (choices) step.choices = choices;
    return step;
  }

  /** A label's actor, step kind and event as indices, and its choices if it took any. */
  parts(label: number): { actor: number; kind: number; event: number; choices: number[] | undefined } {
    let choices: number[] | undefined;
    if (label % 2 === 1) [label, choices] = this.choiceLabels[(label - 1) / 2];
    else label /= 2;
    const actors = this.sys.layout.actorCount;
    const kinds = STEP_KIND_NAMES.length;
    const kind = label % kinds;
    const rest = (label - kind) / kinds;
    const actor = rest % actors;
    return { actor, kind, event: (rest - actor) / actors, choices };
  }
}
