/** A copy of `a` at `size` entries, its own first: for a store's first chunk, which starts small and doubles. */
export function grown<T extends Int32Array | Uint32Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}
