// Orbits of the reference's reachable states under permutations of names (sc and tso only): a state's
// image renames every actor, cell and name in contexts and events by the permutation, and its orbit key
// is the least of its images' keys (Reference.key). Written from the definition of an orbit, with
// nothing of checker/symmetry.ts.
import { Reference } from './bruteForce.ts';
import type { RefState } from './bruteForce.ts';
import type { SystemDefinition } from '../../checker/index.ts';

function renamed(x: unknown, to: Map<string, string>): unknown {
  if (typeof x === 'string') return to.get(x) ?? x;
  if (Array.isArray(x)) return x.map((y) => renamed(y, to));
  if (typeof x === 'object' && x !== null) return Object.fromEntries(Object.entries(x).map(([k, v]) => [to.get(k) ?? k, renamed(v, to)]));
  return x;
}

/** `g` with its names moved by `to` (actor n's state becomes actor to(n)'s). */
export function imageOf(g: RefState, to: Map<string, string>): RefState {
  if (g.arm !== null) throw new Error('orbits: arm states are not permuted here');
  const name = (n: string) => to.get(n) ?? n;
  const byName = <T>(r: Record<string, T>, f: (x: T) => T): Record<string, T> => Object.fromEntries(Object.entries(r).map(([n, x]) => [name(n), f(x)]));
  return {
    // Reference.key reads a snapshot's value, context and status only.
    actors: byName(g.actors, (s) => ({ value: s.value, context: renamed(s.context, to), status: s.status }) as any),
    cells: byName(g.cells, (v) => v),
    inFlight: byName(g.inFlight, (q) => renamed(q, to) as any),
    timers: byName(g.timers, (t) => t),
    pending: byName(g.pending, (p) => p.map((e) => ({ ...e, cell: name(e.cell) }))),
    arm: null,
  };
}

/** How many orbits the states `reached` of `def` fall into under the permutations `perms` (a group). */
export function orbitCount(def: SystemDefinition, reached: RefState[], perms: Map<string, string>[]): { orbits: number; states: number } {
  const ref = new Reference(def);
  const orbits = new Set<string>();
  const states = new Set<string>();
  for (const g of reached) {
    states.add(ref.key(imageOf(g, new Map())));
    let least: string | null = null;
    for (const p of perms) {
      const k = ref.key(imageOf(g, p));
      if (least === null || k < least) least = k;
    }
    orbits.add(least!);
  }
  return { orbits: orbits.size, states: states.size };
}
