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

/** The note of a system that declares symmetry, explored with the reduction switched off: reports say nothing of it. */
export const SYMMETRY_SWITCHED_OFF = 'symmetry not applied: switched off (ExploreOptions.symmetry false, --no-symmetry)';

/**
 * On by default for a system that declares symmetry; `symmetry: false` switches it off (as TLC's
 * SYMMETRY and Murphi's scalarsets, the declaration is what asks for it). With liveness properties the
 * fair-cycle search runs on the quotient's cover (checker/symmetryCover.ts). Not applied with coverage,
 * which counts concrete states and transitions.
 */
export function symmetryFor(sys: CompiledSystem, memory: MemoryModel, store: StateStore, options: { symmetry?: boolean; partialOrder?: boolean; coverage?: boolean; store?: string }): SymmetryChoice {
  // A compiled system explored again keeps its memo: no earlier run's checks may linger on it.
  for (const a of sys.actors) a.onComputed = null;
  const off = (why: string): SymmetryChoice => ({ symmetry: null, paths: null, note: `symmetry not applied: ${why}` });
  if (!Symmetry.declared(sys)) return options.symmetry === true ? off('the system declares no symmetry (no groups of interchangeable members)') : { symmetry: null, paths: null, note: null };
  if (options.symmetry === false) return { symmetry: null, paths: null, note: SYMMETRY_SWITCHED_OFF };
  // The two reductions are not combined: one asked for wins over the other merely on by default.
  if (options.partialOrder === true && options.symmetry !== true) return off('partial-order reduction asked for instead (the two are not combined)');
  // Concrete counterexamples are rebuilt from the stored representatives, which an approximate store drops once expanded.
  if ((options.store ?? 'full') !== 'full') return off(`the ${options.store} store keeps no expanded states`);
  if (options.coverage) return off('coverage counts concrete states');
  // Every stored state's properties are judged on each of its images (Symmetry.auditProperties).
  const images = Symmetry.images((sys.definition.symmetry ?? []).map((g) => g.members.length));
  if (images > Symmetry.MAX_AUDITED) return off(`its groups have ${images.toLocaleString('en-US')} permutations, more than the ${Symmetry.MAX_AUDITED} on which each stored state's properties can be judged`);
  // The members are checked to behave alike as their transitions are computed; memoised ones never are again.
  if (sys.actors.some((a) => a.computed > 0)) return off('the compiled system was explored before, so its memoised transitions would go unchecked (compile it afresh)');
  const symmetry = new Symmetry(sys, memory);
  return { symmetry, paths: new ConcretePaths(sys, symmetry, store), note: `symmetry: ${symmetry.stats().description}` };
}
