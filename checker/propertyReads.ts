// A property that declares what it reads (PropertyReads) is judged through a view that refuses the
// rest, so the declaration the partial-order reduction relies on cannot silently be wrong where judged.
import type { GlobalView } from './globalView.ts';
import type { Judgement, PropertyReads } from './properties.ts';
import { SystemDefinitionError } from './system.ts';

function guarded<T extends object>(target: T, allowed: Set<string>, what: string, property: string): T {
  const refuse = (key: string): never => {
    throw new Error(`property ${property} reads ${what} '${key}', which its \`reads\` does not declare`);
  };
  return new Proxy(target, {
    get(t, key, receiver) {
      if (typeof key === 'symbol' || key === 'toJSON' || allowed.has(key)) return Reflect.get(t, key, receiver);
      return refuse(key);
    },
    has(t, key) {
      if (typeof key === 'symbol' || allowed.has(key)) return Reflect.has(t, key);
      return refuse(key);
    },
    ownKeys(t) { return Reflect.ownKeys(t).filter((k) => typeof k === 'symbol' || allowed.has(k)); },
  });
}

/** `judge` over only what `reads` declares; names no actor or cell are refused up front. */
export function judgedThrough(
  judge: (g: GlobalView) => Judgement, reads: PropertyReads, property: string, actorNames: string[], cellNames: string[],
): (g: GlobalView) => Judgement {
  const check = (names: string[] | undefined, known: string[], what: string) => {
    for (const n of names ?? []) if (!known.includes(n)) throw new SystemDefinitionError(`property ${property} declares it reads unknown ${what} '${n}'`);
  };
  check(reads.actors, actorNames, 'actor');
  check(reads.cells, cellNames, 'cell');
  check(reads.inFlight, actorNames, 'actor');
  const views = new WeakMap<GlobalView, GlobalView>();
  return (g) => {
    let view = views.get(g);
    if (!view) {
      view = {
        actors: guarded(g.actors, new Set(reads.actors ?? []), 'actor', property),
        cells: guarded(g.cells, new Set(reads.cells ?? []), 'cell', property),
        inFlight: guarded(g.inFlight, new Set(reads.inFlight ?? []), 'the in-flight queue of', property),
      };
      views.set(g, view);
    }
    return judge(view);
  };
}
