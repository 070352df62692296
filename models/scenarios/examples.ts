// Two textbook races as built-in scenarios: small enough to explore in milliseconds, so they serve as the
// quick start, the README's worked examples and the CLI's test subjects.
import { defineScenario } from '../../checker/index.ts';
import { lostWakeup } from '../examples/lostWakeup.ts';
import { peterson } from '../examples/peterson.ts';

export const lostWakeupScenario = defineScenario({
  name: 'lost-wakeup',
  description: 'A consumer checks for work, then sleeps; a wakeup sent in between is lost',
  variants: [
    {
      name: 'buggy',
      description: 'check and sleep are separate steps: the producer can slip in between',
      expected: 'violated',
      expectedProperty: 'lostWakeup',
      parameters: { atomicSleep: false },
      system: () => lostWakeup(false),
    },
    {
      name: 'fixed',
      description: 'check and sleep are one atomic step, as a condition variable wait is',
      expected: 'verified',
      parameters: { atomicSleep: true },
      system: () => lostWakeup(true),
    },
  ],
});

export const petersonScenario = defineScenario({
  name: 'peterson',
  description: "Peterson's mutual exclusion for two processes over shared flags and a turn cell",
  variants: [
    {
      name: 'correct',
      description: 'flag[i] := true, then turn := j: never both in the critical section',
      expected: 'verified',
      parameters: { storeOrder: 'flag-then-turn' },
      system: () => peterson(false),
    },
    {
      name: 'broken',
      description: 'turn := j before flag[i] := true: both processes can enter',
      expected: 'violated',
      expectedProperty: 'mutualExclusion',
      parameters: { storeOrder: 'turn-then-flag' },
      system: () => peterson(true),
    },
  ],
});
