// Round trip (explore -> build -> serialize -> parse -> replay) and divergence detection.
import fc from 'fast-check';
import type { EventObject } from 'xstate';
import { describe, expect, it } from 'vitest';
import { explore } from '../checker/index.ts';
import type { SystemDefinition } from '../checker/index.ts';
import { lostWakeup } from '../models/examples/lostWakeup.ts';
import { peterson } from '../models/examples/peterson.ts';
import { buildTrace, describeReplay, parseTrace, renderTimeline, replayTrace, serializeTrace, TRACE_FORMAT } from '../traces/index.ts';
import type { SystemSource, TraceFile } from '../traces/index.ts';
import { stuck, unhandledPing } from './support/traceSystems.ts';

const source: SystemSource = { module: 'test', parameters: {} };

function recorded(system: SystemDefinition): { trace: TraceFile; text: string; property: string; message: string } {
  const result = explore(system);
  expect(result.verdict).toBe('violated');
  const v = result.violations[0];
  const text = serializeTrace(buildTrace(system, source, v));
  return { trace: parseTrace(text), text, property: v.property, message: v.message };
}

const edit = (t: TraceFile, f: (copy: TraceFile) => void): TraceFile => {
  const copy = structuredClone(t);
  f(copy);
  return parseTrace(serializeTrace(copy));
};

describe('round trip: explore, write, read, replay', () => {
  const cases: [string, () => SystemDefinition, string, number][] = [
    // Shortest counterexamples, counted by hand from the models' comments: the lost wakeup needs the
    // consumer's check, both producer steps, the dropped wakeup, going to sleep and the watchdog.
    ['lost wakeup (stall)', () => lostWakeup(false), 'lostWakeup', 6],
    // Broken Peterson: both set turn, one enters, the other sets its flag and enters too.
    ['broken Peterson (invariant)', () => peterson(true), 'mutualExclusion', 8],
    ['unhandled event (raised by the last step)', unhandledPing, 'unhandledEvent', 2],
    ['deadlock after a step', () => stuck(false), 'deadlock', 1],
    ['deadlock at the start', () => stuck(true), 'deadlock', 0],
  ];
  for (const [name, system, property, steps] of cases) {
    it(`${name}: replay reproduces the same violation`, () => {
      const { trace, message } = recorded(system());
      expect(trace.format).toBe(TRACE_FORMAT);
      expect(trace.property).toBe(property);
      expect(trace.steps).toHaveLength(steps);
      const r = replayTrace(system(), trace);
      expect(r.status, describeReplay(r, trace)).toBe('reproduced');
      expect(r.violation?.property).toBe(property);
      expect(r.violation?.message).toBe(message);
      expect(r.stepsReplayed).toBe(steps);
    });
  }

  it('serializing is stable: what is read back writes out byte for byte the same', () => {
    for (const system of [lostWakeup(false), peterson(true), unhandledPing()]) {
      const { trace, text } = recorded(system);
      expect(serializeTrace(trace)).toBe(text);
      expect(text.split('\n').length).toBeLessThan(20 + 6 * trace.steps.length);
    }
  });

  it('records what each step did: reads, the message sent, the changed actor and queue, the write', () => {
    const { trace } = recorded(lostWakeup(false));
    const [, produce, wake, deliver] = trace.steps;
    expect(produce).toMatchObject({ actor: 'producer', kind: 'spontaneous', cells: { count: 1 } });
    expect(wake.sent).toEqual([{ kind: 'post', from: 'producer', to: 'consumer', event: { type: 'wakeup' } }]);
    expect(wake.inFlight).toEqual({ consumer: [{ type: 'wakeup' }] });
    expect(wake.changed?.producer).toMatchObject({ value: 'done', status: 'done' });
    // The wakeup reaches a consumer that is about to sleep: it is dropped, nothing but the queue changes.
    expect(deliver).toMatchObject({ actor: 'consumer', kind: 'deliver', reads: { count: 1 }, inFlight: { consumer: [] } });
    expect(deliver.changed).toBeUndefined();
    expect(trace.steps.at(-1)?.kind).toBe('timer');
  });

  it('stops at a step and shows the full global state there', () => {
    const { trace } = recorded(lostWakeup(false));
    const r = replayTrace(lostWakeup(false), trace, { stopAtStep: 3 });
    expect(r.status).toBe('stopped');
    expect(r.stepsReplayed).toBe(3);
    // After step 3 the wakeup is in flight and the consumer has not yet been told.
    expect(r.state).toEqual({
      actors: {
        consumer: { value: 'goingToSleep', context: {}, status: 'active' },
        producer: { value: 'done', context: {}, status: 'done' },
      },
      cells: { count: 1 },
      inFlight: { consumer: [{ type: 'wakeup' }], producer: [] },
    });
    expect(replayTrace(lostWakeup(false), trace, { stopAtStep: 0 }).state).toEqual(trace.initial);
  });
});

describe('divergence', () => {
  it('the lost-wakeup trace against the fixed consumer diverges at step 1, naming the consumer and its state', () => {
    const { trace } = recorded(lostWakeup(false));
    const r = replayTrace(lostWakeup(true), trace);
    expect(r.status).toBe('diverged');
    expect(r.divergence).toMatchObject({ step: 1, actor: 'consumer' });
    // The fixed consumer goes straight to sleep where the buggy one was still going to sleep.
    expect(r.divergence!.differences).toEqual(['consumer state: recorded "goingToSleep", now "asleep"']);
    expect(r.stepsReplayed).toBe(0);
    expect(describeReplay(r, trace)).toMatch(/^diverged at step 1 of 6 \(consumer\): .*goingToSleep/);
  });

  it('the broken Peterson trace against the correct protocol diverges at step 1 (flag before turn)', () => {
    const { trace } = recorded(peterson(true));
    const r = replayTrace(peterson(false), trace);
    expect(r.divergence).toMatchObject({ step: 1, actor: 'p0' });
    expect(r.divergence!.differences.join()).toMatch(/p0 state: recorded "setTurn", now "setFlag"/);
  });

  it('a step that is no longer enabled is reported as such, with what is enabled instead', () => {
    // Deliver the wakeup before the producer has posted it.
    const { trace } = recorded(lostWakeup(false));
    const edited = edit(trace, (t) => {
      const [deliver] = t.steps.splice(3, 1);
      t.steps.splice(2, 0, deliver);
      t.steps.forEach((s, i) => { s.step = i + 1; });
    });
    const r = replayTrace(lostWakeup(false), edited);
    expect(r.status).toBe('diverged');
    expect(r.divergence).toMatchObject({ step: 3, actor: 'consumer', reason: 'deliver wakeup is no longer enabled' });
    expect(r.divergence!.differences[0]).toMatch(/^enabled instead: .*producer: spontaneous run/);
    expect(r.stepsReplayed).toBe(2);
  });

  it('a step that sends another message than recorded is named as such', () => {
    const { trace } = recorded(lostWakeup(false));
    const edited = edit(trace, (t) => { t.steps[2].sent![0].event = { type: 'wakeup', urgent: true } as EventObject; });
    const r = replayTrace(lostWakeup(false), edited);
    expect(r.divergence).toMatchObject({ step: 3, actor: 'producer', reason: 'the step sends other messages than recorded' });
    expect(r.divergence!.differences[0]).toBe('messages sent: recorded ["post producer->consumer wakeup(urgent: true)"], now ["post producer->consumer wakeup"]');
  });

  it('an initial state that differs is a divergence at step 0', () => {
    const { trace } = recorded(lostWakeup(false));
    const r = replayTrace(lostWakeup(false), edit(trace, (t) => { t.initial.cells.count = 5; }));
    expect(r.divergence).toMatchObject({ step: 0, differences: ['cell count: recorded 5, now 0'] });
    expect(r.stepsReplayed).toBe(0);
  });

  it('a trace cut short of its violation diverges at its last step (judged at the end, not taken from the file)', () => {
    for (const system of [() => lostWakeup(false), () => peterson(true)]) {
      const { trace } = recorded(system());
      const cut = edit(trace, (t) => { t.steps.pop(); });
      const r = replayTrace(system(), cut);
      expect(r.status).toBe('diverged');
      expect(r.divergence?.step).toBe(cut.steps.length);
      expect(r.divergence?.reason).toBe(`the run no longer ends in a violation of ${trace.property}`);
    }
  });

  it('a trace claiming another property does not reproduce', () => {
    const { trace } = recorded(peterson(true));
    const r = replayTrace(peterson(true), edit(trace, (t) => { t.property = 'deadlock'; }));
    expect(r.status).toBe('diverged');
    expect(r.divergence!.differences).toEqual(['instead: mutualExclusion: p0 and p1 are both in the critical section']);
  });

  it('tampering with any one recorded state change is caught at exactly that step, naming what differs', () => {
    const { trace } = recorded(peterson(true));
    const withChanges = trace.steps.filter((s) => s.changed);
    fc.assert(fc.property(
      fc.constantFrom(...withChanges.map((s) => s.step)),
      fc.constantFrom('value', 'context', 'cell') as fc.Arbitrary<'value' | 'context' | 'cell'>,
      fc.string({ minLength: 1, maxLength: 8 }),
      (n, what, junk) => {
        const tampered = edit(trace, (t) => {
          const s = t.steps[n - 1];
          const [actor] = Object.keys(s.changed!);
          if (what === 'value') s.changed![actor].value = `not-${junk}`;
          if (what === 'context') s.changed![actor].context = { tampered: junk };
          if (what === 'cell') s.cells = { ...s.cells, turn: `x${junk}` };
        });
        const r = replayTrace(peterson(true), tampered);
        expect(r.status).toBe('diverged');
        expect(r.divergence!.step).toBe(n);
        const expected = { value: /state: recorded "not-/, context: /context\.tampered: recorded/, cell: /^cell turn: recorded "x/ }[what];
        expect(r.divergence!.differences.some((d) => expected.test(d))).toBe(true);
      }), { numRuns: 60 });
  });

  it('the timeline has one line per step, numbered, naming the actor', () => {
    const { trace } = recorded(lostWakeup(false));
    const lines = renderTimeline(trace).trimEnd().split('\n');
    expect(lines).toHaveLength(trace.steps.length + 3); // header, initial state, steps, violation
    trace.steps.forEach((s, i) => {
      expect(lines[i + 2]).toMatch(new RegExp(`^\\s*${s.step}\\s+${s.actor}\\s`));
    });
    // The sleeping consumer takes the wakeup and does nothing with it: the lost wakeup itself.
    expect(lines[5]).toMatch(/<- wakeup\s+ignored by consumer: no effect/);
    expect(lines.at(-1)).toContain(trace.message);
  });
});
