// Random symmetric systems for the symmetry reduction's property tests (test/symmetryRandom.test.ts):
// one random "member" machine run by k actors m[0..k) (each built afresh for its member, with its own
// cell own[i] and its own name in its context), and a hub, in no group, that the members post to and
// call, and that posts to every member alike (a broadcast, in member order or reversed). A shared cell
// s is written by both. The properties name no member: they count members, so they are symmetric.
// Built from plain data, as test/reference/randomSystem.ts, so fast-check can shrink and print them.
import fc from 'fast-check';
import { assign, setup } from 'xstate';
import { call, cellsOf, defineSystem, fail, invariant, post, reply, smp_mb, stall, symmetryGroup, write } from '../../checker/index.ts';
import type { SystemDefinition } from '../../checker/index.ts';

export type MemberAction =
  | { k: 'writeOwn'; value: number }
  | { k: 'writeShared'; value: number }
  | { k: 'post'; msg: 'm1' | 'm2' }
  | { k: 'call' }
  | { k: 'inc' }
  | { k: 'fence' }
  | { k: 'fail' };

export type HubAction =
  | { k: 'broadcast'; reversed: boolean }
  | { k: 'writeShared'; value: number }
  | { k: 'inc' };

export type Guard = null | { k: 'own' | 'shared' | 'ctx'; value: number };

export interface MemberState {
  kind: 'plain' | 'end' | 'final';
  on: { event: 'tick' | 'go' | 'ping' | 'ack'; guard: Guard; target: number | null; actions: MemberAction[] }[];
  entry: MemberAction[];
}

export interface HubState {
  on: { event: 'm1' | 'm2' | 'req' | 'tick'; guard: Guard; target: number | null; actions: HubAction[] }[];
  /** A watchdog: a hub timer (members have none: the reduction does not permute timers). */
  after: { target: number | null; actions: HubAction[] } | null;
}

export interface SymmetricData {
  members: number;
  member: { states: MemberState[]; spontaneous: ('tick' | 'go')[]; reads: boolean; queueCapacity: number };
  hub: { states: HubState[]; tick: boolean; reads: boolean; queueCapacity: number };
  /** Violated when at least `count` members are in state `state` (mutual exclusion, for count 2). */
  crowd: { state: number; count: number } | null;
  /** Work is outstanding when s holds `value` or the hub has messages in flight. */
  stall: { value: number } | null;
  onQueueFull: 'bound' | 'violation';
  deadlock: boolean;
}

const guardArb: fc.Arbitrary<Guard> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(null) },
  { weight: 3, arbitrary: fc.record({ k: fc.constantFrom('own' as const, 'shared' as const, 'ctx' as const), value: fc.nat(1) }) },
);

const memberActionArb = (buggy: boolean): fc.Arbitrary<MemberAction> => fc.oneof(
  { weight: 5, arbitrary: fc.record({ k: fc.constant('writeOwn' as const), value: fc.nat(2) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('writeShared' as const), value: fc.nat(2) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('post' as const), msg: fc.constantFrom('m1' as const, 'm2' as const) }) },
  { weight: 2, arbitrary: fc.constant({ k: 'call' as const }) },
  { weight: 3, arbitrary: fc.constant({ k: 'inc' as const }) },
  { weight: 1, arbitrary: fc.constant({ k: 'fence' as const }) },
  { weight: buggy ? 1 : 0, arbitrary: fc.constant({ k: 'fail' as const }) },
);

const hubActionArb: fc.Arbitrary<HubAction> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('broadcast' as const), reversed: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('writeShared' as const), value: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.constant({ k: 'inc' as const }) },
);

const target = (index: number, count: number) => fc.oneof(
  { weight: 3, arbitrary: fc.constant((index + 1) % count) },
  { weight: 2, arbitrary: fc.nat(count - 1) },
  { weight: 1, arbitrary: fc.constant(null) },
);

function memberStateArb(count: number, index: number, buggy: boolean): fc.Arbitrary<MemberState> {
  const transition = fc.record({
    event: fc.constantFrom('tick' as const, 'tick' as const, 'go' as const, 'ping' as const, 'ack' as const),
    guard: guardArb,
    target: target(index, count),
    actions: fc.array(memberActionArb(buggy), { maxLength: 2 }),
  });
  return fc.record({
    kind: fc.constantFrom<MemberState['kind'][]>(...(index === 0 ? ['plain' as const] : ['plain' as const, 'plain' as const, 'end' as const, 'final' as const])),
    on: fc.tuple(transition, fc.array(transition, { maxLength: 3 })).map(([lead, rest]) => [{ ...lead, event: 'tick' as const }, ...rest]),
    entry: fc.oneof({ weight: 4, arbitrary: fc.constant([] as MemberAction[]) }, { weight: 1, arbitrary: fc.array(memberActionArb(buggy), { minLength: 1, maxLength: 2 }) }),
  });
}

function hubStateArb(count: number, index: number): fc.Arbitrary<HubState> {
  const transition = fc.record({
    event: fc.constantFrom('m1' as const, 'm2' as const, 'req' as const, 'tick' as const),
    guard: guardArb,
    target: target(index, count),
    actions: fc.array(hubActionArb, { maxLength: 2 }),
  });
  return fc.record({
    on: fc.array(transition, { minLength: 1, maxLength: 3 }),
    after: fc.option(fc.record({ target: fc.option(fc.nat(count - 1)), actions: fc.array(hubActionArb, { maxLength: 1 }) }), { freq: 4 }),
  });
}

/** About a quarter of the systems have a member that may fail(). */
export const symmetricDataArb: fc.Arbitrary<SymmetricData> = fc.tuple(fc.constantFrom(2, 2, 3), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom(false, false, false, true))
  .chain(([members, memberStates, hubStates, buggy]) => fc.record({
    members: fc.constant(members),
    member: fc.record({
      states: fc.tuple(...Array.from({ length: memberStates }, (_, i) => memberStateArb(memberStates, i, buggy))),
      spontaneous: fc.constantFrom<('tick' | 'go')[]>(['tick'], ['tick'], ['tick', 'go']),
      reads: fc.boolean(),
      queueCapacity: fc.integer({ min: 1, max: 2 }),
    }),
    hub: fc.record({
      states: fc.tuple(...Array.from({ length: hubStates }, (_, i) => hubStateArb(hubStates, i))),
      tick: fc.boolean(),
      reads: fc.boolean(),
      queueCapacity: fc.integer({ min: 1, max: 3 }),
    }),
    crowd: fc.option(fc.record({ state: fc.nat(memberStates - 1), count: fc.integer({ min: 2, max: members }) }), { freq: 2 }),
    stall: fc.option(fc.record({ value: fc.nat(2) }), { freq: 3 }),
    onQueueFull: fc.constantFrom('bound' as const, 'bound' as const, 'violation' as const),
    deadlock: fc.constantFrom(true, true, false),
  }));

export const memberName = (i: number) => `m[${i}]`;
export const ownCell = (i: number) => `own[${i}]`;

function guardOf(g: Guard, own: string): any {
  if (g === null) return undefined;
  if (g.k === 'ctx') return ({ context }: { context: { n: number } }) => context.n === g.value;
  const cell = g.k === 'own' ? own : 's';
  // Without reads the event carries no cells: the guard then never holds (cellsOf throws on undeclared cells).
  return ({ event }: { event: any }) => (event.cells === undefined ? false : cellsOf(event)[cell] === g.value);
}

const inc = assign({ n: ({ context }: { context: { n: number } }) => (context.n + 1) % 2 });

function memberActions(actions: MemberAction[], own: string): any[] {
  return actions.map((a) => {
    switch (a.k) {
      case 'writeOwn': return write(own, a.value);
      case 'writeShared': return write('s', a.value);
      case 'post': return post('hub', { type: a.msg });
      case 'call': return call('hub', { type: 'req' });
      case 'inc': return inc;
      case 'fence': return smp_mb();
      case 'fail': return fail('generated member assertion');
    }
  });
}

function hubActions(actions: HubAction[], members: number): any[] {
  return actions.flatMap((a) => {
    switch (a.k) {
      case 'broadcast': {
        const order = Array.from({ length: members }, (_, i) => i);
        if (a.reversed) order.reverse();
        return order.map((i) => post(memberName(i), { type: 'ping' }));
      }
      case 'writeShared': return [write('s', a.value)];
      case 'inc': return [inc];
    }
  });
}

/** Member i's machine: the same data, built afresh, naming its own cell (a distinct machine object per member). */
function memberMachine(data: SymmetricData, i: number) {
  const own = ownCell(i);
  const states: Record<string, any> = {};
  data.member.states.forEach((s, k) => {
    if (s.kind === 'final') { states[`s${k}`] = { type: 'final' }; return; }
    const on: Record<string, any[]> = {};
    for (const t of s.kind === 'end' ? s.on.filter((t) => t.event === 'ping' || t.event === 'ack') : s.on) {
      const config: any = { actions: memberActions(t.actions, own) };
      if (t.target !== null) config.target = `s${t.target}`;
      const guard = guardOf(t.guard, own);
      if (guard) config.guard = guard;
      (on[t.event] ??= []).push(config);
    }
    for (const m of ['ping', 'ack']) (on[m] ??= []).push({});
    states[`s${k}`] = { on, entry: memberActions(s.entry, own), ...(s.kind === 'end' ? { tags: ['end'] } : {}) };
  });
  return setup({ types: {} as { context: { n: number; self: string } } }).createMachine({
    id: 'member', initial: 's0',
    // Without input in XState's inert actor (see randomSystem.ts): no TypeError thrown and caught on every step.
    context: ({ input }: { input?: { self: string } }) => ({ n: 0, self: input?.self ?? '' }),
    states,
  } as any);
}

function hubMachine(data: SymmetricData) {
  const states: Record<string, any> = {};
  data.hub.states.forEach((s, k) => {
    const on: Record<string, any[]> = {};
    for (const t of s.on) {
      const config: any = { actions: [...hubActions(t.actions, data.members), ...(t.event === 'req' ? [reply({ type: 'ack' })] : [])] };
      if (t.target !== null) config.target = `h${t.target}`;
      const guard = guardOf(t.guard, 's');
      if (guard) config.guard = guard;
      (on[t.event] ??= []).push(config);
    }
    // Fallbacks: ignore stray messages and answer every call, so that calls complete.
    for (const m of ['m1', 'm2']) (on[m] ??= []).push({});
    (on.req ??= []).push({ actions: reply({ type: 'ack' }) });
    const node: any = { on, tags: ['end'] };
    if (s.after) node.after = { 100: { ...(s.after.target === null ? {} : { target: `h${s.after.target}` }), actions: hubActions(s.after.actions, data.members) } };
    states[`h${k}`] = node;
  });
  return setup({ types: {} as { context: { n: number } } }).createMachine({ id: 'hub', initial: 'h0', context: { n: 0 }, states } as any);
}

export function buildSymmetricSystem(data: SymmetricData): SystemDefinition {
  const k = data.members;
  const actors: SystemDefinition['actors'] = {};
  for (let i = 0; i < k; i++) {
    actors[memberName(i)] = {
      machine: memberMachine(data, i),
      input: { self: memberName(i) },
      spontaneous: data.member.spontaneous.map((type) => ({ type })),
      reads: data.member.reads ? [ownCell(i), 's'] : [],
      queueCapacity: data.member.queueCapacity,
    };
  }
  actors.hub = { machine: hubMachine(data), spontaneous: data.hub.tick ? [{ type: 'tick' }] : [], reads: data.hub.reads ? ['s'] : [], queueCapacity: data.hub.queueCapacity };
  const cells: Record<string, number> = { s: 0 };
  for (let i = 0; i < k; i++) cells[ownCell(i)] = 0;
  const properties: NonNullable<SystemDefinition['properties']> = {};
  const names = Array.from({ length: k }, (_, i) => memberName(i));
  const crowd = data.crowd;
  if (crowd) {
    properties.crowded = invariant((g) => names.filter((n) => g.actors[n].matches(`s${crowd.state}`)).length < crowd.count || `${crowd.count} members in s${crowd.state}`);
  }
  const st = data.stall;
  if (st) properties.hubBusy = stall((g) => (g.cells.s === st.value && 's holds the stall value') || (g.inFlight.hub.length > 0 && 'the hub has messages in flight'));
  return defineSystem({
    name: 'random-symmetric',
    actors,
    cells,
    properties,
    onQueueFull: data.onQueueFull,
    deadlock: data.deadlock,
    symmetry: [symmetryGroup(k, (i) => [memberName(i), ownCell(i)])],
  });
}

/** The members of the system's group, as permutation maps of names (actor and cell). */
export function memberPermutations(k: number): Map<string, string>[] {
  const perms: number[][] = [];
  const go = (prefix: number[]) => {
    if (prefix.length === k) { perms.push(prefix); return; }
    for (let i = 0; i < k; i++) if (!prefix.includes(i)) go([...prefix, i]);
  };
  go([]);
  return perms.map((p) => new Map(p.flatMap((to, from) => [[memberName(from), memberName(to)], [ownCell(from), ownCell(to)]])));
}
