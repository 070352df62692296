import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StateStore } from '../checker/stateStore.ts';

// Shape: 3 fixed fields, then two queues of capacity 3 and 2.
const shape = { fixedWidth: 3, queueBase: Int32Array.from([3, 7]), width: 10 };
const field = fc.oneof(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 2 ** 30 }));
const queue = (cap: number) => fc.array(field, { maxLength: cap });
const vector = fc.tuple(fc.array(field, { minLength: 3, maxLength: 3 }), queue(3), queue(2)).map(([fixed, q1, q2]) => {
  const v = new Int32Array(shape.width);
  fixed.forEach((x, i) => { v[i] = x; });
  v[3] = q1.length; q1.forEach((x, i) => { v[4 + i] = x; });
  v[7] = q2.length; q2.forEach((x, i) => { v[8 + i] = x; });
  return v;
});

/** Every hash the same: the table then only filters nothing, and the packed states decide alone. */
class CollidingStore extends StateStore {
  protected override finish(): number { return 0; }
}

describe('StateStore', () => {
  it('deduplicates exactly like a Map keyed by the vector, and reads back what was added', () => {
    fc.assert(
      fc.property(fc.array(vector, { maxLength: 400 }), (vectors) => {
        const store = new StateStore(shape, 2); // a tiny table forces several rehashes
        const reference = new Map<string, number>();
        for (const v of vectors) {
          const idx = store.add(v, reference.size - 1, 7);
          const key = v.join(',');
          const known = reference.get(key);
          if (known === undefined) {
            expect(store.wasNew).toBe(true);
            expect(idx).toBe(reference.size);
            reference.set(key, idx);
          } else {
            expect(store.wasNew).toBe(false);
            expect(idx).toBe(known);
          }
        }
        expect(store.count).toBe(reference.size);
        const out = new Int32Array(shape.width).fill(-1);
        for (const [key, idx] of reference) {
          store.read(idx, out);
          expect(Array.from(out).join(',')).toBe(key);
          expect(store.parentOf(idx)).toBe(idx - 1);
          expect(store.stepOf(idx)).toBe(7);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('zeroes queue slots beyond the length when decoding, so stale items never leak into a state', () => {
    const store = new StateStore(shape);
    const full = Int32Array.from([1, 2, 3, 3, 9, 9, 9, 2, 8, 8]);
    const short = Int32Array.from([1, 2, 3, 1, 9, 0, 0, 0, 0, 0]);
    store.add(full, -1, -1);
    const idx = store.add(short, 0, 0);
    const out = full.slice();
    store.read(idx, out);
    expect(Array.from(out)).toEqual(Array.from(short));
  });

  it('stays exact when every hash collides: the in-table hash is only a filter, the packed state decides', () => {
    fc.assert(
      fc.property(fc.array(vector, { maxLength: 120 }), (vectors) => {
        const store = new CollidingStore(shape, 1);
        const reference = new Map<string, number>();
        for (const v of vectors) {
          const idx = store.add(v, -1, 0);
          const key = v.join(',');
          expect(idx).toBe(reference.get(key) ?? reference.size);
          if (!reference.has(key)) reference.set(key, idx);
        }
        expect(store.count).toBe(reference.size);
      }),
      { numRuns: 100 },
    );
  });

  it('treats vectors that differ only in queue slots beyond the length as one state, after any growth', () => {
    fc.assert(
      fc.property(fc.array(vector, { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 2 ** 30 }), (vectors, junk) => {
        const store = new StateStore(shape, 1);
        const ids = vectors.map((v) => store.add(v, -1, 0));
        // Re-adding each with stale items written past its queue lengths finds the same state.
        vectors.forEach((v, n) => {
          const stale = v.slice();
          for (let i = 4 + stale[3]; i < 7; i++) stale[i] = junk;
          for (let i = 8 + stale[7]; i < 10; i++) stale[i] = junk;
          expect(store.add(stale, -1, 0)).toBe(ids[n]);
          expect(store.wasNew).toBe(false);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a new state when it may not add one, and still finds old ones', () => {
    const store = new StateStore(shape);
    const a = Int32Array.from([1, 2, 3, 0, 0, 0, 0, 0, 0, 0]);
    const b = Int32Array.from([1, 2, 300, 0, 0, 0, 0, 0, 0, 0]);
    store.add(a, -1, -1);
    expect(store.add(b, 0, 0, false)).toBe(-1);
    expect(store.add(a, 0, 0, false)).toBe(0);
    expect(store.count).toBe(1);
  });
  it.each([['', StateStore, 300], [' when every hash collides', CollidingStore, 60]] as const)('addChanged (a state patched from the one last read) finds and adds exactly what add would%s', (_, Store, numRuns) => {
    // A wider shape, so that fixed fields are packed four to a word: 9 fixed fields, queues of 3 and 2.
    const wide = { fixedWidth: 9, queueBase: Int32Array.from([9, 13]), width: 16 };
    const small = fc.integer({ min: 0, max: 127 });
    const wideVector = fc.tuple(fc.array(fc.oneof(small, small, field), { minLength: 9, maxLength: 9 }), queue(3), queue(2)).map(([fixed, q1, q2]) => {
      const v = new Int32Array(wide.width);
      fixed.forEach((x, i) => { v[i] = x; });
      v[9] = q1.length; q1.forEach((x, i) => { v[10 + i] = x; });
      v[13] = q2.length; q2.forEach((x, i) => { v[14 + i] = x; });
      return v;
    });
    const keyOf = (v: Int32Array) => {
      const w = Array.from(v);
      w.fill(0, 10 + v[9], 13);
      w.fill(0, 14 + v[13], 16);
      return w.join(',');
    };
    // Changes to fixed fields (mostly to one-byte values), to queue lengths and to queue items.
    const change = fc.tuple(fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: wide.width - 1 })), fc.oneof(small, field));
    fc.assert(
      fc.property(fc.array(wideVector, { minLength: 1, maxLength: 150 }), fc.array(fc.array(change, { maxLength: 3 }), { maxLength: 150 }), (vectors, changes) => {
        const store = new Store(wide, 1);
        const reference = new Map<string, number>();
        const expectAdded = (idx: number, v: Int32Array) => {
          const known = reference.get(keyOf(v));
          expect(idx).toBe(known ?? reference.size);
          expect(store.wasNew).toBe(known === undefined);
          if (known === undefined) reference.set(keyOf(v), idx);
        };
        for (const v of vectors) expectAdded(store.add(v, -1, 0), v);
        const cur = new Int32Array(wide.width);
        changes.forEach((fields, n) => {
          store.readForSuccessors(n % store.count, cur);
          const log: number[] = [];
          for (const [f, x] of fields) {
            log.push(f, cur[f]);
            cur[f] = f === 9 ? x % 4 : f === 13 ? x % 3 : x; // a queue length stays within its capacity
          }
          expectAdded(store.addChanged(cur, Int32Array.from(log), log.length, -1, 0), cur);
        });
        const out = new Int32Array(wide.width);
        for (const [key, idx] of reference) {
          store.read(idx, out);
          expect(Array.from(out).join(',')).toBe(key);
        }
      }),
      { numRuns },
    );
  });

  it('at capacity adds nothing and says why, rather than throwing: the search then ends bounded (memory)', () => {
    const store = new StateStore(shape);
    const v = Int32Array.from([1, 2, 3, 0, 0, 0, 0, 0, 0, 0]);
    store.add(v, -1, -1);
    store.count = 0x7fffffff; // as if 2^31 - 1 states were stored
    expect(store.add(Int32Array.from([4, 5, 6, 0, 0, 0, 0, 0, 0, 0]), 0, 0)).toBe(-1);
    expect(store.wasNew).toBe(false);
    expect(store.full).toBe('state store full (2^31 states)');
    expect(store.add(v, 0, 0)).toBe(0); // a state already stored is still found
  });
});
