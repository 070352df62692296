// The inert actor each memo miss runs XState in (checker/localTransition.ts, pureTransition): built from
// the snapshot stepped, not by computing the machine's initial snapshot as XState's `transition` does,
// but still one actor and one system for each call, as XState's own. Each case here was a difference
// an adversarial review found while one scope was shared by every call of a machine.
import { assign, setup, spawnChild, createMachine, raise } from 'xstate';
import { describe, expect, test } from 'vitest';
import { defineSystem, explore, invariant, neverFired, transitionLabel } from '../checker/index.ts';
import { UNREDUCED } from './support/unreduced.ts';

const child = createMachine({});

describe('each memo miss runs XState in an actor and a system of its own', () => {
  test('a child spawned with a systemId is refused alike every time, not "already exists" the second time', () => {
    const spawner = setup({ actors: { child } }).createMachine({
      initial: 'a', states: { a: { on: { go: { target: 'b', actions: spawnChild('child', { systemId: 'kid' }) } } }, b: {} },
    });
    const system = () => defineSystem({ actors: { p: { machine: spawner, spontaneous: [{ type: 'go' }] }, q: { machine: spawner, spontaneous: [{ type: 'go' }] } } });
    // The same machine object, searched three times in this process and by two actors.
    for (let run = 0; run < 3; run++) {
      const r = explore(system(), { ...UNREDUCED, allViolations: true });
      expect(r.violations.map((v) => v.message)).toEqual(["p threw while handling 'go': spawning child actors is not supported; declare each actor in the system"]);
    }
  });

  test('nothing registered by an initial state the actor never enters shows in `system`', () => {
    // Without input, the machine's initial state invokes a child with a systemId; with its input, it never does.
    const machine = setup({ actors: { child } }).createMachine({
      context: ({ input }: { input?: { real: boolean } }) => ({ real: input?.real ?? false, seen: false }),
      initial: 'boot',
      states: {
        boot: { always: [{ guard: ({ context }) => context.real, target: 'idle' }, { target: 'withKid' }] },
        withKid: { invoke: { src: 'child', systemId: 'kid' } },
        idle: { on: { look: { target: 'looked', actions: assign({ seen: ({ system }) => system.get('kid') !== undefined }) } } },
        looked: { tags: ['end'] },
      },
    });
    const system = defineSystem({
      actors: { p: { machine, input: { real: true }, spontaneous: [{ type: 'look' }] } },
      properties: { neverSeen: invariant((g) => g.actors.p.context.seen !== true) },
    });
    const r = explore(system, UNREDUCED);
    expect([r.verdict, r.stats.states]).toEqual(['verified', 2]);
  });

  test("an action that reads the actor's session id is impure, as it is in XState: a modelError, not one id for every actor", () => {
    const machine = setup({}).createMachine({
      context: { sid: '' }, initial: 'a',
      states: { a: { on: { go: { target: 'b', actions: assign({ sid: ({ self }) => self.sessionId }) } } }, b: { tags: ['end'] } },
    });
    const r = explore(defineSystem({ actors: { p: { machine, spontaneous: [{ type: 'go' }] }, q: { machine, spontaneous: [{ type: 'go' }] } } }), UNREDUCED);
    expect(r.verdict).toBe('violated');
    expect(r.violations[0].property).toBe('modelError');
    expect(r.violations[0].message).toContain('gave a different result');
  });

  test("an action sees the state being stepped in `self.getSnapshot()`, as in a running actor, not XState's input-less initial one", () => {
    // Under XState's `transition`, `self` was a fresh actor in its initial state 'a': the error state was
    // never entered and the check came out verified, though a running actor enters it.
    const machine = setup({}).createMachine({
      context: { bad: false }, initial: 'a',
      states: {
        a: { on: { go: 'b' } },
        b: { on: { poke: { target: 'c', actions: assign({ bad: ({ self }) => self.getSnapshot().value === 'b' }) } } },
        c: { always: [{ guard: ({ context }) => context.bad, target: 'err' }, { target: 'ok' }] },
        err: { tags: ['error'] }, ok: { tags: ['end'] },
      },
    });
    const r = explore(defineSystem({ actors: { p: { machine, spontaneous: [{ type: 'go' }, { type: 'poke' }] } } }), UNREDUCED);
    expect(r.verdict).toBe('violated');
    expect(r.violations[0].steps.map((st) => st.event.type)).toEqual(['go', 'poke']);
  });
});

describe('coverage of the initial macrostep', () => {
  test('an event the initial entry raises counts its transition in the initial state, by the actor\'s own input', () => {
    const machine = setup({}).createMachine({
      context: ({ input }: { input?: { real: boolean } }) => ({ real: input?.real ?? false }),
      initial: 'a',
      states: {
        a: { entry: raise({ type: 'kick' }), on: { kick: [{ guard: ({ context }) => context.real, target: 'b' }, { target: 'x' }] } },
        x: {}, b: { on: { go: 'c' } }, c: { tags: ['end'] },
      },
    });
    const r = explore(defineSystem({ actors: { p: { machine, input: { real: true }, spontaneous: [{ type: 'go' }] } } }), { ...UNREDUCED, coverage: true });
    expect(r.verdict).toBe('verified');
    const counts = Object.fromEntries(r.coverage![0].transitions.map((t) => [transitionLabel(t), t.globalStates]));
    // The raised kick took the guarded alternative (the input's), once, in the initial state; the other never.
    expect(counts).toEqual({ 'a --kick [#1]--> b': 1, 'a --kick [#2]--> x': 0, 'b --go--> c': 1 });
    expect(neverFired(r.coverage!).map((n) => transitionLabel(n.transition))).toEqual(['a --kick [#2]--> x']);
  });

  test('what the initial macrostep took is what the search ran, not a run again (where `self` would be another actor)', () => {
    // `self.getSnapshot()` in the initial macrostep is XState's input-less initial snapshot, so the flag is
    // false and the raised kick takes the second alternative; a run again from the actor's initial state
    // would set it and credit the first. Counts and search must agree.
    const machine = setup({}).createMachine({
      context: ({ input }: { input?: { real: boolean } }) => ({ real: input?.real ?? false, flag: false }),
      initial: 'a',
      states: {
        a: {
          entry: [assign({ flag: ({ self }) => (self.getSnapshot() as { context?: { real?: boolean } } | undefined)?.context?.real === true }), raise({ type: 'kick' })],
          on: { kick: [{ guard: ({ context }) => context.flag, target: 'b' }, { target: 'x' }] },
        },
        b: { tags: ['end'] }, x: { tags: ['end'] },
      },
    });
    const r = explore(defineSystem({ actors: { p: { machine, input: { real: true } } } }), { ...UNREDUCED, coverage: true });
    const states = Object.fromEntries(r.coverage![0].states.map((st) => [st.state, st.globalStates]));
    const counts = Object.fromEntries(r.coverage![0].transitions.map((t) => [transitionLabel(t), t.globalStates]));
    expect(states).toEqual({ a: 0, b: 0, x: 1 });
    expect(counts).toEqual({ 'a --kick [#1]--> b': 0, 'a --kick [#2]--> x': 1 });
  });

  test('an initial state that loops only without input does not hang a search with coverage', () => {
    const machine = setup({}).createMachine({
      context: ({ input }: { input?: { real: boolean } }) => ({ real: input?.real ?? false }),
      initial: 'boot',
      states: {
        boot: { always: [{ guard: ({ context }) => context.real, target: 'idle' }, { target: 'spin' }] },
        spin: { always: { target: 'boot', reenter: true } },
        idle: { on: { go: 'done' } }, done: { tags: ['end'] },
      },
    });
    const r = explore(defineSystem({ actors: { p: { machine, input: { real: true }, spontaneous: [{ type: 'go' }] } } }), { ...UNREDUCED, coverage: true });
    expect([r.verdict, r.stats.states]).toEqual(['verified', 2]);
  });
});
