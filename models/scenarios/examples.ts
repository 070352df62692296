// Two textbook races as built-in scenarios: small enough to explore in milliseconds, so they serve as the
// quick start, the README's worked examples and the CLI's test subjects. Each is defined beside its
// model, which therefore is a model module the CLI can load by path too.
export { scenario as lostWakeupScenario } from '../examples/lostWakeup.ts';
export { scenario as petersonScenario } from '../examples/peterson.ts';
