// Typed-array chunks as the stores keep them: grown by copying (a store's first chunk starts small and
// doubles), and measured.

/** A copy of `a` at `size` entries, its own first. */
export function grown<T extends Int32Array | Uint32Array | Int16Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

/** `a` if it holds `need` entries, else a copy at least twice its size: amortised growth one entry at a time. */
export function withRoom<T extends Int32Array | Uint32Array>(a: T, need: number): T {
  return a.length >= need ? a : grown(a, Math.max(2 * a.length, need));
}

/** The bytes a list of chunks holds. */
export function bytesOf(chunks: readonly (Int32Array | Uint32Array | Int16Array)[]): number {
  let n = 0;
  for (const c of chunks) n += c.byteLength;
  return n;
}
