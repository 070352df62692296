// Vitest matchers: `expect(system).toBeVerified()` and `expect(system).toViolate('lostInterrupt')`, with
// the counterexample's timeline as the failure message. Importing this module registers them.
import { expect } from 'vitest';
import { approximationText, explore } from '../checker/index.ts';
import type { CheckResult, ExploreOptions, SystemDefinition, Variant, Violation } from '../checker/index.ts';
import { buildTrace, renderTimeline } from '../traces/index.ts';

/** What the matchers check: a system, a function building one, or a scenario's variant. */
export type Checkable = SystemDefinition | (() => SystemDefinition) | Variant;

interface Subject {
  label: string;
  system: SystemDefinition;
  options: ExploreOptions;
  parameters: Variant['parameters'];
}

function isVariant(x: unknown): x is Variant {
  return typeof x === 'object' && x !== null && typeof (x as Variant).system === 'function' && typeof (x as Variant).name === 'string';
}

function subjectOf(received: unknown): Subject {
  if (isVariant(received)) {
    const system = received.system();
    const memory = received.memory ? { memory: received.memory } : {};
    return { label: `variant ${received.name}`, system, options: { ...received.options, ...memory }, parameters: received.parameters ?? {} };
  }
  const system = typeof received === 'function' ? (received as () => SystemDefinition)() : received;
  if (typeof system !== 'object' || system === null || !('actors' in system)) {
    throw new TypeError('vmbus-check matchers take a system definition, a function returning one, or a scenario variant (scenario.variant(name))');
  }
  const def = system as SystemDefinition;
  return { label: def.name ? `system ${def.name}` : 'the system', system: def, options: {}, parameters: {} };
}

function timeline(subject: Subject, violation: Violation): string {
  try {
    return renderTimeline(buildTrace(subject.system, { module: 'vitest', parameters: subject.parameters }, violation));
  } catch (e) {
    // The counterexample is still worth showing as its steps when it cannot be rebuilt as a trace.
    const steps = violation.steps.map((s, i) => `${i + 1}  ${s.actor}  ${s.kind} ${s.event.type}`).join('\n');
    return `${steps}\n(timeline unavailable: ${e instanceof Error ? e.message : String(e)})\n`;
  }
}

const count = (n: number) => n.toLocaleString('en-US');

/** One line for what a check found, then the timeline of its counterexample when it has one. */
function found(subject: Subject, result: CheckResult, violation: Violation | undefined = result.violations[0]): string {
  if (result.verdict === 'verified') return `it was verified (${count(result.stats.states)} states)`;
  if (result.verdict === 'verified-probabilistic') return `it was verified only probabilistically (${approximationText(result.approximation!)})`;
  if (result.verdict === 'bounded') {
    return `the check was bounded (${result.bounds.map((b) => `${b.kind}: ${b.detail}`).join('; ')}) after ${count(result.stats.states)} states: nothing is claimed`;
  }
  const v = violation!;
  return `${v.property} was violated after ${v.steps.length} steps: ${v.message}\n\n${timeline(subject, v)}`;
}

export interface VmbusCheckMatchers<R = unknown> {
  /** Every reachable state explored and no property violated (a bounded check does not pass). */
  toBeVerified(options?: ExploreOptions): R;
  /** A violation found; of `property` when it is named (the first counterexample found, as `check` judges a variant's expectedProperty). */
  toViolate(property?: string, options?: ExploreOptions): R;
}

declare module 'vitest' {
  interface Matchers<T = any> extends VmbusCheckMatchers<T> {}
}

expect.extend({
  toBeVerified(received: unknown, options: ExploreOptions = {}) {
    const subject = subjectOf(received);
    const result = explore(subject.system, { ...subject.options, ...options });
    const pass = result.verdict === 'verified';
    return {
      pass,
      message: () => (pass
        ? `expected ${subject.label} not to be verified, but ${found(subject, result)}`
        : `expected ${subject.label} to be verified, but ${found(subject, result)}`),
    };
  },

  toViolate(received: unknown, property?: string, options: ExploreOptions = {}) {
    const subject = subjectOf(received);
    const result = explore(subject.system, { ...subject.options, ...options });
    const first = result.violations[0];
    const pass = result.verdict === 'violated' && (property === undefined || first?.property === property);
    const what = property === undefined ? 'a violation' : `a violation of ${property}`;
    return {
      pass,
      message: () => (pass
        ? `expected ${subject.label} not to have ${what}, but ${found(subject, result)}`
        : `expected ${subject.label} to have ${what}, but ${found(subject, result)}`),
    };
  },
});
