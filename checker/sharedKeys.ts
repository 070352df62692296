// The ids of a parallel search (checker/partitionSearch.ts), made to mean the same in every thread.
// Each thread interns local states, cell values and events in tables of its own, and a state's vector
// holds their ids; so the threads share one append-only log of the canonical keys interned, in the
// order their ids were given, and every thread holds each of its tables as exactly the log's entries
// for that table, in log order. A vector then stands for the same state in any thread, so a state goes
// to another thread as it is packed, with its hash, and nothing is translated.
// A key a thread has not interned is looked for under the log's lock: the thread first takes in what the
// others appended since it last looked, and appends the key only if it is still new. Keys are new rarely
// (once per distinct local state, value or event), so looking up a known key never touches the log.
// Rebuilt values are JSON.parse of the key: a value the explorer already identifies with its key's
// (`undefined` and `null`, a property set to `undefined` and none) may so be held as the other.
import type { InternTable } from './canonical.ts';

/** A state could not be carried to another thread: the search falls back to one thread. */
export class TransferError extends Error {}

// Header slots (Int32): the lock, entries appended, key code units used, entry capacity.
const LOCK = 0, ENTRIES = 1, UNITS = 2, CAPACITY = 3, HEADER = 4;
/** Int32s per entry: table, first code unit, length. */
const ENTRY = 3;

/** A log for up to `entries` keys of `units` UTF-16 code units in all (a SharedArrayBuffer's pages are only used when touched). */
export function createKeyLog(entries = 1 << 20, units = 1 << 26): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer((HEADER + ENTRY * entries) * 4 + units * 2);
  new Int32Array(buffer, 0, HEADER)[CAPACITY] = entries;
  return buffer;
}

/** One table of a thread, and how to rebuild a value from its key. */
export interface SharedTable {
  name: string;
  table: InternTable<any>;
  rebuild: (key: string) => unknown;
}

/** One thread's side of the log. */
export class SharedKeys {
  private readonly header: Int32Array;
  private readonly entries: Int32Array;
  private readonly units: Uint16Array;
  /** Log entries taken into this thread's tables. */
  private cursor = 0;

  constructor(buffer: SharedArrayBuffer, private readonly tables: SharedTable[]) {
    this.header = new Int32Array(buffer, 0, HEADER);
    const capacity = this.header[CAPACITY];
    this.entries = new Int32Array(buffer, HEADER * 4, ENTRY * capacity);
    this.units = new Uint16Array(buffer, (HEADER + ENTRY * capacity) * 4);
  }

  /**
   * Joins the log: a thread's tables already hold what building the system interned, which is the
   * same in every thread. The first thread to join appends it; the others check that their tables
   * begin as the log does, and take in the rest. From then on every key new here goes through the log.
   */
  attach(): void {
    this.locked(() => {
      const have = this.tables.map(({ table }) => table.size);
      if (Atomics.load(this.header, ENTRIES) === 0) {
        this.tables.forEach(({ table }, t) => {
          for (let id = 0; id < table.size; id++) this.append(t, table.keys[id]);
        });
        this.cursor = Atomics.load(this.header, ENTRIES);
        return;
      }
      const logged = this.tables.map(() => 0);
      for (const [t, key] of this.logged(0)) {
        const { table, name } = this.tables[t];
        const id = logged[t]++;
        if (id < have[t] && table.keys[id] !== key) throw new TransferError(`the threads' systems interned different ${name} when they were built (${table.keys[id]} against ${key})`);
      }
      this.tables.forEach(({ name }, t) => {
        if (have[t] > logged[t]) throw new TransferError(`a thread's system interned more ${name} when it was built than the first thread's`);
      });
      this.cursor = 0;
      this.takeIn(have);
    });
    this.tables.forEach(({ table }, t) => { table.miss = (value, key) => this.intern(t, value, key); });
  }

  /** Takes in what the other threads appended: every id in a state they sent or stored is then known here. */
  sync(): void {
    if (Atomics.load(this.header, ENTRIES) > this.cursor) this.takeIn(null);
  }

  /** The id of `key`, new in table `t` here: the log's, appending it when no thread has. */
  private intern(t: number, value: unknown, key: string): number {
    return this.locked(() => {
      this.takeIn(null);
      const { table } = this.tables[t];
      const known = table.idOfKey(key);
      if (known !== undefined) return known;
      this.append(t, key);
      this.cursor++;
      return table.add(value, key);
    });
  }

  /**
   * Adds the log's entries from the cursor on to the tables, rebuilt from their keys. With `skip`, the
   * first skip[t] entries of table t are already there (the entries logged before this thread joined).
   */
  private takeIn(skip: number[] | null): void {
    const end = Atomics.load(this.header, ENTRIES);
    for (const [t, key] of this.logged(this.cursor, end)) {
      if (skip !== null && skip[t] > 0) { skip[t]--; continue; }
      const { table, name, rebuild } = this.tables[t];
      let value: unknown;
      try {
        value = rebuild(key);
      } catch (e) {
        throw new TransferError(`one of the ${name} another thread interned cannot be rebuilt here: ${e instanceof Error ? e.message : String(e)}`);
      }
      table.add(value, key);
    }
    this.cursor = end;
  }

  private *logged(from: number, end = Atomics.load(this.header, ENTRIES)): Generator<[number, string]> {
    for (let i = from; i < end; i++) {
      const at = ENTRY * i;
      yield [this.entries[at], this.text(this.entries[at + 1], this.entries[at + 2])];
    }
  }

  private text(start: number, length: number): string {
    let s = '';
    for (let p = start; p < start + length; p += 4096) s += String.fromCharCode.apply(null, this.units.subarray(p, Math.min(p + 4096, start + length)) as unknown as number[]);
    return s;
  }

  /** Appends `key` for table `t`: written first, then counted, so a thread that sees the count sees the entry. */
  private append(t: number, key: string): void {
    const n = this.header[ENTRIES];
    const used = this.header[UNITS];
    if (n >= this.header[CAPACITY] || used + key.length > this.units.length) throw new TransferError(`the threads' shared log of interned keys is full (${n} keys)`);
    for (let i = 0; i < key.length; i++) this.units[used + i] = key.charCodeAt(i);
    const at = ENTRY * n;
    this.entries[at] = t;
    this.entries[at + 1] = used;
    this.entries[at + 2] = key.length;
    Atomics.store(this.header, UNITS, used + key.length);
    Atomics.store(this.header, ENTRIES, n + 1);
  }

  private locked<T>(f: () => T): T {
    while (Atomics.compareExchange(this.header, LOCK, 0, 1) !== 0) Atomics.wait(this.header, LOCK, 1, 1);
    try {
      return f();
    } finally {
      Atomics.store(this.header, LOCK, 0);
      Atomics.notify(this.header, LOCK, 1);
    }
  }
}
