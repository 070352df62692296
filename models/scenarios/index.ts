// Placeholder until the built-in scenarios are merged (issue-3, issue-4 write the real list here).
import type { Scenario } from '../../checker/index.ts';

export const builtinScenarios: Scenario[] = [];
