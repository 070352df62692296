// The public library API of vmbus-check: define a system of XState machines, explore it, judge it.
export { post, call, reply, write, fail, cellsOf } from './vocabulary.ts';
export type { CellValue } from './vocabulary.ts';
export {
  load, smp_load_acquire, smp_store_release, smp_store_mb, fence, smp_mb, virt_mb, mb, mfence, dmb_ish, smp_wmb, dmb_ishst,
  smp_rmb, dmb_ishld, stlr, ldar, xchg, cmpxchg, test_and_set_bit, test_and_clear_bit, fetch_or,
} from './memoryVocabulary.ts';
export type { FenceName, RmwOp } from './memoryVocabulary.ts';
export { vocabularyFor } from './typedVocabulary.ts';
export type { Vocabulary, SystemNames, TypedGlobalView, TypedActorSpec, TypedSystemDefinition } from './typedVocabulary.ts';
export { MEMORY_MODELS, MEMORY_CAVEATS, EVENT_SYNC_CAVEAT, TIMER_SYNC_CAVEAT } from './memoryModel.ts';
export type { MemoryModelName } from './memoryModel.ts';
export { defineSystem, validateSystem, SystemDefinitionError, isStateMachine, symmetryGroup } from './system.ts';
export type { ActorSpec, SystemDefinition, Fairness, SymmetryGroup } from './system.ts';
export { invariant, stall, allOf, leadsTo, alwaysEventually, eventually, reachable, BUILTIN } from './properties.ts';
export type { Property, Judgement, LivenessProperty, PropertyReads } from './properties.ts';
export type { GlobalView, GlobalState, ActorState } from './globalView.ts';
export { compileSystem } from './compile.ts';
export type { CompiledSystem } from './compile.ts';
export { explore, exploreAsync, Exploration, LIVENESS_GRACE } from './explorer.ts';
export { SYMMETRY_SWITCHED_OFF } from './symmetryChoice.ts';
export type { ExploreOptions, AsyncExploreOptions, Progress } from './explorer.ts';
export type { SystemRecipe, ThreadsOption } from './parallelSearch.ts';
export { OVER_ON_ONE_THREAD } from './parallelSearch.ts';
export { Execution } from './execution.ts';
export { STORE_KINDS } from './frontierStore.ts';
export type { StoreKind } from './frontierStore.ts';
export { approximationText, probabilityText, MAX_OMISSION_PROBABILITY } from './storeApproximation.ts';
export { neverFired, transitionLabel } from './coverage.ts';
export { randomSearch, randomWalks, randomResult, sharedFirstViolation } from './randomSearch.ts';
export type { RandomPart, RandomSearchOptions } from './randomSearch.ts';
export { portableUnder } from './portableStates.ts';
export type { Happening, StepOutcome } from './execution.ts';
export type { LassoVerdict } from './lassoJudgement.ts';
export type { CheckResult, Violation, Verdict, Bound, BoundKind, Stats, Step, GoalResult, StoreApproximation, RandomFinding, RandomSearchRun, ActorCoverage, StateCoverage, TransitionCoverage } from './result.ts';
export { defineScenario, defineVariant, validateScenario, ScenarioDefinitionError } from './scenario.ts';
export type { DefinedScenario, Scenario, Variant, VariantDefinition } from './scenario.ts';
export { param, ParameterError, resolveParameters, describeDeclaration } from './parameters.ts';
export type { ParameterValue, ParameterDeclaration, ParameterDeclarations, ParameterValues } from './parameters.ts';
export { definitionSite } from './sourceLocation.ts';
export type { SourceLocation } from './sourceLocation.ts';
