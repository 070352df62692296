// Whether an exploration applies symmetry reduction (checker/symmetry.ts), and what the verdict says of it.
import type { CompiledSystem } from './compile.ts';
import type { MemoryModel } from './memoryModel.ts';
import type { StateStore } from './stateStore.ts';
import { Symmetry } from './symmetry.ts';
import { ConcretePaths } from './symmetryPaths.ts';

export interface SymmetryChoice {
  symmetry: Symmetry | null;
  paths: ConcretePaths | null;
  /** For the stats: what the reduction covered, or why it was not applied; null when none is declared. */
  note: string | null;
}

/**
 * On by default for a system that declares symmetry. Not applied with liveness properties: a cycle
 * of orbits need not be a cycle of states, and weak fairness is per actor, so the fair-cycle search
 * would judge the quotient wrongly; nor with coverage, which counts concrete states and transitions.
 */
export function symmetryFor(sys: CompiledSystem, memory: MemoryModel, store: StateStore, options: { symmetry?: boolean; coverage?: boolean }): SymmetryChoice {
  if (!Symmetry.declared(sys)) return { symmetry: null, paths: null, note: null };
  const off = (why: string): SymmetryChoice => ({ symmetry: null, paths: null, note: `symmetry not applied: ${why}` });
  if (options.symmetry === false) return off('switched off');
  if (sys.liveness.length > 0) return off('the system has liveness properties (a cycle of orbits need not be a cycle of states)');
  if (options.coverage) return off('coverage counts concrete states');
  const symmetry = new Symmetry(sys, memory);
  return { symmetry, paths: new ConcretePaths(sys, symmetry, store), note: `symmetry: ${symmetry.stats().description}` };
}
