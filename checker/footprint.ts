// What a step touches, for a partial-order reduction to tell independent steps apart: the cells the
// stepping actor may load and store, whether it fences, and the actors it sends to. Two steps of
// different actors commute when neither stores a cell the other loads or stores, neither fences or
// RMWs under a weak model while the other has buffered stores, and neither sends to the other.
// Calls run the callee inside the step, so a step that calls is dependent on everything its callee is.
import type { CompiledSystem } from './compile.ts';
import { EffectKind } from './localTransition.ts';
import type { LocalTransition } from './localTransition.ts';
import { StepKind } from './stepper.ts';

export interface Footprint {
  /** Cells loaded: the actor's `reads` (every event it handles loads them), loads and RMWs. */
  loads: number[];
  /** Cells stored: writes, RMWs, and a flush's cell. */
  stores: number[];
  /** A fence, an RMW, or (under tso and arm) a post, call or reply, which drain the store buffer. */
  fences: boolean;
  /** Actors the step posts to or calls. */
  sends: number[];
}

/** The footprint of `actor` taking local transition `t` (null for a flush of `cell`). */
export function stepFootprint(sys: CompiledSystem, actor: number, kind: StepKind, t: LocalTransition | null, cell = -1): Footprint {
  if (kind === StepKind.Flush) return { loads: [], stores: [cell], fences: false, sends: [] };
  const loads = new Set(sys.actors[actor].readCells);
  const stores = new Set<number>();
  const sends = new Set<number>();
  let fences = false;
  for (const e of t?.effects ?? []) {
    switch (e.kind) {
      case EffectKind.Write: stores.add(e.cell); if (e.fence) fences = true; break;
      case EffectKind.Load: loads.add(e.cell); break;
      case EffectKind.Rmw: loads.add(e.cell); stores.add(e.cell); fences = true; break;
      case EffectKind.Fence: fences = true; break;
      case EffectKind.Post: case EffectKind.Call: sends.add(e.to); if (sys.memory !== 'sc') fences = true; break;
      case EffectKind.Reply: if (sys.memory !== 'sc') fences = true; break;
      case EffectKind.Fail: break;
    }
  }
  return { loads: [...loads], stores: [...stores], fences, sends: [...sends] };
}
