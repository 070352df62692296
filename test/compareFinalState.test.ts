// compare judges the state a counterexample ends in exactly as the explorer judges every state it reaches
// (checker/quiescence.ts): a stall in a model with no watchdog timer ends in the stalled state itself,
// so a "fix" that changes nothing must still be reported violated, not harmless.
import { describe, expect, test } from 'vitest';
import { createMachine } from 'xstate';
import { explore, post, stall } from '../checker/index.ts';
import type { SystemDefinition } from '../checker/index.ts';
import { counterexampleAgainst } from '../cli/counterexampleAgainst.ts';

// A producer posts one request; the consumer takes it into `busy` and never finishes: no timer anywhere.
function stuckConsumer(deadlock = false): SystemDefinition {
  const producer = createMachine({ id: 'producer', initial: 'idle', states: { idle: { on: { send: { target: 'sent', actions: post('consumer', { type: 'request' }) } } }, sent: { tags: ['end'] } } });
  const consumer = createMachine({ id: 'consumer', initial: 'waiting', states: { waiting: { on: { request: 'busy' } }, busy: {} } });
  return {
    actors: { producer: { machine: producer, spontaneous: [{ type: 'send' }] }, consumer: { machine: consumer } },
    ...(deadlock ? {} : { deadlock: false as const, properties: { requestServed: stall((g) => (g.actors.consumer.matches('busy') ? 'the request is never served' : false)) } }),
  };
}

describe('compare judges the end of a counterexample', () => {
  test('a stall with no watchdog timer: the final state is stalled, so the same system is still violated', () => {
    const system = stuckConsumer();
    const r = explore(system);
    expect(r.verdict).toBe('violated');
    const v = r.violations[0];
    expect(v.property).toBe('requestServed');
    expect(v.steps.map((s) => s.kind)).toEqual(['spontaneous', 'deliver']); // no timer step at the end
    const against = counterexampleAgainst(system, v);
    expect(against).toMatchObject({ kind: 'violated', step: 2, property: 'requestServed' });
    expect((against as { message: string }).message).toMatch(/nothing can fire while work is outstanding: the request is never served/);
  });

  test('a deadlock in the final state is reported as the explorer reports it', () => {
    const system = stuckConsumer(true);
    const v = explore(system).violations[0];
    expect(v.property).toBe('deadlock');
    expect(counterexampleAgainst(system, v)).toMatchObject({ kind: 'violated', step: 2, property: 'deadlock', message: explore(system).violations[0].message });
  });
});
