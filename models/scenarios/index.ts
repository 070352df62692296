// The built-in scenarios: what `vmbus-check` with no arguments checks.
import type { Scenario } from '../../checker/index.ts';
import { lostWakeupScenario, petersonScenario } from './examples.ts';

export const builtinScenarios: Scenario[] = [lostWakeupScenario, petersonScenario];
