// UEFI firmware's boot services around ExitBootServices, as edk2's DXE core implements them
// (MdeModulePkg/Core/Dxe/DxeMain/DxeMain.c CoreExitBootServices; MdeModulePkg/Core/Dxe/Mem/Page.c
// CoreGetMemoryMap, CoreTerminateMemoryMap). The rules:
// - GetMemoryMap returns the current map key; any allocation or free changes it (Page.c: mMemoryMapKey
//   is incremented on every map change; CoreTerminateMemoryMap compares it with MapKey), including one
//   made by a timer or event notify function.
// - ExitBootServices(MapKey), in edk2's order: signal EFI_EVENT_GROUP_BEFORE_EXIT_BOOT_SERVICES (its
//   handlers may still use boot services); disable the timer (gTimer->SetTimerPeriod(gTimer, 0)), even
//   when the call will fail; CoreTerminateMemoryMap(MapKey) fails with EFI_INVALID_PARAMETER if the key
//   is stale (then ExitBootServicesFailed is signalled and the call returns); on success signal
//   EFI_EVENT_GROUP_EXIT_BOOT_SERVICES, clear gDxeCoreST->BootServices and ZeroMem(gBS).
// - The Before group: the UEFI spec (2.10, EFI_BOOT_SERVICES.ExitBootServices) says the events "are only
//   signaled once even if ExitBootServices() is called multiple times"; edk2 signals them on every call
//   (edk2 issue #10550, "gBS->ExitBootServices signals events more than once"). Both are offered.
// - After a failed ExitBootServices the loader may call only GetMemoryMap and ExitBootServices under
//   UEFI <= 2.8; UEFI 2.9 also allows the Memory Allocation Services. edk2 does not enforce this; the
//   model records a forbidden call (`callBetweenAttempts`) so a property can judge it.
// - After a successful ExitBootServices the boot-services table is zero: a call through a cached pointer
//   jumps to address 0, an instruction abort (AArch64 ESR 0x86000007: EC 0x21, IFSC 0x07, translation
//   fault level 3), the fault edk2 issue #10656 reports (Xen on ArmVirtPkg QEMU_EFI; root cause not
//   confirmed there).
//
// Use: `efiFirmwareActor({ timerAllocates, beforeExitHandler, uefiRevision })`. Events from the loader,
// all `call`s answered with `reply`: { type: 'getMemoryMap' } -> { type: 'memoryMap', mapKey };
// { type: 'allocatePool' } -> { type: 'allocated' }; { type: 'exitBootServices', mapKey } ->
// { type: 'exitBootServicesResult', status }; { type: 'bootServiceCall', service } (any other service)
// -> { type: 'bootServiceResult' }. The timer notify function is the spontaneous event { type: 'timerTick' }.
// Simplified: one allocation always changes the key (a pool allocation that fits an existing pool page
// does not change edk2's map); the timer's notify function allocates once (a periodic callback that
// allocated its buffer on the first tick), which keeps the state space finite; TPL, the ExitBootServices
// group's handlers and the ExitBootServicesFailed group are not modelled.
import { assign, setup } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { reply } from '../checker/index.ts';
import type { ActorSpec } from '../checker/index.ts';

/** When the BeforeExitBootServices group is signalled: once (UEFI 2.10 text) or on every call (edk2). */
export type BeforeExitSignalling = 'once' | 'every-call';

export interface EfiFirmwareInput {
  /** A timer notify function allocates (once) while the timer runs. */
  timerAllocates: boolean;
  /** A BeforeExitBootServices handler that allocates, and how the group is signalled; null: no handler. */
  beforeExitHandler: BeforeExitSignalling | null;
  /** The spec revision the loader is judged against: '2.8' (GetMemoryMap only between attempts) or '2.9'. */
  uefiRevision: '2.8' | '2.9';
}

interface EfiFirmwareContext extends EfiFirmwareInput {
  mapKey: number;
  timerArmed: boolean;
  timerAllocated: boolean;
  beforeExitSignalled: boolean;
  /** The first call other than GetMemoryMap/ExitBootServices made after a failed ExitBootServices. */
  callBetweenAttempts: string | null;
  /** The service called through the zeroed boot-services table. */
  abortedCall: string | null;
}

type EfiFirmwareEvent =
  | { type: 'getMemoryMap' }
  | { type: 'allocatePool' }
  | { type: 'exitBootServices'; mapKey: number }
  | { type: 'bootServiceCall'; service: string }
  | { type: 'timerTick' };

export const EFI_SUCCESS = 'EFI_SUCCESS';
export const EFI_INVALID_PARAMETER = 'EFI_INVALID_PARAMETER';

/** Whether this ExitBootServices call runs an allocating BeforeExitBootServices handler. */
const beforeHandlerAllocates = (c: EfiFirmwareContext): boolean =>
  c.beforeExitHandler === 'every-call' || (c.beforeExitHandler === 'once' && !c.beforeExitSignalled);

const mapKeyMatches = ({ context, event }: { context: EfiFirmwareContext; event: EfiFirmwareEvent }) =>
  (event as { mapKey: number }).mapKey === context.mapKey;

export const efiFirmwareMachine = setup({
  types: {} as { context: EfiFirmwareContext; events: EfiFirmwareEvent; input: EfiFirmwareInput; emitted: AnyEventObject },
  guards: {
    timerWillAllocate: ({ context }) => context.timerArmed && context.timerAllocates && !context.timerAllocated,
    // The Before handler runs inside this call, after the loader's GetMemoryMap (DxeMain.c order).
    keyStillValid: ({ context, event }) => !beforeHandlerAllocates(context) && mapKeyMatches({ context, event }),
    forbiddenBetweenAttempts: ({ context, event }) =>
      event.type !== 'allocatePool' || context.uefiRevision === '2.8',
  },
  actions: {
    replyMap: reply(({ context }: { context: EfiFirmwareContext }) => ({ type: 'memoryMap', mapKey: context.mapKey })),
    allocate: assign({ mapKey: ({ context }) => context.mapKey + 1 }),
    replyAllocated: reply({ type: 'allocated' }),
    replyService: reply({ type: 'bootServiceResult' }),
    timerAllocates: assign({ mapKey: ({ context }) => context.mapKey + 1, timerAllocated: true }),
    // DxeMain.c CoreExitBootServices: the Before group, then SetTimerPeriod(0), then the key check.
    beginExit: assign({
      mapKey: ({ context }) => beforeHandlerAllocates(context) ? context.mapKey + 1 : context.mapKey,
      beforeExitSignalled: ({ context }) => context.beforeExitHandler !== null,
      timerArmed: false,
    }),
    replyExitFailed: reply({ type: 'exitBootServicesResult', status: EFI_INVALID_PARAMETER }),
    replyExited: reply({ type: 'exitBootServicesResult', status: EFI_SUCCESS }),
    recordBetween: assign({
      callBetweenAttempts: ({ context, event }) =>
        context.callBetweenAttempts ?? (event.type === 'allocatePool' ? 'AllocatePool' : (event as { service: string }).service),
    }),
    recordAbort: assign({
      abortedCall: ({ event }) => event.type === 'exitBootServices' ? 'ExitBootServices'
        : event.type === 'getMemoryMap' ? 'GetMemoryMap'
          : event.type === 'allocatePool' ? 'AllocatePool' : (event as { service: string }).service,
    }),
  },
}).createMachine({
  id: 'efiFirmware',
  context: ({ input }) => ({
    ...input, mapKey: 1, timerArmed: true, timerAllocated: false, beforeExitSignalled: false,
    callBetweenAttempts: null, abortedCall: null,
  }),
  initial: 'bootServices',
  states: {
    bootServices: {
      tags: ['end'],
      on: {
        getMemoryMap: { actions: 'replyMap' },
        allocatePool: { actions: ['allocate', 'replyAllocated'] },
        bootServiceCall: { actions: 'replyService' },
        timerTick: { guard: 'timerWillAllocate', actions: 'timerAllocates' },
        exitBootServices: [
          { guard: 'keyStillValid', target: 'exited', actions: ['beginExit', 'replyExited'] },
          { target: 'exitFailed', actions: ['beginExit', 'replyExitFailed'] },
        ],
      },
    },
    // Between a failed ExitBootServices and the next: services still work (edk2 did not tear them
    // down), but the spec restricts what the loader may call.
    exitFailed: {
      tags: ['end'],
      on: {
        getMemoryMap: { actions: 'replyMap' },
        allocatePool: [
          { guard: 'forbiddenBetweenAttempts', actions: ['recordBetween', 'allocate', 'replyAllocated'] },
          { actions: ['allocate', 'replyAllocated'] },
        ],
        bootServiceCall: { actions: ['recordBetween', 'replyService'] },
        exitBootServices: [
          { guard: 'keyStillValid', target: 'exited', actions: ['beginExit', 'replyExited'] },
          { actions: ['beginExit', 'replyExitFailed'] },
        ],
      },
    },
    // gBS zeroed: every boot service pointer is 0.
    exited: {
      tags: ['end'],
      on: {
        getMemoryMap: { target: 'instructionAbort', actions: 'recordAbort' },
        allocatePool: { target: 'instructionAbort', actions: 'recordAbort' },
        bootServiceCall: { target: 'instructionAbort', actions: 'recordAbort' },
        exitBootServices: { target: 'instructionAbort', actions: 'recordAbort' },
      },
    },
    // The CPU took the abort at PC 0; nothing answers the call.
    instructionAbort: { tags: ['end'] },
  },
});

export function efiFirmwareActor(input: EfiFirmwareInput): ActorSpec {
  if (typeof input.timerAllocates !== 'boolean') throw new Error('efi firmware: timerAllocates must be a boolean');
  if (input.beforeExitHandler !== null && input.beforeExitHandler !== 'once' && input.beforeExitHandler !== 'every-call') {
    throw new Error(`efi firmware: beforeExitHandler is ${JSON.stringify(input.beforeExitHandler)}, not 'once', 'every-call' or null`);
  }
  if (input.uefiRevision !== '2.8' && input.uefiRevision !== '2.9') throw new Error(`efi firmware: uefiRevision is ${JSON.stringify(input.uefiRevision)}, not '2.8' or '2.9'`);
  return { machine: efiFirmwareMachine, input, spontaneous: [{ type: 'timerTick' }] };
}
