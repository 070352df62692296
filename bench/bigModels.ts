// The big benchmark models as one scenario module, one variant each, so that `vmbus-check check
// bench/bigModels.ts` runs them as separate checks: bench/workers.ts times that with --workers 1 and 2.
// Sized to take about as long as each other (4 to 6 CPU-s), so that two threads can share them evenly.
import { defineScenario } from '../checker/index.ts';
import { counters, mailboxes, ringOfStores } from './models.ts';

export const scenario = defineScenario({
  name: 'big-models',
  description: 'the benchmark models of bench/models.ts, each a check of its own',
  variants: [
    { name: 'counters-4x50', description: '4 counters modulo 50: 6,250,000 states', expected: 'verified', parameters: {}, system: () => counters(4, 50) },
    { name: 'mailboxes-3x10', description: '3 producers of 10 messages each, queues of 3', expected: 'verified', parameters: {}, system: () => mailboxes(3, 10, 3) },
    { name: 'ring-of-stores-5x2-tso', description: 'a ring of 5 actors storing and loading, twice, under x86-TSO', expected: 'verified', parameters: {}, system: () => ringOfStores(5, 2, 'tso') },
    { name: 'ring-of-stores-2x8-arm', description: 'a ring of 2 actors storing and loading, 8 times, under ARMv8', expected: 'verified', parameters: {}, system: () => ringOfStores(2, 8, 'arm') },
  ],
});
