// Apple Silicon's TSO mode (UTM issue #6836; domain.md section 4): what the per-vCPU Total Store
// Ordering mode protects. Code written for x86 publishes ring entries with plain stores and reads
// them with plain loads, with no smp_wmb()/smp_rmb(): on x86 (TSO) stores become visible in order and
// loads are not reordered, so the barriers compile to nothing (Linux arch/x86/include/asm/barrier.h:
// `#define __smp_wmb() barrier()`, `__smp_rmb() barrier()`). Rosetta runs such code on an Apple vCPU
// with TSO mode on; with it off the vCPU is ARMv8, weakly ordered, and the consumer can see the index
// before the data it publishes (message passing). arm64 needs `dmb ishst` / `dmb ishld`
// (arch/arm64/include/asm/barrier.h `__smp_wmb() dmb(ishst)`, `__smp_rmb() dmb(ishld)`), or a release
// store and an acquire load.
//
// The crash reported in #6836 itself was a configuration error (the private Hypervisor.framework call
// that enables the mode failed with HV_BAD_ARGUMENT; fixed in UTM 4.6.2), not a race: this scenario
// models the ordering the mode exists to provide, not that crash.
//
// Simplified: the ring has a slot per message, so the producer never waits for free space (the
// free-space side is in the VMBus ring models); one producer, one consumer.
import { assign, setup } from 'xstate';
import {
  defineScenario, defineSystem, invariant, reachable, load, smp_load_acquire, smp_rmb, smp_store_release, smp_wmb, write,
} from '../../checker/index.ts';
import type { MemoryModelName, SystemDefinition } from '../../checker/index.ts';

export type Publication = 'plain' | 'wmb-rmb' | 'wmb-only' | 'release-acquire';

const MESSAGES = 2;

/** The x86-style (or barriered) ring: the producer fills slot i, then publishes write_index = i + 1. */
export function appleTsoRing(memory: MemoryModelName, publication: Publication): SystemDefinition {
  const wmb = publication === 'wmb-rmb' || publication === 'wmb-only';
  const rmb = publication === 'wmb-rmb';
  const releaseAcquire = publication === 'release-acquire';
  const producer = setup({ types: {} as { context: { sent: number } } }).createMachine({
    id: 'producer',
    context: { sent: 0 },
    initial: 'fill',
    states: {
      fill: {
        always: { guard: ({ context }) => context.sent === MESSAGES, target: 'done' },
        // The payload store: `ring[write_index] = msg` (with smp_wmb() after it in barriered code).
        on: { run: { target: 'publish', actions: [write(({ context }) => `slot${context.sent}`, ({ context }) => 100 + context.sent), ...(wmb ? [smp_wmb()] : [])] } },
      },
      // The index store that makes the entry visible: `write_index = write_index + 1`.
      publish: {
        on: {
          run: {
            target: 'fill',
            actions: [
              releaseAcquire ? smp_store_release('writeIndex', ({ context }) => context.sent + 1) : write('writeIndex', ({ context }) => context.sent + 1),
              assign({ sent: ({ context }) => context.sent + 1 }),
            ],
          },
        },
      },
      done: { type: 'final' },
    },
  });
  const consumer = setup({ types: {} as { context: { read: number; stale: boolean } } }).createMachine({
    id: 'consumer',
    context: { read: 0, stale: false },
    initial: 'poll',
    states: {
      poll: {
        always: { guard: ({ context }) => context.read === MESSAGES, target: 'done' },
        on: { run: { target: 'polled', actions: releaseAcquire ? smp_load_acquire('writeIndex') : load('writeIndex') } },
      },
      polled: {
        on: {
          loaded: [
            { guard: ({ context, event }) => (event.value as number) > context.read, target: 'fetch', actions: rmb ? smp_rmb() : [] },
            { target: 'poll' },
          ],
        },
      },
      // The payload load: `msg = ring[read_index]`.
      fetch: { on: { run: { target: 'fetched', actions: load(({ context }) => `slot${context.read}`) } } },
      fetched: {
        on: {
          loaded: {
            target: 'poll',
            actions: assign(({ context, event }) => ({ read: context.read + 1, stale: context.stale || event.value !== 100 + context.read })),
          },
        },
      },
      done: { type: 'final' },
    },
  });
  const cells: Record<string, number> = { writeIndex: 0 };
  for (let i = 0; i < MESSAGES; i++) cells[`slot${i}`] = 0;
  return defineSystem({
    name: `apple-tso-mode (${publication}, ${memory})`,
    memory,
    // Room for every store of the run and its smp_wmb(), so the buffer bound never cuts a run short.
    storeBuffer: 3 * MESSAGES,
    actors: { producer: { machine: producer, spontaneous: [{ type: 'run' }] }, consumer: { machine: consumer, spontaneous: [{ type: 'run' }] } },
    cells,
    properties: {
      // Not vacuous: the consumer reads while the producer is still publishing.
      readsWhileProducing: reachable((g) => g.actors.consumer.context.read > 0 && !g.actors.producer.matches('done')),
      ringOrder: invariant((g) => !g.actors.consumer.context.stale || 'the consumer saw write_index before the entry it publishes and read a stale slot'),
    },
  });
}

export const appleTsoMode = defineScenario({
  name: 'apple-tso-mode',
  description: 'UTM #6836: x86-style ring code (no smp_wmb/smp_rmb) on an Apple vCPU with TSO mode on (tso) and off (arm). The #6836 crash itself was a configuration error (HV_BAD_ARGUMENT), not a race',
  variants: [
    {
      name: 'x86-code-tso-mode', description: 'x86-style code, TSO mode on: stores visible in order, loads in order', expected: 'verified',
      memory: 'tso', expectedUnder: { sc: 'verified', arm: 'violated' },
      parameters: { publication: 'plain', tsoMode: true }, system: () => appleTsoRing('tso', 'plain'),
    },
    {
      name: 'x86-code-arm-mode', description: 'the same code with TSO mode off (ARMv8): the index is seen before the data', expected: 'violated', expectedProperty: 'ringOrder',
      memory: 'arm', expectedUnder: { sc: 'verified', tso: 'verified' },
      parameters: { publication: 'plain', tsoMode: false }, system: () => appleTsoRing('arm', 'plain'),
    },
    {
      name: 'wmb-only-arm-mode', description: 'smp_wmb() in the producer only: the consumer\'s loads still reorder', expected: 'violated', expectedProperty: 'ringOrder',
      memory: 'arm', expectedUnder: { sc: 'verified', tso: 'verified' },
      parameters: { publication: 'wmb-only', tsoMode: false }, system: () => appleTsoRing('arm', 'wmb-only'),
    },
    {
      name: 'arm-barriers-arm-mode', description: 'smp_wmb() after the payload store, smp_rmb() after the index load (dmb ishst / dmb ishld)', expected: 'verified',
      memory: 'arm', expectedUnder: { sc: 'verified', tso: 'verified' },
      parameters: { publication: 'wmb-rmb', tsoMode: false }, system: () => appleTsoRing('arm', 'wmb-rmb'),
    },
    {
      name: 'release-acquire-arm-mode', description: 'smp_store_release() of the index, smp_load_acquire() of it (stlr / ldar)', expected: 'verified',
      memory: 'arm', expectedUnder: { sc: 'verified', tso: 'verified' },
      parameters: { publication: 'release-acquire', tsoMode: false }, system: () => appleTsoRing('arm', 'release-acquire'),
    },
  ],
});
