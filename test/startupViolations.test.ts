// A violation as the actors start is a violation like any other: a zero-step counterexample with its real
// message, recorded as a trace (its initial state as far as start-up got) that replays and renders.
import { describe, expect, test } from 'vitest';
import { assign, createMachine, fromPromise } from 'xstate';
import { explore, post } from '../checker/index.ts';
import type { SystemDefinition } from '../checker/index.ts';
import { buildTrace, parseTrace, renderTimeline, replayTrace, serializeTrace } from '../traces/index.ts';
import { runMain } from './cliInProcess.ts';

const source = { module: 'test', parameters: {} };
const idle = createMachine({ id: 'idle', initial: 'waiting', states: { waiting: { on: { hello: 'done' } }, done: { tags: ['end'] } } });
/** `machine` started beside a well-behaved actor, so the trace shows the one that did start. */
const withNeighbour = (machine: any): SystemDefinition => ({ actors: { first: { machine: idle }, broken: { machine } } });
const startingIn = (extra: object) => createMachine({ id: 'm', initial: 's', ...extra, states: { s: { tags: ['end'] } } } as any);

const cases: [string, SystemDefinition, string, RegExp][] = [
  ['an entry action that throws', withNeighbour(createMachine({ id: 'm', initial: 's', states: { s: { entry: () => { throw new Error('no firmware'); } } } })), 'modelError', /broken threw in its initial transition: .*no firmware/],
  ['an initial state tagged error', withNeighbour(createMachine({ id: 'm', initial: 's', states: { s: { tags: ['error'] } } })), 'assertion', /broken starts in a state tagged error/],
  ['a context holding a function', withNeighbour(startingIn({ context: { f: () => 1 } })), 'modelError', /broken threw in its initial transition: a function; contexts, events and cells must be plain JSON data/],
  ['a context holding a Date', withNeighbour(startingIn({ context: { at: new Date(0) } })), 'modelError', /a Date object; contexts, events and cells must be plain JSON data/],
  ['a context holding a Map', withNeighbour(startingIn({ context: { m: new Map() } })), 'modelError', /a Map object/],
  ['a context holding NaN', withNeighbour(startingIn({ context: { n: NaN } })), 'modelError', /non-finite number NaN/],
  ['a context holding a cycle', withNeighbour(startingIn({ context: () => { const c: any = { name: 'ring' }; c.self = c; return c; } })), 'modelError', /a cyclic object \(it contains itself\)/],
  ['an invoke in the initial state', withNeighbour(createMachine({ id: 'm', initial: 's', states: { s: { invoke: { src: fromPromise(async () => 1) } } } })), 'modelError', /broken threw in its initial transition: .*(child actors|spawning)/],
  ['a spawn in the initial context', withNeighbour(createMachine({ id: 'm', initial: 's', context: ({ spawn }: any) => ({ child: spawn(fromPromise(async () => 1)) }), states: { s: {} } } as any)), 'modelError', /broken threw in its initial transition/],
  ['an entry post to an unknown actor', withNeighbour(createMachine({ id: 'm', initial: 's', states: { s: { entry: post('ghost', { type: 'x' }), tags: ['end'] } } })), 'modelError', /unknown actor 'ghost'/],
];

describe('a violation as the actors start', () => {
  for (const [what, system, property, message] of cases) {
    test(`${what}: a zero-step ${property} counterexample, recorded, replayed and rendered`, () => {
      const r = explore(system);
      expect(r.verdict).toBe('violated');
      const v = r.violations[0];
      expect(v.property).toBe(property);
      expect(v.message).toMatch(message);
      expect(v.steps).toEqual([]);
      const trace = parseTrace(serializeTrace(buildTrace(system, source, v)));
      expect(trace.steps).toEqual([]);
      expect(trace).toMatchObject({ property, message: v.message });
      expect(trace.initial.actors.first).toEqual({ value: 'waiting', context: {}, status: 'active' });
      expect(replayTrace(system, trace)).toMatchObject({ status: 'reproduced', stepsReplayed: 0, violation: { property } });
      const timeline = renderTimeline(trace);
      expect(timeline).toContain(`${property} violated after 0 steps`);
      expect(timeline).toContain(`!  ${property}: ${v.message}`);
    });
  }

  test('an actor whose initial transition threw is shown stopped in the error status', () => {
    const system = cases[0][1];
    const trace = buildTrace(system, source, explore(system).violations[0]);
    expect(trace.initial.actors.broken).toEqual({ value: null, context: null, status: 'error' });
    expect(renderTimeline(trace)).toContain('0  initial  first waiting, broken (did not start)');
  });

  test('a zero-step trace no longer reproduces when the system now starts cleanly', () => {
    const system = cases[0][1];
    const trace = buildTrace(system, source, explore(system).violations[0]);
    const fixed: SystemDefinition = { actors: { first: { machine: idle }, broken: { machine: startingIn({}) } } };
    expect(replayTrace(fixed, trace).status).toBe('diverged');
  });

  test('the command reports it as a violation (exit 1) with its message, not an internal error', async () => {
    const r = await runMain(['check', 'test/fixtures/startupThrows.ts', '-q']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/startupThrows: modelError violated after 0 steps: starter threw in its initial transition: .*firmware table missing/);
  });
});
