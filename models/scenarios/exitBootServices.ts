// Scenario exit-boot-services: a loader leaving UEFI boot services on edk2 firmware (edk2 issue #10656:
// Xen on ArmVirtPkg QEMU_EFI took an instruction abort at PC 0 right after a successful
// ExitBootServices). The root cause was not confirmed; the scenario checks the rules around it:
// the map-key race (a timer or BeforeExitBootServices handler allocates between the loader's
// GetMemoryMap and the key check inside ExitBootServices, which then fails with EFI_INVALID_PARAMETER),
// the spec's retry, what the loader may call between attempts, and that nothing may call through the
// boot-services table once it is zeroed. Rules and sources: models/efiFirmware.ts, models/efiLoader.ts.
import { defineScenario, defineSystem, invariant, reachable } from '../../checker/index.ts';
import type { SystemDefinition } from '../../checker/index.ts';
import { efiFirmwareActor } from '../efiFirmware.ts';
import type { EfiFirmwareInput } from '../efiFirmware.ts';
import { efiLoaderActor } from '../efiLoader.ts';
import type { EfiLoaderInput } from '../efiLoader.ts';

export type ExitBootServicesOptions = Omit<EfiFirmwareInput, 'uefiRevision'> & Omit<EfiLoaderInput, 'firmware'> & {
  uefiRevision?: EfiFirmwareInput['uefiRevision'];
};

export function exitBootServicesSystem(o: ExitBootServicesOptions): SystemDefinition {
  return defineSystem({
    name: `exit-boot-services (retry ${o.retry}, timer ${o.timerAllocates ? 'allocates' : 'quiet'}, BeforeExitBootServices handler ${o.beforeExitHandler ?? 'none'})`,
    actors: {
      loader: efiLoaderActor({ firmware: 'firmware', retry: o.retry, callBetweenAttempts: o.callBetweenAttempts, callAfterExit: o.callAfterExit }),
      firmware: efiFirmwareActor({ timerAllocates: o.timerAllocates, beforeExitHandler: o.beforeExitHandler, uefiRevision: o.uefiRevision ?? '2.8' }),
    },
    properties: {
      // Not vacuous: the first ExitBootServices fails and the retry gets through.
      exitsOnRetry: reachable((g) => g.actors.loader.matches('handedOff') && g.actors.loader.context.attempts === 2),
      exitBootServicesGaveUp: invariant((g) => !g.actors.loader.matches('gaveUp') ||
        `ExitBootServices failed with EFI_INVALID_PARAMETER on attempt ${g.actors.loader.context.attempts} and the loader stopped retrying`),
      bootServicesAfterExit: invariant((g) => !g.actors.firmware.matches('instructionAbort') ||
        `${g.actors.firmware.context.abortedCall} called through the zeroed boot-services table after ExitBootServices succeeded: instruction abort at PC 0 (ESR 0x86000007)`),
      callBetweenExitAttempts: invariant((g) => g.actors.firmware.context.callBetweenAttempts === null ||
        `${g.actors.firmware.context.callBetweenAttempts} called between a failed ExitBootServices and its retry (UEFI ${g.actors.firmware.context.uefiRevision} allows only GetMemoryMap${g.actors.firmware.context.uefiRevision === '2.9' ? ' and the Memory Allocation Services' : ''})`),
    },
  });
}

interface EbsVariant {
  name: string;
  options: ExitBootServicesOptions;
  expected: 'verified' | 'violated';
  expectedProperty?: string;
  why: string;
}

const clean = { callBetweenAttempts: false, callAfterExit: false } as const;

const VARIANTS: EbsVariant[] = [
  { name: 'no-retry', options: { retry: 'none', timerAllocates: true, beforeExitHandler: null, ...clean },
    expected: 'violated', expectedProperty: 'exitBootServicesGaveUp',
    why: 'the timer allocates between GetMemoryMap and ExitBootServices; the stale key fails the only attempt' },
  { name: 'call-after-exit', options: { retry: 'single-retry', timerAllocates: true, beforeExitHandler: null, ...clean, callAfterExit: true },
    expected: 'violated', expectedProperty: 'bootServicesAfterExit',
    why: 'ExitBootServices succeeds, then a cached boot-services pointer is called: the table is zero, the CPU aborts at PC 0' },
  { name: 'call-between-attempts', options: { retry: 'single-retry', timerAllocates: true, beforeExitHandler: null, ...clean, callBetweenAttempts: true },
    expected: 'violated', expectedProperty: 'callBetweenExitAttempts',
    why: 'AllocatePool between the failed ExitBootServices and the retry, which UEFI <= 2.8 forbids' },
  { name: 'call-between-attempts-uefi-2.9', options: { retry: 'single-retry', timerAllocates: true, beforeExitHandler: null, ...clean, callBetweenAttempts: true, uefiRevision: '2.9' },
    expected: 'verified',
    why: 'UEFI 2.9 allows the Memory Allocation Services between attempts, and the retry GetMemoryMap comes after the allocation' },
  { name: 'xen-before-exit-once', options: { retry: 'single-retry', timerAllocates: true, beforeExitHandler: 'once', ...clean },
    expected: 'verified',
    why: "Xen's single retry: the timer is off after the first call and the allocating BeforeExitBootServices handler ran only then, so the retry's key holds" },
  { name: 'xen-before-exit-every-call', options: { retry: 'single-retry', timerAllocates: false, beforeExitHandler: 'every-call', ...clean },
    expected: 'violated', expectedProperty: 'exitBootServicesGaveUp',
    why: 'edk2 signals BeforeExitBootServices on every call (#10550): the allocating handler makes every key stale, inside ExitBootServices itself, so no number of retries succeeds' },
];

export const exitBootServices = defineScenario({
  name: 'exit-boot-services',
  description: 'edk2 #10656 (root cause not confirmed): the ExitBootServices map-key race, its retry rule, and calls through the boot-services table after it succeeds',
  variants: VARIANTS.map((v) => ({
    name: v.name,
    description: v.why,
    expected: v.expected,
    ...(v.expectedProperty ? { expectedProperty: v.expectedProperty } : {}),
    parameters: {
      retry: v.options.retry, timerAllocates: v.options.timerAllocates, beforeExitHandler: v.options.beforeExitHandler ?? 'none',
      uefiRevision: v.options.uefiRevision ?? '2.8', callBetweenAttempts: v.options.callBetweenAttempts, callAfterExit: v.options.callAfterExit,
    },
    system: () => exitBootServicesSystem(v.options),
  })),
});
