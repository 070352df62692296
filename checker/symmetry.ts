// Symmetry reduction (README, "Symmetry reduction"): the members of a declared group are
// interchangeable, so a global state and its images under permutations of the members (an orbit)
// behave alike, and the store keeps one of them, the canonical representative.
//
// Soundness rests on equivariance: permuting the members of a state and then stepping gives what
// stepping and then permuting gives. The vector-level semantics (queues, cells, store buffers, ARM's
// history and views) is the same for every actor, so what remains is each actor's own behaviour. It is
// checked, not trusted: every local transition a member computes is computed again for every other
// member of its group, on the renamed state, event and reads, and must give the renamed result (the
// machines may be distinct objects, built per member); a member may name only its own actors and
// cells; an actor outside every group, or a cell value, may name none of them, and such an actor may
// post to members only alike to all (a broadcast). Properties are functions the checker cannot read:
// they are audited on every representative stored, against some of its images and against the state
// it was reached as (each pair must be judged alike), not against every image. A declaration the
// system does not honour is refused with a SystemDefinitionError.
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import type { CompiledSystem } from './compile.ts';
import { canonicalJson } from './canonical.ts';
import { withRoom } from './chunkArrays.ts';
import { EffectKind } from './localTransition.ts';
import type { Effect, LocalTransition } from './localTransition.ts';
import type { MemoryModel } from './memoryModel.ts';
import { VectorView } from './globalView.ts';
import { judgedTrue, violationMessage } from './properties.ts';

type Check = (view: VectorView) => boolean;
import { SystemDefinitionError } from './system.ts';

/** Where a name sits in the declaration. */
interface Owner { group: number; member: number; position: number }

interface Group {
  size: number;
  names: string[][];
  /** Per position: member -> actor index, or null for a position of cells. */
  actors: (Int32Array | null)[];
  /** Per position: member -> cell index, or null for a position of actors. */
  cells: (Int32Array | null)[];
}

/** What the reduction did, for the result's stats. */
export interface SymmetryStats {
  /** One line: `6 actors and 9 cells in 1 group of 3 members`. */
  description: string;
  /** Concrete states the stored representatives stand for (the sum of their orbits' sizes), when known exactly (see countRepresentative). */
  represented: number | null;
}

/** Candidate permutations tried per group and state; past it the image is sound but may not be canonical. */
const MAX_CANDIDATES = 5040;
const fail = (message: string): never => { throw new SystemDefinitionError(`symmetry: ${message}`); };

export class Symmetry {
  private readonly groups: Group[] = [];
  private readonly owner = new Map<string, Owner>();
  private readonly actorOwner: (Owner | null)[];
  private readonly cellOwner: (Owner | null)[];
  /** Local state maps between two actors of one position, at index a * actors + b: id to id + 1, 0 where not yet known. */
  private readonly localMaps: (Int32Array | undefined)[] = [];
  /** Event maps between two members, at index (g * maxSize + i) * maxSize + j: event id to event id + 1, 0 where not yet known. */
  private readonly eventMaps: (Int32Array | undefined)[] = [];
  /** The largest group's size, for the event maps' index. */
  private maxSize = 0;
  private valuesChecked = 0;
  private readonly eventChecked = new Set<number>();
  private readonly freeLocals: Set<number>[];
  private readonly scratch: Int32Array[] = [];
  private readonly best: Int32Array;
  private readonly work: Int32Array;
  private readonly actorOf: Int32Array;
  private readonly cellOf: Int32Array;
  private readonly view: VectorView;
  private readonly imageView: VectorView;
  /** Per group, the permutation the last `canonical` moved the members by (member m to [m]). */
  private readonly lastPerms: Int32Array[];
  /** Permutations by number (see `permutationNumber`), each as one array per group; filled on first use. */
  private permTable: Int32Array[][] | null = null;
  /** composeInverse's results, at s * permutations + p, plus 1; 0 where not yet known. */
  private composed: Int32Array | null = null;
  /** actorUnder's maps, by permutation number. */
  private readonly actorMaps: (Int32Array | undefined)[] = [];
  /** Concrete states represented so far; null once a group needed more candidates than MAX_CANDIDATES. */
  private representedSum: number | null = 0;
  private lastOrbit = 1;

  constructor(readonly sys: CompiledSystem, private readonly memory: MemoryModel) {
    const { actorNames, cellNames, layout } = sys;
    this.actorOwner = actorNames.map(() => null);
    this.cellOwner = cellNames.map(() => null);
    this.freeLocals = actorNames.map(() => new Set());
    const width = layout.width;
    this.best = new Int32Array(width);
    this.work = new Int32Array(width);
    this.actorOf = new Int32Array(layout.actorCount);
    this.cellOf = new Int32Array(layout.cellCount);
    this.view = new VectorView(sys);
    this.imageView = new VectorView(sys);
    this.declare();
    this.lastPerms = this.groups.map((g) => new Int32Array(g.size));
    this.livenessAlike = sys.liveness.length > 0;
    this.checkSpecs();
    for (let a = 0; a < actorNames.length; a++) sys.actors[a].onComputed = (l, e, r, t) => this.checkTransition(a, l, e, r, t);
    this.checkInitial();
  }

  /** Whether `sys` declares symmetry. */
  static declared(sys: CompiledSystem): boolean {
    return (sys.definition.symmetry ?? []).length > 0;
  }

  stats(): SymmetryStats {
    const actors = this.actorOwner.filter((o) => o !== null).length;
    const cells = this.cellOwner.filter((o) => o !== null).length;
    const sizes = this.groups.map((g) => g.size);
    const what = [`${actors} actor${actors === 1 ? '' : 's'}`, ...(cells > 0 ? [`${cells} cell${cells === 1 ? '' : 's'}`] : [])].join(' and ');
    const groups = sizes.length === 1 ? `1 group of ${sizes[0]} members` : `${sizes.length} groups of ${sizes.join(', ')} members`;
    return { description: `${what} in ${groups}`, represented: this.representedSum };
  }

  // --- the declaration --------------------------------------------------------------------------

  private declare(): void {
    const { sys } = this;
    const actorIndex = sys.ns.actorIndex, cellIndex = sys.ns.cellIndex;
    (sys.definition.symmetry ?? []).forEach((decl, g) => {
      const members = decl.members;
      if (members.length < 2) fail(`group ${g} has ${members.length} member; a group needs at least two`);
      const width = members[0].length;
      const actors: (Int32Array | null)[] = [];
      const cells: (Int32Array | null)[] = [];
      for (let k = 0; k < width; k++) {
        const isActor = actorIndex.has(members[0][k]);
        actors.push(isActor ? new Int32Array(members.length) : null);
        cells.push(isActor ? null : new Int32Array(members.length));
      }
      members.forEach((names, m) => {
        if (names.length !== width) fail(`group ${g}: member ${m} lists ${names.length} names, member 0 lists ${width}; every member lists its actors and cells in the same order`);
        names.forEach((name, k) => {
          if (this.owner.has(name)) fail(`'${name}' is declared twice`);
          const a = actorIndex.get(name), c = cellIndex.get(name);
          if (a === undefined && c === undefined) fail(`'${name}' is neither an actor nor a cell of the system`);
          if ((a !== undefined) !== (actors[k] !== null)) fail(`group ${g}: '${name}' is ${a !== undefined ? 'an actor' : 'a cell'} where member 0 has ${actors[k] ? 'an actor' : 'a cell'} ('${members[0][k]}')`);
          const o = { group: g, member: m, position: k };
          this.owner.set(name, o);
          if (a !== undefined) { actors[k]![m] = a; this.actorOwner[a] = o; } else { cells[k]![m] = c!; this.cellOwner[c!] = o; }
        });
      });
      if (!actors.some((x) => x !== null)) fail(`group ${g} has no actors`);
      this.groups.push({ size: members.length, names: members, actors, cells });
      this.maxSize = Math.max(this.maxSize, members.length);
    });
  }

  /** What can be told from the definition alone: members' specs alike, nothing else naming one. */
  private checkSpecs(): void {
    const { sys } = this;
    const def = sys.definition;
    const json = (x: unknown, what: string): string => {
      try { return canonicalJson(x); } catch { return fail(`${what} is not plain data, so it cannot be compared between members`); }
    };
    this.groups.forEach((g, gi) => {
      g.actors.forEach((row, k) => {
        if (!row) return;
        const first = sys.actorNames[row[0]];
        const spec0 = def.actors[first];
        for (let m = 1; m < g.size; m++) {
          const name = sys.actorNames[row[m]];
          const spec = def.actors[name];
          const same = (x: unknown, y: unknown, what: string) => {
            if (json(this.rename(x, gi, 0, m), `${first}'s ${what}`) !== json(y, `${name}'s ${what}`)) fail(`${name}'s ${what} is not ${first}'s with the members' names exchanged`);
          };
          same(spec0.input ?? null, spec.input ?? null, 'input');
          same(spec0.spontaneous ?? [], spec.spontaneous ?? [], 'spontaneous events');
          same(spec0.reads ?? [], spec.reads ?? [], 'reads');
          if ((spec0.queueCapacity ?? 4) !== (spec.queueCapacity ?? 4)) fail(`${name}'s queueCapacity differs from ${first}'s`);
        }
        for (let m = 0; m < g.size; m++) {
          if (sys.actors[row[m]].timerEvents.length > 0) fail(`${sys.actorNames[row[m]]} has \`after\` timers, which the reduction does not permute`);
        }
      });
      g.cells.forEach((row, k) => {
        if (!row) return;
        for (let m = 1; m < g.size; m++) {
          if (sys.initialCells[row[m]] !== sys.initialCells[row[0]]) fail(`cell ${sys.cellNames[row[m]]} starts at another value than ${sys.cellNames[row[0]]}`);
        }
        void k;
      });
    });
    // The declarations as a whole must be their own image under each exchange of member 0 with member m
    // (those generate the group): comparing member m's with member 0's alone leaves a third member free
    // to name one of them (m[2] reading own[0] while m[0] and m[1] read own[2]: issue #12's review).
    this.groups.forEach((g, gi) => {
      for (let m = 1; m < g.size; m++) {
        sys.actorNames.forEach((name, a) => {
          const o = this.actorOwner[a];
          if (o === null || (o.group === gi && (o.member === 0 || o.member === m))) return;
          const spec = def.actors[name];
          for (const [what, x] of [['input', spec.input ?? null], ['spontaneous events', spec.spontaneous ?? []], ['reads', spec.reads ?? []]] as const) {
            if (json(this.rename(x, gi, 0, m), `${name}'s ${what}`) !== json(x, `${name}'s ${what}`)) {
              fail(`${name}'s ${what} name${what === 'reads' ? '' : 's'} ${JSON.stringify(g.names[0][0])} or ${JSON.stringify(g.names[m][0])} but not both alike; it would tell the members apart`);
            }
          }
        });
      }
    });
    sys.actorNames.forEach((name, a) => {
      if (this.actorOwner[a] !== null) return;
      const spec = def.actors[name];
      const named = this.firstName(spec.input ?? null) ?? this.firstName(spec.spontaneous ?? []) ?? this.firstName(spec.reads ?? []);
      if (named !== null) fail(`${name}, which is in no group, names '${named}', a member's; it would tell the members apart`);
    });
    for (const c of sys.initialCells) this.checkValue(c);
    // ARM forgets by what each actor may load: that table must be as symmetric as the actors.
    if (sys.loadable) {
      this.groups.forEach((g, gi) => {
        for (let m = 1; m < g.size; m++) {
          this.setTransposition(gi, 0, m);
          for (let a = 0; a < sys.actorNames.length; a++) {
            for (let c = 0; c < sys.cellNames.length; c++) {
              if (sys.loadable![a][c] !== sys.loadable![this.actorOf[a]][this.cellOf[c]]) {
                fail(`under arm, ${sys.actorNames[a]} may load ${sys.cellNames[c]} but ${sys.actorNames[this.actorOf[a]]} may not load ${sys.cellNames[this.cellOf[c]]} (or the other way round)`);
              }
            }
          }
        }
      });
    }
  }

  /** The initial states and entry effects of the members correspond. */
  private checkInitial(): void {
    const { sys } = this;
    for (let a = 0; a < sys.actorNames.length; a++) {
      const init = sys.initialActors[a];
      if (init.local < 0) return; // the exploration reports the failed start
      const o = this.actorOwner[a];
      if (o === null) { this.checkFreeLocal(a, init.local); for (const e of init.effects) this.mapEffect(e, a, null, 0); this.checkBroadcasts(a, init.effects); continue; }
      const g = this.groups[o.group];
      for (let m = 0; m < g.size; m++) {
        if (m === o.member) continue;
        const b = g.actors[o.position]![m];
        const other = sys.initialActors[b];
        if (this.mapLocal(a, b, init.local) !== other.local) fail(`${sys.actorNames[b]} does not start in ${sys.actorNames[a]}'s initial state with the members' names exchanged`);
        const mapped = init.effects.map((e) => this.mapEffect(e, a, o, m));
        if (canonicalJson(mapped) !== canonicalJson(other.effects)) fail(`the entry actions of ${sys.actorNames[b]} differ from ${sys.actorNames[a]}'s`);
      }
    }
  }

  // --- names ---------------------------------------------------------------------------------------

  /** `x` with the names of members `i` and `j` of group `g` exchanged (strings and object keys). */
  rename(x: unknown, g: number, i: number, j: number): unknown {
    const swap = (s: string): string => {
      const o = this.owner.get(s);
      if (!o || o.group !== g) return s;
      if (o.member === i) return this.groups[g].names[j][o.position];
      if (o.member === j) return this.groups[g].names[i][o.position];
      return s;
    };
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return swap(v);
      if (Array.isArray(v)) return v.map(walk);
      if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, w]) => [swap(k), walk(w)]));
      return v;
    };
    return walk(x);
  }

  /** The first declared name in `x` that does not belong to member `own` (any, when own is null). */
  private foreignName(x: unknown, own: Owner | null): string | null {
    let found: string | null = null;
    const test = (s: string) => {
      const o = this.owner.get(s);
      if (o && (own === null || o.group !== own.group || o.member !== own.member)) found ??= s;
    };
    const walk = (v: unknown): void => {
      if (found !== null) return;
      if (typeof v === 'string') test(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (typeof v === 'object' && v !== null) for (const [k, w] of Object.entries(v)) { test(k); walk(w); }
    };
    walk(x);
    return found;
  }

  private firstName(x: unknown): string | null {
    return this.foreignName(x, null);
  }

  private checkValue(id: number): void {
    const value = this.sys.ns.values.values[id];
    if (typeof value === 'string' && this.owner.has(value)) fail(`a cell holds '${value}', a member's name; cell values that name members are not permuted`);
  }

  /** New cell values (interned since the last call) must name no member. */
  private checkValues(): void {
    const values = this.sys.ns.values;
    while (this.valuesChecked < values.size) this.checkValue(this.valuesChecked++);
  }

  private persisted(a: number, id: number): Record<string, unknown> {
    const logic = this.sys.actors[a];
    const p = logic.machine.getPersistedSnapshot(logic.states.snapshot(id)) as Record<string, unknown>;
    return { ...p, children: undefined };
  }

  private checkFreeLocal(a: number, id: number): void {
    if (this.freeLocals[a].has(id)) return;
    const named = this.firstName(this.persisted(a, id));
    if (named !== null) fail(`${this.sys.actorNames[a]}, which is in no group, came to name '${named}', a member's, in its state; it would tell the members apart`);
    this.freeLocals[a].add(id);
  }

  /** Actor `b`'s local state that is actor `a`'s state `id` with their members' names exchanged. */
  mapLocal(a: number, b: number, id: number): number {
    if (a === b) return id;
    const key = a * this.sys.actorNames.length + b;
    const map = (this.localMaps[key] = withRoom(this.localMaps[key] ?? NO_IDS, id + 1));
    if (map[id] !== 0) return map[id] - 1;
    const o = this.actorOwner[a]!, ob = this.actorOwner[b]!;
    const persisted = this.persisted(a, id);
    const named = this.foreignName(persisted, o);
    if (named !== null) fail(`${this.sys.actorNames[a]}'s state names '${named}', which is not its own member's: members may name only their own actors and cells`);
    const renamed = this.rename(persisted, o.group, o.member, ob.member) as Record<string, unknown>;
    const to = this.sys.actors[b];
    const snapshot = restore(to.machine, renamed, this.sys.actorNames[b]);
    const got = to.states.intern(snapshot);
    if (canonicalJson(this.persisted(b, got)) !== canonicalJson(renamed)) fail(`${this.sys.actorNames[a]}'s state cannot be carried over to ${this.sys.actorNames[b]}: their machines differ`);
    // The checker reads the `end` and `error` tags off the state itself, not off its persisted form:
    // the two members' machines must tag it alike (a review in issue #12 found a wrong verified without this).
    const mine = this.sys.actors[a].states.info[id], theirs = to.states.info[got];
    if (mine.atEnd !== theirs.atEnd || mine.inError !== theirs.inError) {
      fail(`${this.sys.actorNames[a]} and ${this.sys.actorNames[b]} tag the state ${JSON.stringify(persisted.value)} differently (end: ${mine.atEnd} and ${theirs.atEnd}, error: ${mine.inError} and ${theirs.inError}): their machines differ`);
    }
    map[id] = got + 1;
    return got;
  }

  /** Event `id` as member `j` of group `g` would see what member `i` sees. */
  mapEvent(g: number, i: number, j: number, id: number): number {
    if (i === j) return id;
    const key = (g * this.maxSize + i) * this.maxSize + j;
    const map = (this.eventMaps[key] = withRoom(this.eventMaps[key] ?? NO_IDS, id + 1));
    if (map[id] !== 0) return map[id] - 1;
    const event = this.sys.ns.events.values[id];
    const named = this.foreignName(event, { group: g, member: i, position: 0 });
    if (named !== null) fail(`event '${event.type}' names '${named}', which is not the member's own: members may name only their own actors and cells`);
    const out = this.sys.ns.events.intern(this.rename(event, g, i, j) as typeof event);
    map[id] = out + 1;
    return out;
  }

  /** Event `id`, which an actor in no group handles or sends: it must name no member. */
  private checkFreeEvent(id: number, who: string, to: string | null = null): void {
    if (this.eventChecked.has(id)) return;
    const event = this.sys.ns.events.values[id];
    const named = this.firstName(event);
    if (named !== null && to !== null) fail(`${who} sends '${event.type}' naming '${named}' to ${to}, which is in no group; it would tell the members apart`);
    if (named !== null) fail(`${who}, which is in no group, handles or sends '${event.type}' naming '${named}', a member's; it would tell the members apart`);
    this.eventChecked.add(id);
  }

  /** An actor (`to`) or cell named by actor `a` (owner `o`), as member `m` of o's group would name it. */
  private mapTarget(owner: (Owner | null)[], index: number, who: string, o: Owner | null, m: number, kind: 'actor' | 'cell'): number {
    const t = owner[index];
    if (t === null) return index;
    const name = kind === 'actor' ? this.sys.actorNames[index] : this.sys.cellNames[index];
    if (o === null || t.group !== o.group || t.member !== o.member) fail(`${who} names ${kind} '${name}', which is not its own member's: ${o === null ? 'an actor in no group may name no member' : 'members may name only their own actors and cells'}`);
    const g = this.groups[t.group];
    return (kind === 'actor' ? g.actors[t.position]! : g.cells[t.position]!)[m];
  }

  /** Effect `e` of actor `a` (owner `o`, null: in no group) as member `m` would have it. */
  private mapEffect(e: Effect, a: number, o: Owner | null, m: number): Effect {
    const who = this.sys.actorNames[a];
    const ev = (id: number) => { if (o === null) { this.checkFreeEvent(id, who); return id; } return this.mapEvent(o.group, o.member, m, id); };
    const plain = (x: unknown) => {
      const named = this.foreignName(x, o);
      if (named !== null) fail(`${who} names '${named}', which is not its own member's`);
      return o === null ? x : this.rename(x, o.group, o.member, m);
    };
    switch (e.kind) {
      case EffectKind.Post: case EffectKind.Call:
        // An actor in no group may post to members, all alike (checkBroadcasts); it may not call one.
        if (o === null && e.kind === EffectKind.Post && this.actorOwner[e.to] !== null) { ev(e.event); return e; }
        // What a member sends to an actor in no group must not tell the members apart, even while it waits in a queue.
        if (o !== null && this.actorOwner[e.to] === null) this.checkFreeEvent(e.event, who, this.sys.actorNames[e.to]);
        return { ...e, to: this.mapTarget(this.actorOwner, e.to, who, o, m, 'actor'), event: ev(e.event) };
      case EffectKind.Reply: return { ...e, event: ev(e.event) };
      case EffectKind.Write: this.checkValue(e.value); return { ...e, cell: this.mapTarget(this.cellOwner, e.cell, who, o, m, 'cell') };
      case EffectKind.Load: return { ...e, cell: this.mapTarget(this.cellOwner, e.cell, who, o, m, 'cell'), reply: plain(e.reply) as string };
      case EffectKind.Rmw:
        return { ...e, cell: this.mapTarget(this.cellOwner, e.cell, who, o, m, 'cell'), a: plain(e.a) as typeof e.a, b: plain(e.b) as typeof e.b, reply: plain(e.reply) as string };
      case EffectKind.Fail: return { ...e, message: plain(e.message) as string };
      case EffectKind.ArmTimer: case EffectKind.CancelTimer:
        if (o !== null) fail(`${who} arms a timer, which the reduction does not permute`);
        return e;
      default: return e;
    }
  }

  /**
   * A transition actor `a` just computed: an actor in no group may name no member; a member's is
   * computed again for every other member of its group, renamed, and must agree.
   */
  private checkTransition(a: number, local: number, event: number, readTuple: number, t: LocalTransition): void {
    const { sys } = this;
    const logic = sys.actors[a];
    const reads = logic.readValues(readTuple);
    for (const r of reads) this.checkValue(r);
    const o = this.actorOwner[a];
    if (o === null) {
      this.checkFreeLocal(a, local);
      this.checkFreeEvent(event, sys.actorNames[a]);
      this.checkFreeLocal(a, t.next);
      for (const e of t.effects) this.mapEffect(e, a, null, 0);
      this.checkBroadcasts(a, t.effects);
      return;
    }
    const g = this.groups[o.group];
    for (let m = 0; m < g.size; m++) {
      if (m === o.member) continue;
      const b = g.actors[o.position]![m];
      const other = sys.actors[b];
      const u = other.lookup(this.mapLocal(a, b, local), this.mapEvent(o.group, o.member, m, event), other.readTupleOfValues(reads));
      const differs = (what: string) => fail(`${sys.actorNames[a]} and ${sys.actorNames[b]} behave differently on '${sys.ns.events.values[event].type}' in ${JSON.stringify(logic.states.snapshot(local).value)} (${what}); the members of a group must run the same machine up to their names`);
      if (t.accepts !== u.accepts || t.handled !== u.handled) differs('one takes the event, the other does not');
      if ((t.error === null) !== (u.error === null)) differs('one throws');
      if ((t.violation?.property ?? null) !== (u.violation?.property ?? null)) differs('one violates a property');
      if (t.error !== null) continue;
      if (this.mapLocal(a, b, t.next) !== u.next) differs('different next states');
      const mapped = t.effects.map((e) => this.mapEffect(e, a, o, m));
      if (canonicalJson(mapped) !== canonicalJson(u.effects)) differs('different actions');
    }
  }

  /**
   * Posts by actor `a`, in no group, to members: exchanging two members must leave them as they are, up
   * to the order within a run of posts (posts to distinct queues commute), so it posts to all alike.
   */
  private checkBroadcasts(a: number, effects: Effect[]): void {
    if (!effects.some((e) => e.kind === EffectKind.Post && this.actorOwner[e.to] !== null)) return;
    const own = canonicalJson(sortedPostRuns(effects));
    this.groups.forEach((g, gi) => {
      for (let j = 1; j < g.size; j++) {
        this.setTransposition(gi, 0, j);
        const swapped = effects.map((e) => (e.kind === EffectKind.Post ? { ...e, to: this.actorOf[e.to] } : e));
        if (canonicalJson(sortedPostRuns(swapped)) !== own) {
          fail(`${this.sys.actorNames[a]}, which is in no group, posts to members of group ${gi} but not alike to all (${JSON.stringify(g.names[0][0])} and ${JSON.stringify(g.names[j][0])} would be told apart); an actor in no group may post to members only in one run of posts that treats them all alike`);
        }
      }
    });
  }

  // --- permuting state vectors -------------------------------------------------------------------

  /** Sets actorOf/cellOf to the transposition of members i and j of group g. */
  private setTransposition(g: number, i: number, j: number): void {
    const perm = Int32Array.from({ length: this.groups[g].size }, (_, k) => k);
    perm[i] = j; perm[j] = i;
    this.setPermutation(g, perm);
  }

  /** actorOf/cellOf for `perm` (member m goes to member perm[m]) of group g. */
  private setPermutation(g: number, perm: Int32Array): void {
    const { actorOf, cellOf } = this;
    for (let a = 0; a < actorOf.length; a++) actorOf[a] = a;
    for (let c = 0; c < cellOf.length; c++) cellOf[c] = c;
    const group = this.groups[g];
    for (let m = 0; m < group.size; m++) {
      for (const row of group.actors) if (row) actorOf[row[m]] = row[perm[m]];
      for (const row of group.cells) if (row) cellOf[row[m]] = row[perm[m]];
    }
  }

  /** `out` = `v` with the members of group `g` moved by `perm` (member m to perm[m]). */
  image(v: Int32Array, g: number, perm: Int32Array, out: Int32Array): void {
    const { layout } = this.sys;
    this.setPermutation(g, perm);
    out.set(v);
    const group = this.groups[g];
    for (let m = 0; m < group.size; m++) {
      const to = perm[m];
      for (const row of group.actors) {
        if (!row) continue;
        const a = row[m], b = row[to];
        out[b] = this.mapLocal(a, b, v[a]);
        const qa = layout.queueBase[a], qb = layout.queueBase[b];
        const len = v[qa];
        out[qb] = len;
        for (let s = 1; s <= layout.queueCapacity[a]; s++) out[qb + s] = s <= len ? this.mapEvent(g, m, to, v[qa + s]) : 0;
      }
      for (const row of group.cells) if (row) out[layout.cellBase + row[to]] = v[layout.cellBase + row[m]];
    }
    this.memory.permute(v, out, this.actorOf, this.cellOf);
    this.memory.normalize(out);
  }

  // --- permutations as numbers, for the fair-cycle search over the cover (checker/symmetryCover.ts) ---

  /** How many permutations the groups have together (at most MAX_AUDITED where the reduction applies). */
  get permutationCount(): number {
    return Symmetry.images(this.groups.map((g) => g.size));
  }

  /** The number of the permutation the last `canonical` moved the members by: its representative is `v`'s image under it. */
  get lastPermutation(): number {
    return this.permutationNumber(this.lastPerms);
  }

  /** Each group's permutation ranked (Lehmer code), the ranks read as the digits of one mixed-radix number. */
  private permutationNumber(perms: readonly Int32Array[]): number {
    let id = 0, base = 1;
    for (let g = 0; g < perms.length; g++) {
      const p = perms[g], n = p.length;
      let rank = 0;
      for (let i = 0; i < n; i++) {
        let smaller = 0;
        for (let j = i + 1; j < n; j++) if (p[j] < p[i]) smaller++;
        rank = rank * (n - i) + smaller;
      }
      id += rank * base;
      base *= factorial(n);
    }
    return id;
  }

  /** Permutation `id`, one array per group. */
  permutation(id: number): readonly Int32Array[] {
    if (this.permTable === null) {
      const table: Int32Array[][] = [];
      const fill = (g: number, chosen: Int32Array[]): void => {
        if (g === this.groups.length) { table[this.permutationNumber(chosen)] = chosen.map((p) => p.slice()); return; }
        const order = Array.from({ length: this.groups[g].size }, (_, k) => k);
        permutations(order, () => fill(g + 1, [...chosen, Int32Array.from(order)]));
      };
      fill(0, []);
      this.permTable = table;
    }
    return this.permTable[id];
  }

  /** The number of the permutation that moves by the inverse of `p`, then by `s` (s after p^-1). */
  composeInverse(s: number, p: number): number {
    const count = this.permutationCount;
    const table = (this.composed ??= new Int32Array(count * count));
    const at = s * count + p;
    if (table[at] !== 0) return table[at] - 1;
    const ps = this.permutation(s), pp = this.permutation(p);
    const out = ps.map((sg, g) => {
      const r = new Int32Array(sg.length);
      for (let m = 0; m < sg.length; m++) r[pp[g][m]] = sg[m];
      return r;
    });
    const id = this.permutationNumber(out);
    table[at] = id + 1;
    return id;
  }

  /** The number of the permutation that undoes `p`. */
  inverse(p: number): number {
    return this.composeInverse(0, p); // the identity's number is 0: every rank is 0
  }

  /** `out` = `v` with the members moved by permutation `id`. */
  imageUnder(v: Int32Array, id: number, out: Int32Array): void {
    const perms = this.permutation(id);
    const scratch = this.scratchFor(1);
    out.set(v);
    for (let g = 0; g < perms.length; g++) {
      this.image(out, g, perms[g], scratch);
      out.set(scratch);
    }
  }

  /**
   * The numbers of the permutations that leave the representative `v` as it is (its stabiliser), the
   * identity's (0) first. Found from the orbit's size (the permutations over it), so only a state with
   * members alike enumerates the permutations.
   */
  stabilizer(v: Int32Array): number[] {
    const count = this.permutationCount;
    const canon = this.scratchFor(2 + this.groups.length);
    this.canonical(v, canon);
    if (this.lastOrbit === count) return [0];
    const image = this.scratchFor(3 + this.groups.length);
    const fixing = [0];
    for (let id = 1; id < count; id++) {
      this.imageUnder(v, id, image);
      if (compareVectors(image, v) === 0) fixing.push(id);
    }
    return fixing;
  }

  /** The actor that actor `a` becomes under permutation `id`. */
  actorUnder(id: number, a: number): number {
    let map = this.actorMaps[id];
    if (map === undefined) {
      map = Int32Array.from({ length: this.actorOwner.length }, (_, k) => k);
      const perms = this.permutation(id);
      this.groups.forEach((group, g) => {
        for (const row of group.actors) if (row) for (let m = 0; m < group.size; m++) map![row[m]] = row[perms[g][m]];
      });
      this.actorMaps[id] = map;
    }
    return map[a];
  }

  /** The event `event`, as actor `a` takes it, becomes under permutation `id` (as its image actor takes it). */
  eventUnder(id: number, a: number, event: number): number {
    const o = this.actorOwner[a];
    return o === null ? event : this.mapEvent(o.group, o.member, this.permutation(id)[o.group][o.member], event);
  }

  /** The size of the orbit of the state last canonicalised (its stored representative's). */
  get lastOrbitSize(): number {
    return this.lastOrbit;
  }

  /**
   * Counts a new representative's orbit towards `represented`. Every image of a reachable state is
   * reachable only when the initial state is its own image (ARM's write history may order the members'
   * initial writes apart): otherwise orbits stand for states the search never meets, and no sum is given.
   */
  countRepresentative(): void {
    if (this.representatives++ === 0 && this.lastOrbit !== 1) this.representedSum = null;
    if (this.representedSum !== null) this.representedSum += this.lastOrbit;
  }

  private representatives = 0;

  /**
   * Writes into `out` the canonical representative of `v`'s orbit, group by group: members sorted by a
   * signature of what they hold (their local states, queues and cells, in member 0's names), then the
   * least image (lexicographically) over the permutations that keep that order. Any image is sound;
   * this one depends only on the orbit (within MAX_CANDIDATES), so the reduction is as large as it can be.
   */
  canonical(v: Int32Array, out: Int32Array): void {
    this.checkValues();
    out.set(v);
    let orbit = 1;
    for (let g = 0; g < this.groups.length; g++) orbit *= this.canonicalGroup(g, out);
    this.lastOrbit = orbit;
  }

  private canonicalGroup(g: number, v: Int32Array): number {
    const group = this.groups[g];
    const n = group.size;
    const { layout } = this.sys;
    // Each member's signature, into arrays kept for the next state (this runs for every successor).
    const sigs = (this.sigs[g] ??= Array.from({ length: n }, () => []));
    for (let m = 0; m < n; m++) {
      const sig = sigs[m];
      sig.length = 0;
      for (const row of group.actors) {
        if (!row) continue;
        const a = row[m];
        sig.push(this.mapLocal(a, row[0], v[a]));
        const qa = layout.queueBase[a];
        sig.push(v[qa]);
        for (let s = 1; s <= v[qa]; s++) sig.push(this.mapEvent(g, m, 0, v[qa + s]));
      }
      for (const row of group.cells) if (row) sig.push(v[layout.cellBase + row[m]]);
    }
    // Members by signature, then by index: an insertion sort, groups being small.
    const order = (this.orders[g] ??= new Array<number>(n));
    for (let m = 0; m < n; m++) {
      let p = m;
      while (p > 0 && compareArrays(sigs[order[p - 1]], sigs[m]) > 0) { order[p] = order[p - 1]; p--; }
      order[p] = m;
    }
    // Tie classes: runs of equal signatures in `order`; slots within a class may be assigned any way.
    const classes: number[][] = [];
    for (let p = 0; p < n; p++) {
      if (p > 0 && compareArrays(sigs[order[p - 1]], sigs[order[p]]) === 0) classes[classes.length - 1].push(p);
      else classes.push([p]);
    }
    let candidates = 1;
    for (const c of classes) for (let k = 2; k <= c.length; k++) candidates *= k;
    const exact = candidates <= MAX_CANDIDATES;
    if (!exact) this.representedSum = null;
    const perm = new Int32Array(n);
    const scratch = this.scratchFor(0);
    const moved = this.lastPerms[g];
    if (candidates === 1) {
      // No two members alike (the common case): the order is the one candidate, and no image ties with it.
      for (let p = 0; p < n; p++) perm[order[p]] = p;
      this.image(v, g, perm, scratch);
      v.set(scratch);
      moved.set(perm);
      return factorial(n);
    }
    const best = this.best;
    let found = false, ties = 0;
    const slots = classes.map((c) => c.slice());
    const visit = () => {
      for (let ci = 0; ci < classes.length; ci++) classes[ci].forEach((p, k) => { perm[order[p]] = slots[ci][k]; });
      this.image(v, g, perm, scratch);
      const c = found ? compareVectors(scratch, best) : -1;
      if (c < 0) { best.set(scratch); moved.set(perm); found = true; ties = 1; } else if (c === 0) ties++;
    };
    const permuteClass = (ci: number): void => {
      if (ci === classes.length) visit();
      else permutations(slots[ci], () => permuteClass(ci + 1));
    };
    if (exact) permuteClass(0); else visit();
    v.set(best);
    return exact ? factorial(n) / ties : 1;
  }

  /** Per group, the members' signatures and their order, kept from one state to the next. */
  private readonly sigs: number[][][] = [];
  private readonly orders: number[][] = [];

  private scratchFor(k: number): Int32Array {
    while (this.scratch.length <= k) this.scratch.push(new Int32Array(this.sys.layout.width));
    return this.scratch[k];
  }

  // --- properties ----------------------------------------------------------------------------------

  /**
   * Properties must judge a state and its images alike. Audited on every representative stored (`v`):
   * against the state the search reached it as (`concrete`), and against every image of it under the
   * members' permutations. Every reachable state is such an image of a representative, so each is
   * judged, in effect: a property that singles out a member is refused wherever it tells two images
   * apart, and otherwise the representative's judgement is that of every state it stands for. (The
   * exchanges of member 0 with each other member generate the group, but comparing the images of the
   * representatives alone under them misses states only reached as other images: issue #12's review.)
   */
  auditProperties(v: Int32Array, concrete: Int32Array): void {
    const own = this.judgements(v, this.view, this.ownJudgements);
    if (this.livenessAlike) this.livenessJudgements(v, this.view, this.ownLiveness);
    this.audited = v;
    if (compareVectors(concrete, v) !== 0) this.compareJudgements(own, concrete, () => 'a state and its image under a permutation of the members');
    this.eachImage(v, 0, this.auditVisit);
  }

  /** The state `auditProperties` audits (its judgements are in `ownJudgements`), for `auditVisit`. */
  private audited: Int32Array | null = null;
  private readonly auditVisit = (image: Int32Array): void => {
    if (compareVectors(image, this.audited!) !== 0) this.compareJudgements(this.ownJudgements, image, () => `a state and the same state with its members moved (${this.movedText()})`);
  };

  /**
   * Every liveness trigger and goal has judged each stored state alike with all its images (and the
   * state it was reached as), so far. Liveness properties may single out a member: the fair-cycle
   * search then judges them on each concrete state (checker/symmetryCover.ts), and needs to only
   * where this is false.
   */
  livenessAlike: boolean;
  private readonly ownLiveness: string[] = [];
  private readonly otherLiveness: string[] = [];

  private livenessJudgements(v: Int32Array, view: VectorView, out: string[]): string[] {
    view.v = v;
    const liveness = this.sys.liveness;
    for (let i = 0; i < liveness.length; i++) {
      const p = liveness[i][1];
      try { out[2 * i] = judgedTrue(p.trigger(view)) ? 'true' : 'false'; } catch { out[2 * i] = 'threw'; }
      try { out[2 * i + 1] = judgedTrue(p.goal(view)) ? 'true' : 'false'; } catch { out[2 * i + 1] = 'threw'; }
    }
    return out;
  }

  /** Which members the image `eachImage` gave last moved where, for a message: only a failed audit needs it. */
  private movedText(): string {
    const moved: string[] = [];
    this.groups.forEach((group, g) => {
      const perm = this.imagePerms[g];
      for (let m = 0; m < group.size; m++) if (perm[m] !== m) moved.push(`${JSON.stringify(group.names[m][0])} to ${JSON.stringify(group.names[perm[m]][0])}`);
    });
    return moved.join(', ');
  }

  /** Permutations audited for each state stored at the most; a declaration needing more is not applied (checker/symmetryChoice.ts). */
  static readonly MAX_AUDITED = 720;

  /** The number of images `auditProperties` judges a state against: the product of the groups' sizes' factorials. */
  static images(sizes: readonly number[]): number {
    return sizes.reduce((n, size) => n * factorial(size), 1);
  }

  /** Per group, the permutation of its members in the image `eachImage` visits (`movedText` words it). */
  private readonly imagePerms: Int32Array[] = [];

  /** Calls `visit` with each image of `v` under the permutations of groups g and after. */
  private eachImage(v: Int32Array, g: number, visit: (image: Int32Array) => void): void {
    if (g === this.groups.length) { visit(v); return; }
    const group = this.groups[g];
    const order = Array.from({ length: group.size }, (_, k) => k);
    const image = this.scratchFor(2 + g);
    const perm = (this.imagePerms[g] ??= new Int32Array(group.size));
    permutations(order, () => {
      for (let m = 0; m < group.size; m++) perm[m] = order[m];
      this.image(v, g, perm, image);
      this.eachImage(image, g + 1, visit);
    });
  }

  private readonly ownJudgements: string[] = [];
  private readonly otherJudgements: string[] = [];

  /** Each property's judgement of `v`, into `out`. */
  private judgements(v: Int32Array, view: VectorView, out: string[]): string[] {
    view.v = v;
    const checks = this.checks;
    for (let i = 0; i < checks.length; i++) {
      try { out[i] = checks[i][1](view) ? 'true' : 'false'; } catch { out[i] = 'threw'; }
    }
    return out;
  }

  private compareJudgements(own: string[], other: Int32Array, what: () => string): void {
    if (this.livenessAlike) {
      const mine = this.ownLiveness, theirs = this.livenessJudgements(other, this.imageView, this.otherLiveness);
      for (let i = 0; i < mine.length; i++) if (mine[i] !== theirs[i]) { this.livenessAlike = false; break; }
    }
    const theirs = this.judgements(other, this.imageView, this.otherJudgements);
    const checks = this.checks;
    for (let i = 0; i < checks.length; i++) {
      if (own[i] !== theirs[i]) fail(`${checks[i][0]} judges ${what()} differently; properties must treat the members of a group alike`);
    }
  }

  /** Every judgement a property makes of a state, as a yes or no. */
  private get checks(): [string, Check][] {
    const { sys } = this;
    const endState = sys.definition.endState;
    this.checkList ??= [
      ...sys.invariants.map(([name, p]): [string, Check] => [`invariant ${name}`, (w) => violationMessage(p.holds(w), '') === null]),
      ...sys.stalls.map(([name, p]): [string, Check] => [`stall property ${name}`, (w) => Boolean(p.outstanding(w))]),
      ...sys.goals.map(([name, p]): [string, Check] => [goalCheck(name), (w) => judgedTrue(p.goal(w))]),
      ...(endState ? [['endState', (w: VectorView) => Boolean(endState(w))] as [string, Check]] : []),
    ];
    return this.checkList;
  }

  private checkList: [string, Check][] | null = null;

  /**
   * Goal `name` has its witness: the search judges it no more, so neither does the audit (a goal's
   * judgement of the states after that decides nothing; for kvm-vcpu-kick, about half the audit's work).
   */
  goalReached(name: string): void {
    this.checkList = this.checks.filter(([what]) => what !== goalCheck(name));
  }
}

/** Actor `name`'s machine's snapshot from its persisted form (no children: the checker refuses them). */
function restore(machine: AnyStateMachine, persisted: Record<string, unknown>, name: string): AnyMachineSnapshot {
  try {
    return machine.restoreSnapshot!({ ...persisted, children: {} } as any, { self: undefined } as any) as AnyMachineSnapshot;
  } catch (e) {
    return fail(`a member's state cannot be restored in ${name}'s machine (${e instanceof Error ? e.message : String(e)}): their machines differ`);
  }
}

/** `effects` with each run of consecutive posts ordered by target (stable: posts to one queue keep their order). */
function sortedPostRuns(effects: Effect[]): Effect[] {
  const out = [...effects];
  for (let i = 0; i < out.length;) {
    let j = i;
    while (j < out.length && out[j].kind === EffectKind.Post) j++;
    if (j - i > 1) out.splice(i, j - i, ...out.slice(i, j).sort((x, y) => (x as { to: number }).to - (y as { to: number }).to));
    i = j === i ? i + 1 : j;
  }
  return out;
}

/** How the audit names goal `name`'s judgement, in `checks` and its messages. */
const goalCheck = (name: string): string => `reachability goal ${name}`;

/** An id map with room for nothing yet, grown with `withRoom` as ids come. */
const NO_IDS = new Int32Array(0);

/** n!: the permutations of n members. */
function factorial(n: number): number {
  let f = 1;
  for (let k = 2; k <= n; k++) f *= k;
  return f;
}

function compareArrays(x: readonly number[], y: readonly number[]): number {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function compareVectors(x: Int32Array, y: Int32Array): number {
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/** Calls `visit` with `items` in each of its orders (Heap's algorithm, in place); `items` ends as it began for n <= 2. */
function permutations(items: number[], visit: () => void): void {
  const n = items.length;
  const c = new Array<number>(n).fill(0);
  visit();
  let i = 0;
  while (i < n) {
    if (c[i] < i) {
      const k = i % 2 === 0 ? 0 : c[i];
      [items[k], items[i]] = [items[i], items[k]];
      visit();
      c[i]++;
      i = 0;
    } else { c[i] = 0; i++; }
  }
}
