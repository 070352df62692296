// The stores' first chunks start small and double up to full size (so that a small search allocates
// little): states, columns and edges written before a doubling must read back the same after it, and
// after the store moves on to its second, full-size chunk.
import { describe, expect, it } from 'vitest';
import { ARENA_WORDS, COLUMN_CHUNK, StateStore } from '../checker/stateStore.ts';
import { EdgeStore } from '../checker/edgeStore.ts';
import { withRoom } from '../checker/chunkArrays.ts';
import fc from 'fast-check';

describe('a store growing past its first chunk', () => {
  it('StateStore: every state, parent and step reads back, past the first arena and column chunks', () => {
    // Fields near 2^30 take five bytes each: about 13 words a state, so 100,000 states fill more than one arena chunk.
    const shape = { fixedWidth: 10, queueBase: new Int32Array(0), width: 10 };
    const count = 100_000;
    const vectorOf = (i: number) => Int32Array.from({ length: 10 }, (_, f) => (f === 0 ? i : 2 ** 30 + ((i * 7919 + f) % 1000)));
    const store = new StateStore(shape);
    // Wrong answers are counted, not asserted one by one: a million expect calls would take half a minute.
    let wrong = 0;
    for (let i = 0; i < count; i++) if (store.add(vectorOf(i), i - 1, i % 13) !== i || !store.wasNew) wrong++;
    expect(count).toBeGreaterThan(COLUMN_CHUNK);
    expect(store.bytes).toBeGreaterThan(ARENA_WORDS * 4); // a second arena chunk
    const out = new Int32Array(10);
    for (let i = 0; i < count; i++) {
      store.read(i, out);
      const v = vectorOf(i);
      if (out.some((x, f) => x !== v[f]) || store.parentOf(i) !== i - 1 || store.stepOf(i) !== i % 13) wrong++;
      if (store.add(v, 0, 0) !== i || store.wasNew) wrong++; // found again, not added
    }
    expect(wrong).toBe(0);
    expect(store.count).toBe(count);
  });

  it('a small search allocates little: under 100 KB for a few states', () => {
    const store = new StateStore({ fixedWidth: 3, queueBase: new Int32Array(0), width: 3 });
    for (let i = 0; i < 10; i++) store.add(Int32Array.from([i, 1, 2]), -1, 0);
    expect(store.bytes).toBeLessThan(100_000);
  });

  it('EdgeStore: every edge, start and flag reads back, past the first state and edge chunks', () => {
    const edges = new EdgeStore();
    const states = 70_000; // more than one state chunk (2^16)
    const degree = (s: number) => s % 37; // about 1.26 million edges: more than one edge chunk (2^20)
    for (let s = 0; s < states; s++) {
      edges.begin(s);
      for (let k = 0; k < degree(s); k++) edges.add(s + k, k * 3);
      edges.setFlags(s, s % 5);
    }
    expect(edges.edgeCount).toBeGreaterThan(1 << 20);
    let wrong = 0;
    for (let s = 0; s < states; s++) {
      const first = edges.first(s);
      if (edges.end(s) - first !== degree(s) || edges.flags(s) !== s % 5) wrong++;
      for (let k = 0; k < degree(s); k++) if (edges.target(first + k) !== s + k || edges.label(first + k) !== k * 3) wrong++;
    }
    expect(wrong).toBe(0);
    expect(edges.flags(states + 10)).toBe(0);
    const fresh = new EdgeStore();
    fresh.setFlags(0, 1);
    expect(fresh.flags(300)).toBe(0); // beyond the first chunk's current size: no flags, not undefined
  });
});

describe('withRoom, the growth of the memo tables and the undo log', () => {
  it('keeps the array when it has room; else copies it, contents first, to at least the need and at least twice the size', () => {
    fc.assert(fc.property(fc.array(fc.integer(), { maxLength: 40 }), fc.nat(200), (values, need) => {
      const a = Int32Array.from(values);
      const b = withRoom(a, need);
      if (a.length >= need) return b === a;
      return b !== a && b instanceof Int32Array && b.length === Math.max(2 * a.length, need)
        && values.every((x, i) => b[i] === x) && b.subarray(a.length).every((x) => x === 0);
    }));
  });
});
