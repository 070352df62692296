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
});
