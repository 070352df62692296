// Canonical JSON: the identity of a local state or an event must not depend on key insertion order.

export class CanonicalError extends Error {}

export function canonicalJson(value: unknown): string {
  try {
    return canonical(value);
  } catch (e) {
    // Only a cycle (or absurd nesting) recurses this deep: say which, rather than "call stack exceeded".
    throw deepRecursion(e, value);
  }
}

/** A stack overflow walking `value`: a cycle (or absurd nesting) said as such; anything else as it is. */
export function deepRecursion(e: unknown, value: unknown): unknown {
  if (!(e instanceof RangeError)) return e;
  return new CanonicalError(hasCycle(value) ? 'a cyclic object (it contains itself); contexts, events and cells must be plain JSON data' : 'data nested too deeply to store');
}

/** Does `value` contain itself? */
export function hasCycle(value: unknown, path = new Set<unknown>()): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (path.has(value)) return true;
  path.add(value);
  const found = Object.values(value).some((v) => hasCycle(v, path));
  path.delete(value);
  return found;
}

function canonical(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalError(`non-finite number ${value}`);
      return Object.is(value, -0) ? '0' : String(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'null';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return '[' + value.map((v) => canonical(v === undefined ? null : v)).join(',') + ']';
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new CanonicalError(`a ${proto?.constructor?.name ?? 'non-plain'} object; contexts, events and cells must be plain JSON data`);
      }
      const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
      return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonical((value as Record<string, unknown>)[k])).join(',') + '}';
    }
    default:
      throw new CanonicalError(`a ${typeof value}; contexts, events and cells must be plain JSON data`);
  }
}

/** Interns values by canonical JSON to dense integer ids. */
export class InternTable<T> {
  private readonly ids = new Map<string, number>();
  readonly values: T[] = [];
  /** Each id's canonical key. */
  readonly keys: string[] = [];
  /**
   * Where a key not interned here yet gets its id, instead of the next one: a parallel search's log of
   * keys shared by its threads (checker/sharedKeys.ts), which appends to this table through `add`.
   */
  miss: ((value: T, key: string) => number) | null = null;

  /**
   * With `freeze`, values are deep-frozen as they are interned (see deepFreeze); `added` hears of each
   * value given an id, with its key.
   */
  constructor(private readonly freeze = false, private readonly added?: (value: T, key: string) => void) {}

  intern(value: T, key: string = canonicalJson(value)): number {
    const id = this.ids.get(key);
    if (id !== undefined) return id;
    return this.miss === null ? this.add(value, key) : this.miss(value, key);
  }

  /** Gives `value`, of canonical key `key` not interned yet, the next id. */
  add(value: T, key: string): number {
    const id = this.values.length;
    this.values.push(this.freeze ? deepFreeze(value) : value);
    this.keys.push(key);
    this.ids.set(key, id);
    this.added?.(value, key);
    return id;
  }

  /** The id of the value of canonical key `key`, if interned. */
  idOfKey(key: string): number | undefined {
    return this.ids.get(key);
  }

  idOf(value: T): number | undefined {
    return this.ids.get(canonicalJson(value));
  }

  get size(): number {
    return this.values.length;
  }
}

/**
 * Freezes a plain JSON value in depth. Interned snapshots and events are shared by every state that
 * holds them, so a model that mutated one (an action writing `context.x = ...` instead of `assign`)
 * would silently change states already explored; frozen, the write throws and becomes a modelError.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
