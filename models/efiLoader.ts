// An OS loader leaving boot services: GetMemoryMap, then ExitBootServices(MapKey), retrying on
// EFI_INVALID_PARAMETER as the UEFI spec asks (EFI_BOOT_SERVICES.ExitBootServices: "If MapKey value is
// incorrect, ExitBootServices() returns EFI_INVALID_PARAMETER and GetMemoryMap() with
// ExitBootServices() must be called again").
// Retry policies:
//   'none'         call ExitBootServices once and give up on failure (Linux's arm FDT stub did, until
//                  commit fc07716ba803 "efi/libstub: Introduce ExitBootServices helper", 2016);
//   'single-retry' one retry: Xen xen/common/efi/boot.c efi_exit_boot (`for ( retry = 0; ; retry = 1 )`,
//                  breaking when the status is not EFI_INVALID_PARAMETER or on the retry; then
//                  PrintErrMesg -> blexit, which halts because efi_bs is NULL) and Linux
//                  drivers/firmware/efi/libstub efi_exit_boot_services (one GetMemoryMap into the
//                  same buffer, then one more ExitBootServices: "The spec implies one retry should be
//                  sufficent, which is confirmed against the EDK2 implementation").
// Two faults can be switched on, each a rule the loader breaks:
//   `callBetweenAttempts`: an AllocatePool between the failed ExitBootServices and the retry's
//     GetMemoryMap (forbidden under UEFI <= 2.8; Xen commit d4300db3a0 sets efi_bs = NULL after the
//     first call so that only SystemTable->BootServices->GetMemoryMap/ExitBootServices are reachable);
//   `callAfterExit`: one boot-service call through a pointer cached before a successful
//     ExitBootServices (the PC 0 abort of edk2 issue #10656).
//
// Use: `efiLoaderActor({ firmware, retry, callBetweenAttempts, callAfterExit })`. The loader steps on
// its own (spontaneous { type: 'run' }), one boot-service call per step, so the firmware's timer can
// fire between GetMemoryMap and ExitBootServices. Final states: 'handedOff' (boot services exited),
// 'gaveUp' (ExitBootServices still failing when the policy stops retrying).
// Simplified: the memory-map buffer is always big enough (Xen and Linux reserve slack descriptors);
// the work between GetMemoryMap and ExitBootServices (Xen efi_arch_process_memory_map and
// efi_arch_pre_exit_boot, Linux priv_func) makes no boot-service call and is not modelled.
import { assign, setup } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call } from '../checker/index.ts';
import type { ActorSpec } from '../checker/index.ts';
import { EFI_SUCCESS } from './efiFirmware.ts';

export type ExitRetryPolicy = 'none' | 'single-retry';

export interface EfiLoaderInput {
  /** The firmware actor. */
  firmware: string;
  retry: ExitRetryPolicy;
  callBetweenAttempts: boolean;
  callAfterExit: boolean;
}

interface EfiLoaderContext extends EfiLoaderInput {
  mapKey: number | null;
  attempts: number;
}

type EfiLoaderEvent =
  | { type: 'run' }
  | { type: 'memoryMap'; mapKey: number }
  | { type: 'allocated' }
  | { type: 'exitBootServicesResult'; status: string }
  | { type: 'bootServiceResult' };

export const efiLoaderMachine = setup({
  types: {} as { context: EfiLoaderContext; events: EfiLoaderEvent; input: EfiLoaderInput; emitted: AnyEventObject },
  guards: {
    exited: ({ event }) => (event as { status: string }).status === EFI_SUCCESS,
    mayRetry: ({ context }) => context.retry === 'single-retry' && context.attempts < 2,
    allocatesBeforeRetry: ({ context }) => context.callBetweenAttempts,
    callsAfterExit: ({ context }) => context.callAfterExit,
  },
  actions: {
    getMemoryMap: call(({ context }: { context: EfiLoaderContext }) => context.firmware, { type: 'getMemoryMap' }),
    keepKey: assign({ mapKey: ({ event }) => (event as { mapKey: number }).mapKey }),
    exitBootServices: call(({ context }: { context: EfiLoaderContext }) => context.firmware,
      ({ context }: { context: EfiLoaderContext }) => ({ type: 'exitBootServices', mapKey: context.mapKey })),
    countAttempt: assign({ attempts: ({ context }) => context.attempts + 1 }),
    allocatePool: call(({ context }: { context: EfiLoaderContext }) => context.firmware, { type: 'allocatePool' }),
    // A cached boot-services pointer (for example a console print) used after the hand-off.
    cachedBootServiceCall: call(({ context }: { context: EfiLoaderContext }) => context.firmware, { type: 'bootServiceCall', service: 'OutputString' }),
  },
}).createMachine({
  id: 'efiLoader',
  context: ({ input }) => ({ ...input, mapKey: null, attempts: 0 }),
  initial: 'loading',
  states: {
    loading: { on: { run: { target: 'gettingMap', actions: 'getMemoryMap' } } },
    gettingMap: { on: { memoryMap: { target: 'haveMap', actions: 'keepKey' } } },
    haveMap: { on: { run: { target: 'exiting', actions: ['countAttempt', 'exitBootServices'] } } },
    exiting: {
      on: {
        exitBootServicesResult: [
          { guard: 'exited', target: 'exited' },
          { guard: 'mayRetry', target: 'retrying' },
          { target: 'gaveUp' },
        ],
      },
    },
    retrying: {
      on: {
        run: [
          { guard: 'allocatesBeforeRetry', target: 'allocatingBeforeRetry', actions: 'allocatePool' },
          { target: 'gettingMap', actions: 'getMemoryMap' },
        ],
      },
    },
    allocatingBeforeRetry: { on: { allocated: 'allocatedBeforeRetry' } },
    allocatedBeforeRetry: { on: { run: { target: 'gettingMap', actions: 'getMemoryMap' } } },
    exited: {
      always: [{ guard: 'callsAfterExit', target: 'callingAfterExit' }, { target: 'handedOff' }],
    },
    callingAfterExit: { on: { run: { target: 'calledAfterExit', actions: 'cachedBootServiceCall' } } },
    // The call never returns when the firmware aborts; a reply would mean the table was still live.
    calledAfterExit: { tags: ['end'], on: { bootServiceResult: 'handedOff' } },
    handedOff: { type: 'final' },
    gaveUp: { type: 'final' },
  },
});

export function efiLoaderActor(input: EfiLoaderInput): ActorSpec {
  if (typeof input.firmware !== 'string' || input.firmware === '') throw new Error('efi loader: firmware must name the firmware actor');
  if (input.retry !== 'none' && input.retry !== 'single-retry') throw new Error(`efi loader: retry is ${JSON.stringify(input.retry)}, not 'none' or 'single-retry'`);
  return { machine: efiLoaderMachine, input, spontaneous: [{ type: 'run' }] };
}
