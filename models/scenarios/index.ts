// The built-in scenarios, checked by `vmbus-check` with no arguments.
import type { Scenario } from '../../checker/index.ts';
import { shutdownIcBoot } from './shutdownIcBoot.ts';
import { vtl2Servicing } from './vtl2Servicing.ts';

export const builtinScenarios: Scenario[] = [
  shutdownIcBoot,
  vtl2Servicing,
];
