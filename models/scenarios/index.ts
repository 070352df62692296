// The built-in scenarios, checked by `vmbus-check` with no arguments.
import type { Scenario } from '../../checker/index.ts';
import { shutdownIcBoot } from './shutdownIcBoot.ts';

export const builtinScenarios: Scenario[] = [
  shutdownIcBoot,
];
