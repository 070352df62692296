// Random small systems for property tests: 2-3 actors whose machines are built from plain data (so
// fast-check can shrink them and print them), using every part of the vocabulary: spontaneous events,
// posts, calls with replies, writes, guards on cells and context, fail(), `after` timers, final / end /
// error states, entry actions (also on the initial state), nested states with their own timers, event
// payloads built in varying key order, one machine backing two actors with different inputs, and now
// and then a model bug (a throwing guard or action, a post to an unknown actor).
import fc from 'fast-check';
import { assign, raise, setup } from 'xstate';
import { call, cellsOf, defineSystem, fail, invariant, post, reply, smp_mb, stall, write } from '../../checker/index.ts';
import type { SystemDefinition } from '../../checker/index.ts';

export type ActionSpec =
  | { k: 'post'; to: number; msg: 'm1' | 'm2'; payload: boolean }
  | { k: 'call'; to: number }
  | { k: 'reply' }
  | { k: 'write'; cell: 'c0' | 'c1'; value: number }
  | { k: 'inc' }
  | { k: 'fence' }
  | { k: 'fail' }
  | { k: 'throw' }
  | { k: 'postUnknown' }
  | { k: 'raiseUnhandled' };

export type GuardSpec =
  | { k: 'cell'; cell: 'c0' | 'c1'; value: number }
  | { k: 'ctx'; value: number }
  | { k: 'throw' };

export interface TransitionSpec {
  event: 'tick' | 'go' | 'm1' | 'm2' | 'req' | 'ack';
  guard: GuardSpec | null;
  /** Index of the target state; null for a targetless transition (with no actions: an explicit ignore). */
  target: number | null;
  actions: ActionSpec[];
}

export interface StateSpec {
  /** `nested`: has child states inner0 -go-> inner1 -after 50-> inner0, under its own transitions. */
  kind: 'plain' | 'nested' | 'final' | 'end' | 'error';
  entry: ActionSpec[];
  on: TransitionSpec[];
  /** Ends each message's transitions with an explicit ignore, so unhandled events stay occasional. */
  ignoreOtherMessages: boolean;
  /** `target` null: a targetless `after`, which fires once per entry of the state. */
  after: { delay: 100 | 360000; target: number | null; actions: ActionSpec[] } | null;
}

export interface ActorData {
  states: StateSpec[];
  spontaneous: ('tick' | 'go')[];
  reads: boolean;
  queueCapacity: number;
  /** The machine's input: its context starts at n = start. */
  start: number;
}

export interface SystemData {
  actors: ActorData[];
  /** Violated when actor `actor` is in state `state` while cell c0 holds `value`. */
  invariant: { actor: number; state: number; value: number } | null;
  /** Work is outstanding when cell c1 holds `value` or actor 0 has messages in flight. */
  stall: { value: number } | null;
  onQueueFull: 'bound' | 'violation';
  timers: 'deadline' | 'unordered';
  deadlock: boolean;
  /** The last actor runs actor 0's machine (the same object), with its own input and settings. */
  sharedMachine: boolean;
}

function actionArb(actorCount: number, buggy: boolean): fc.Arbitrary<ActionSpec> {
  const bug = buggy ? 1 : 0;
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ k: fc.constant('post' as const), to: fc.nat(actorCount - 1), msg: fc.constantFrom('m1' as const, 'm2' as const), payload: fc.boolean() }) },
    { weight: 4, arbitrary: fc.record({ k: fc.constant('call' as const), to: fc.nat(actorCount - 1) }) },
    { weight: bug, arbitrary: fc.constant({ k: 'reply' as const }) },
    { weight: 6, arbitrary: fc.record({ k: fc.constant('write' as const), cell: fc.constantFrom('c0' as const, 'c1' as const), value: fc.nat(2) }) },
    { weight: 4, arbitrary: fc.constant({ k: 'inc' as const }) },
    { weight: 2, arbitrary: fc.constant({ k: 'fence' as const }) },
    { weight: bug, arbitrary: fc.constant({ k: 'fail' as const }) },
    { weight: bug, arbitrary: fc.constant({ k: 'throw' as const }) },
    { weight: bug, arbitrary: fc.constant({ k: 'postUnknown' as const }) },
    { weight: bug, arbitrary: fc.constant({ k: 'raiseUnhandled' as const }) },
  );
}

const guardArb = (buggy: boolean): fc.Arbitrary<GuardSpec | null> => fc.oneof(
  { weight: 8, arbitrary: fc.constant(null) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant('cell' as const), cell: fc.constantFrom('c0' as const, 'c1' as const), value: fc.nat(2) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant('ctx' as const), value: fc.nat(2) }) },
  { weight: buggy ? 1 : 0, arbitrary: fc.constant({ k: 'throw' as const }) },
);

function stateArb(actorCount: number, stateCount: number, buggy: boolean, index: number): fc.Arbitrary<StateSpec> {
  const first = index === 0;
  const actions = fc.array(actionArb(actorCount, buggy), { maxLength: 2 });
  const transition = fc.record({
    event: fc.constantFrom<TransitionSpec['event']>('tick', 'tick', 'tick', 'go', 'm1', 'm2', 'req', 'ack', 'ack'),
    guard: guardArb(buggy),
    // Mostly on to the next state round a cycle, for long runs and bigger state spaces.
    target: fc.oneof(
      { weight: 3, arbitrary: fc.constant((index + 1) % stateCount) },
      { weight: 2, arbitrary: fc.nat(stateCount - 1) },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
    actions,
    replies: fc.boolean(),
  }).map(({ replies, ...t }): TransitionSpec => {
    // A correct model replies only while handling a call; a buggy one may reply anywhere.
    const actions = buggy || t.event === 'req' ? t.actions : t.actions.filter((a) => a.k !== 'reply');
    return { ...t, actions: t.event === 'req' && replies ? [...actions, { k: 'reply' }] : actions };
  });
  // The initial state is plain, and error states are rare, so that most systems get somewhere.
  const kinds: StateSpec['kind'][] = first ? ['plain', 'plain', 'nested'] : ['plain', 'plain', 'plain', 'nested', 'final', 'end', 'end', ...(buggy ? ['error' as const] : [])];
  return fc.record({
    kind: fc.constantFrom(...kinds),
    entry: fc.oneof({ weight: 4, arbitrary: fc.constant([] as ActionSpec[]) }, { weight: 1, arbitrary: fc.array(actionArb(actorCount, buggy), { minLength: 1, maxLength: 2 }) }),
    // Lead with a transition on a spontaneous event, so that most states can move on their own, or
    // else on a message, to wait for it (which may never come: a deadlock).
    on: fc.tuple(transition, fc.array(transition, { maxLength: 4 }))
      .map(([lead, rest]) => [{ ...lead, event: lead.event === 'go' || lead.event === 'm1' ? lead.event : ('tick' as const) }, ...rest]),
    ignoreOtherMessages: fc.constantFrom(true, true, true, true, true, true, true, true, false),
    after: fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.record({ delay: fc.constantFrom(100 as const, 360000 as const), target: fc.option(fc.nat(stateCount - 1), { freq: 3 }), actions }) }),
  });
}

function actorArb(actorCount: number, buggy: boolean): fc.Arbitrary<ActorData> {
  return fc.integer({ min: 2, max: 5 }).chain((stateCount) =>
    fc.record({
      states: fc.tuple(...Array.from({ length: stateCount }, (_, i) => stateArb(actorCount, stateCount, buggy, i))),
      spontaneous: fc.constantFrom<('tick' | 'go')[]>(['tick'], ['tick'], ['tick', 'go'], ['tick', 'go'], ['go'], []),
      reads: fc.boolean(),
      queueCapacity: fc.integer({ min: 1, max: 3 }),
      start: fc.constantFrom(0, 0, 1, 2),
    }),
  );
}

/** About a third of the systems have model bugs (fail(), throwing guards and actions, error states). */
export const systemDataArb: fc.Arbitrary<SystemData> = fc.tuple(fc.constantFrom(2, 3, 3), fc.constantFrom(false, false, true)).chain(([actorCount, buggy]) =>
  fc.record({
    actors: fc.array(actorArb(actorCount, buggy), { minLength: actorCount, maxLength: actorCount }),
    invariant: fc.option(fc.record({ actor: fc.nat(actorCount - 1), state: fc.nat(3), value: fc.nat(2) }), { freq: 2 }),
    stall: fc.option(fc.record({ value: fc.nat(2) }), { freq: 2 }),
    onQueueFull: fc.constantFrom('bound' as const, 'bound' as const, 'violation' as const),
    timers: fc.constantFrom('deadline' as const, 'deadline' as const, 'unordered' as const),
    deadlock: fc.constantFrom(true, true, true, false),
    sharedMachine: fc.constantFrom(false, false, false, true),
  }),
);

const actorName = (i: number) => `a${i}`;

function buildActions(actions: ActionSpec[]): any[] {
  return actions.map((a) => {
    switch (a.k) {
      case 'post':
        if (!a.payload) return post(actorName(a.to), { type: a.msg });
        // n = 0 and n = 2 post the same event, built with its keys in opposite orders: one event.
        return post(actorName(a.to), ({ context }) => (context.n === 2 ? { n: context.n % 2, type: a.msg } : { type: a.msg, n: context.n % 2 }));
      case 'call': return call(actorName(a.to), { type: 'req' });
      case 'reply': return reply({ type: 'ack' });
      case 'write': return write(a.cell, a.value);
      case 'fence': return smp_mb();
      case 'inc': return assign({ n: ({ context }: { context: { n: number } }) => (context.n + 1) % 3 });
      case 'fail': return fail('generated assertion');
      case 'throw': return () => { throw new Error('generated action bug'); };
      case 'postUnknown': return post('nobody', { type: 'm1' });
      // No generated state names `ping`: raised, it is always dropped (unhandledEvent).
      case 'raiseUnhandled': return raise({ type: 'ping' });
    }
  });
}

function buildGuard(g: GuardSpec | null): any {
  if (g === null) return undefined;
  switch (g.k) {
    case 'cell': return ({ event }: { event: any }) => cellsOf(event)[g.cell] === g.value;
    case 'ctx': return ({ context }: { context: { n: number } }) => context.n === g.value;
    case 'throw': return () => { throw new Error('generated guard bug'); };
  }
}

export function buildMachine(data: ActorData, index: number) {
  const states: Record<string, any> = {};
  data.states.forEach((s, i) => {
    if (s.kind === 'final') { states[`s${i}`] = { type: 'final' }; return; }
    const on: Record<string, any[]> = {};
    // An `end` state rests: it reacts to messages only, so whole systems come to rest there.
    for (const t of s.kind === 'end' ? s.on.filter((t) => t.event !== 'tick' && t.event !== 'go') : s.on) {
      const config: any = { actions: buildActions(t.actions) };
      if (t.target !== null) config.target = `s${t.target}`;
      const guard = buildGuard(t.guard);
      if (guard) config.guard = guard;
      (on[t.event] ??= []).push(config);
    }
    // Fallbacks: ignore stray messages, and answer any call, so that calls usually complete.
    if (s.ignoreOtherMessages) {
      for (const m of ['m1', 'm2', 'ack']) (on[m] ??= []).push({});
      (on.req ??= []).push({ actions: reply({ type: 'ack' }) });
    }
    const node: any = { on, entry: buildActions(s.entry) };
    if (s.kind === 'nested') {
      node.initial = 'inner0';
      node.states = { inner0: { on: { go: 'inner1' } }, inner1: { after: { 50: 'inner0' } } };
    }
    if (s.kind === 'end') node.tags = ['end'];
    if (s.kind === 'error') node.tags = ['error'];
    if (s.after) node.after = { [s.after.delay]: { ...(s.after.target === null ? {} : { target: `s${s.after.target}` }), actions: buildActions(s.after.actions) } };
    states[`s${i}`] = node;
  });
  return setup({ types: {} as { context: { n: number } } }).createMachine({
    id: actorName(index),
    initial: 's0',
    // XState's `transition` first computes an initial snapshot in an inert actor, which has no input: reading
    // `input.start` there threw a TypeError, caught by XState, on every step of the reference, a third of its time.
    context: ({ input }: { input?: { start: number } }) => ({ n: input?.start ?? 0 }),
    states,
  } as any);
}

export function buildSystem(data: SystemData): SystemDefinition {
  const actors: SystemDefinition['actors'] = {};
  const machines = data.actors.map((a, i) => buildMachine(a, i));
  if (data.sharedMachine) machines[machines.length - 1] = machines[0];
  data.actors.forEach((a, i) => {
    actors[actorName(i)] = {
      machine: machines[i],
      input: { start: a.start },
      spontaneous: a.spontaneous.map((type) => ({ type })),
      reads: a.reads ? ['c0', 'c1'] : [],
      queueCapacity: a.queueCapacity,
    };
  });
  const properties: NonNullable<SystemDefinition['properties']> = {};
  const inv = data.invariant;
  if (inv) {
    properties.generatedInvariant = invariant((g) =>
      !(g.actors[actorName(inv.actor)].matches(`s${inv.state}`) && g.cells.c0 === inv.value) || 'generated invariant broken');
  }
  const st = data.stall;
  if (st) {
    properties.generatedStall = stall((g) =>
      (g.cells.c1 === st.value && 'c1 holds the stall value') || (g.inFlight.a0.length > 0 && 'a0 has messages in flight'));
  }
  return defineSystem({
    name: 'random',
    actors,
    cells: { c0: 0, c1: 0 },
    properties,
    onQueueFull: data.onQueueFull,
    deadlock: data.deadlock,
    timers: data.timers,
  });
}
