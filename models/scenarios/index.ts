// The built-in scenarios, in the order a user meets them.
import type { Scenario } from '../../checker/index.ts';
import { vtl2Servicing } from './vtl2Servicing.ts';

export const builtinScenarios: Scenario[] = [vtl2Servicing];
