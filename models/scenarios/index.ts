// The built-in scenarios: what `vmbus-check` with no arguments checks.
import type { DefinedScenario } from '../../checker/index.ts';
import { exitBootServices } from './exitBootServices.ts';
import { lostWakeupScenario, petersonScenario } from './examples.ts';
import { appleTsoMode } from './appleTsoMode.ts';
import { kvmVcpuKickScenario } from './kvmVcpuKick.ts';
import { linuxRingBarriersScenario } from './linuxRingBarriers.ts';
import { vmbusSignalEomScenario } from './vmbusSignalEom.ts';
import { shutdownIcBoot } from './shutdownIcBoot.ts';
import { vtl2Servicing } from './vtl2Servicing.ts';
import { sintCoalescing } from './sintCoalescing.ts';
import { modifyChannel } from './modifyChannel.ts';
import { channelLifecycle } from './channelLifecycle.ts';

export const builtinScenarios: DefinedScenario[] = [
  shutdownIcBoot,
  vtl2Servicing,
  channelLifecycle,
  exitBootServices,
  lostWakeupScenario,
  petersonScenario,
  appleTsoMode,
  kvmVcpuKickScenario,
  linuxRingBarriersScenario,
  vmbusSignalEomScenario,
  sintCoalescing,
  modifyChannel,
];
