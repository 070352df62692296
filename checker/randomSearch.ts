// Random and swarm search, for systems too big to exhaust: reproducible random walks from the initial
// state, each judged as the explorer judges every state it reaches (invariants after every step, stalls
// and deadlock where only timers can fire, what a step itself raises). It can find a violation and never
// prove there is none: without one the verdict is `bounded` (bound `sampled`), never `verified`. With
// `swarm` (SPIN's swarm search, Holzmann, Joshi, Groce, "Swarm verification", ASE 2008) each walk has its
// own actor priorities and its own depth limit, so that walks spread over the state space instead of all
// following the likeliest paths. A counterexample is shrunk: steps are removed while what is left still
// runs and still violates the same property.
import { Execution } from './execution.ts';
import type { MemoryModelName } from './memoryModel.ts';
import { MEMORY_CAVEATS } from './memoryModel.ts';
import type { Bound, BoundKind, CheckResult, Step, Violation } from './result.ts';
import type { SystemDefinition } from './system.ts';
import { countDistinct, portableStates } from './portableStates.ts';
import type { PortableStates } from './portableStates.ts';

export interface RandomSearchOptions {
  /** Walks to take (default 1000). */
  walks?: number;
  /** Steps a walk takes at most (default 500); a swarm walk draws its own limit up to this. */
  maxDepth?: number;
  /** The search's seed (default 1): the same seed, system and options take the same walks. */
  seed?: number;
  swarm?: boolean;
  /** Take only the walks of shard `index` of `count` (0-based): walk w when w % count === index. */
  shard?: { index: number; count: number };
  timeLimitSeconds?: number;
  memory?: MemoryModelName;
  signal?: AbortSignal;
}


/** mulberry32: a small, well-mixed 32-bit generator; ample for choosing steps. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A walk's own seed, from the search's seed and the walk's number (so that a shard retakes the same walks). */
const walkSeed = (seed: number, walk: number) => Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(walk + 1, 0xc2b2ae35);

const MAX_COUNTED = 1_000_000;

type WalkEnd =
  | { kind: 'violation'; violation: Violation }
  | { kind: 'bound'; bound: string }
  | { kind: 'done' };

export async function randomSearch(system: SystemDefinition, options: RandomSearchOptions = {}): Promise<CheckResult> {
  const started = performance.now();
  const part = await randomWalks(system, options);
  return randomResult([part], options, (performance.now() - started) / 1000);
}

/**
 * What one thread's share of a random search took (its shard of the walks), kept per walk so that the
 * shares of several threads merge into exactly what one thread taking every walk would report
 * (randomResult): that one stops at the first violating walk, so whatever the others took past it
 * does not count.
 */
export interface RandomPart {
  memory: MemoryModelName;
  /** The walks taken, ascending, and the steps each took. */
  walks: number[];
  steps: number[];
  /** Each bound a walk hit, with the first walk that hit it, in that order. */
  walkBounds: { walk: number; bound: Bound }[];
  /** Why the part stopped before its last walk (interrupted, the time limit), if it did. */
  stopped: Bound[];
  /** Each distinct state visited (at most MAX_COUNTED), with the first walk that visited it. */
  visited: Map<string, number>;
  /**
   * Taken beside other threads: `visited` in a form every thread shares (this thread's interned ids mean
   * nothing to another), with each state's first walk; `visited` is then left empty.
   */
  portable?: { states: PortableStates; walks: Int32Array };
  /** The part's first violating walk, its violation shrunk. */
  found?: { walk: number; violation: Violation; walkSteps: number };
}

const NO_VIOLATION = 0x7fffffff;

/**
 * A place for threads sharing one search to note the first violating walk any has found, so that each
 * stops before walks past it (they would not count): pass the same one to each thread's randomWalks.
 */
export function sharedFirstViolation(): Int32Array {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  cell[0] = NO_VIOLATION;
  return cell;
}

/** Lowers the shared first violating walk to `walk`; false when another thread already found an earlier one. */
function noteViolation(cell: Int32Array, walk: number): boolean {
  for (let seen = Atomics.load(cell, 0); walk < seen; seen = Atomics.load(cell, 0)) {
    if (Atomics.compareExchange(cell, 0, seen, walk) === seen) return true;
  }
  return false;
}

/** The walks of one shard (all of them without one); `firstViolation` is shared with the threads taking the other shards. */
export async function randomWalks(system: SystemDefinition, options: RandomSearchOptions = {}, firstViolation?: Int32Array): Promise<RandomPart> {
  const started = performance.now();
  const exec = new Execution(system, options.memory);
  const walks = options.walks ?? 1000;
  const maxDepth = options.maxDepth ?? 500;
  const seed = options.seed ?? 1;
  const shard = options.shard ?? { index: 0, count: 1 };
  const deadline = options.timeLimitSeconds !== undefined ? started + options.timeLimitSeconds * 1000 : Infinity;
  const part: RandomPart = { memory: exec.sys.memory, walks: [], steps: [], walkBounds: [], stopped: [], visited: new Map() };
  const boundsSeen = new Set<string>();
  let w = shard.index;
  // Distinct states visited, counted up to a cap so that a long search keeps its memory.
  const visited = part.visited;
  const visit = (v: Int32Array) => {
    if (visited.size >= MAX_COUNTED) return;
    const key = v.join(',');
    if (!visited.has(key)) visited.set(key, w);
  };
  for (; w < walks; w += shard.count) {
    if (firstViolation && w > Atomics.load(firstViolation, 0)) break;
    if (options.signal?.aborted) { part.stopped.push({ kind: 'interrupted', detail: 'stopped by the user' }); break; }
    if (performance.now() >= deadline) { part.stopped.push({ kind: 'timeLimit', detail: `time limit of ${options.timeLimitSeconds} s reached` }); break; }
    const walk = takeWalk(exec, generator(walkSeed(seed, w)), maxDepth, options.swarm === true, visit);
    part.walks.push(w);
    part.steps.push(walk.steps.length);
    if (walk.end.kind === 'bound' && !boundsSeen.has(walk.end.bound)) {
      boundsSeen.add(walk.end.bound);
      part.walkBounds.push({ walk: w, bound: { kind: boundKindOf(walk.end.bound), detail: walk.end.bound } });
    }
    if (walk.end.kind === 'violation') {
      const v = walk.end.violation;
      // Shrinking is the costly part: not worth it for a walk that another thread's earlier one outranks.
      const first = firstViolation === undefined || noteViolation(firstViolation, w);
      part.found = { walk: w, violation: first ? { ...v, steps: shrink(exec, v.steps, v.property) } : v, walkSteps: v.steps.length };
      break;
    }
    if ((part.walks.length & 15) === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  if (firstViolation) {
    // Only what may count: states first visited no later than the first violating walk found so far.
    const last = Atomics.load(firstViolation, 0);
    const kept = [...visited].filter(([, walk]) => walk <= last);
    const states = portableStates(exec.sys, kept.map(([key]) => Int32Array.from(key.split(','), Number)));
    if (states === null) throw new Error(`a random search under ${exec.sys.memory} cannot be split across threads`);
    part.portable = { states, walks: Int32Array.from(kept, ([, walk]) => walk) };
    visited.clear();
  }
  return part;
}

/**
 * The search's result from its parts (one per thread; together the walks of `options.shard`, or all of
 * them): the result one thread taking those walks in order would give. The first violating walk wins;
 * walks past it, which that one thread would never have taken, are left out of every count.
 */
export function randomResult(parts: RandomPart[], options: RandomSearchOptions, seconds: number): CheckResult {
  const maxDepth = options.maxDepth ?? 500;
  const seed = options.seed ?? 1;
  const shard = options.shard ?? { index: 0, count: 1 };
  const memory = parts[0]?.memory ?? options.memory ?? 'sc';
  const winner = parts.reduce<RandomPart['found']>((best, p) => (p.found && (!best || p.found.walk < best.walk) ? p.found : best), undefined);
  const last = winner?.walk ?? Infinity;
  let taken = 0;
  let steps = 0;
  let deepest = 0;
  for (const p of parts) {
    for (let i = 0; i < p.walks.length && p.walks[i] <= last; i++) {
      taken++;
      steps += p.steps[i];
      deepest = Math.max(deepest, p.steps[i]);
    }
  }
  const firstHit = new Map<string, { walk: number; bound: Bound }>();
  for (const b of parts.flatMap((p) => p.walkBounds)) {
    const seen = firstHit.get(b.bound.detail);
    if (b.walk <= last && (!seen || b.walk < seen.walk)) firstHit.set(b.bound.detail, b);
  }
  const bounds = new Map<string, Bound>([...firstHit.values()].sort((a, b) => a.walk - b.walk).map((b) => [b.bound.detail, b.bound]));
  for (const b of parts.flatMap((p) => p.stopped)) if (!bounds.has(b.kind)) bounds.set(b.kind, b);
  let states = 0;
  const portable = parts.map((p) => p.portable);
  if (portable.every((p) => p !== undefined)) {
    states = countDistinct(portable.map((p) => p.states), (n, i) => portable[n].walks[i] <= last, MAX_COUNTED);
  } else if (parts.length === 1) {
    for (const walk of parts[0].visited.values()) if (walk <= last) states++;
  } else {
    throw new Error('the parts of a random search taken in several threads must each carry portable states');
  }
  states = Math.min(states, MAX_COUNTED);
  const sampled: Bound = {
    kind: 'sampled',
    detail: `random${options.swarm ? ' swarm' : ''} search: ${taken} walks of at most ${maxDepth} steps from seed ${seed}` +
      `${shard.count > 1 ? ` (shard ${shard.index + 1} of ${shard.count})` : ''}: not exhaustive`,
  };
  return {
    verdict: winner ? 'violated' : 'bounded',
    memory, memoryCaveat: MEMORY_CAVEATS[memory],
    violations: winner ? [winner.violation] : [],
    // Walks judge no reachability goals or liveness properties: a sample can claim neither.
    goals: [],
    bounds: winner ? [] : [sampled, ...bounds.values()],
    // states: the distinct states the walks visited (at most MAX_COUNTED); transitions: the steps taken.
    stats: { states, transitions: steps, depth: deepest, seconds, statesPerSec: seconds > 0 ? steps / seconds : 0, bytesPerState: 0, localTransitions: 0, queued: 0 },
    ...(winner ? { found: { seed, walk: winner.walk, walkSteps: winner.walkSteps } } : {}),
    random: { walks: taken, maxDepth, seed, swarm: options.swarm === true, ...(shard.count > 1 ? { shard } : {}) },
  };
}

/** A step's bound names its kind before a colon (`storeBuffer: ...`); a full in-flight queue otherwise. */
function boundKindOf(reason: string): BoundKind {
  const kind = reason.split(':')[0];
  return kind === 'storeBuffer' || kind === 'history' ? kind : 'queueCapacity';
}

function takeWalk(exec: Execution, random: () => number, maxDepth: number, swarm: boolean, visit: (v: Int32Array) => void): { steps: Step[]; end: WalkEnd } {
  const steps: Step[] = [];
  const init = exec.initial();
  if (init.violation) return { steps, end: { kind: 'violation', violation: { ...init.violation, steps: [] } } };
  if (!init.state) return { steps, end: { kind: 'bound', bound: init.bound ?? 'the start-up hit a bound' } };
  let v = init.state;
  visit(v);
  const bad = exec.invariantViolations(v)[0];
  if (bad) return { steps, end: { kind: 'violation', violation: { ...bad, steps: [] } } };
  const actors = exec.sys.actorNames;
  // Swarm: each walk favours some actors over others, and stops at its own depth.
  const weight = new Map(actors.map((a) => [a, swarm ? 0.05 + random() : 1]));
  const limit = swarm ? 1 + Math.floor(random() * maxDepth) : maxDepth;
  while (steps.length < limit) {
    const enabled = exec.enabled(v);
    const judged = judgeQuiescent(exec, v, steps, enabled);
    if (judged) return { steps, end: { kind: 'violation', violation: judged } };
    if (enabled.length === 0) return { steps, end: { kind: 'done' } };
    const chosen = pick(enabled, weight, random);
    // Under arm a load may return one of several values: the walk draws one (falling back to the first
    // values that enable the step when the draw does not).
    const drawn = exec.applyChoosing(v, chosen, random);
    const step = drawn?.step ?? chosen;
    const out = drawn?.outcome ?? exec.apply(v, chosen)!;
    steps.push(step);
    if (out.violation) return { steps, end: { kind: 'violation', violation: { ...out.violation, steps: [...steps] } } };
    if (!out.state) return { steps, end: { kind: 'bound', bound: out.bound ?? 'a step hit a bound' } };
    v = out.state;
    visit(v);
    const broken = exec.invariantViolations(v)[0];
    if (broken) return { steps, end: { kind: 'violation', violation: { ...broken, steps: [...steps] } } };
  }
  return { steps, end: { kind: 'done' } };
}

/** A step chosen with probability proportional to its actor's weight. */
function pick(enabled: Step[], weight: Map<string, number>, random: () => number): Step {
  const total = enabled.reduce((sum, s) => sum + weight.get(s.actor)!, 0);
  let r = random() * total;
  for (const s of enabled) {
    r -= weight.get(s.actor)!;
    if (r < 0) return s;
  }
  return enabled[enabled.length - 1];
}

/**
 * Where only timers (or nothing) can fire: the explorer's stall and deadlock judgement, as a violation
 * whose steps end with the first armed timer firing (the watchdog), as the explorer's do.
 */
function judgeQuiescent(exec: Execution, v: Int32Array, steps: Step[], enabled = exec.enabled(v)): Violation | null {
  // Not quiescent: a step other than a timer can fire (most states; no judgement to compute).
  if (enabled.some((s) => s.kind !== 'timer')) return null;
  const j = exec.quiescentJudgement(v)[0];
  if (!j) return null;
  const timer = enabled.find((s) => s.kind === 'timer');
  return { property: j.property, message: j.message, steps: timer && !j.threw ? [...steps, timer] : [...steps] };
}

/** The steps' own violation of `property`, re-run from the start: its steps, or null when they no longer run into it. */
function rerun(exec: Execution, steps: Step[], property: string): Step[] | null {
  const init = exec.initial();
  if (!init.state) return init.violation?.property === property ? [] : null;
  let v = init.state;
  if (exec.invariantViolations(v).some((b) => b.property === property)) return [];
  for (let i = 0; i < steps.length; i++) {
    const stalled = judgeQuiescent(exec, v, steps.slice(0, i));
    if (stalled) return stalled.property === property ? stalled.steps : null;
    const out = exec.apply(v, steps[i]);
    if (!out) return null;
    if (out.violation) return out.violation.property === property ? steps.slice(0, i + 1) : null;
    if (!out.state) return null;
    v = out.state;
    if (exec.invariantViolations(v).some((b) => b.property === property)) return steps.slice(0, i + 1);
  }
  const atEnd = judgeQuiescent(exec, v, steps);
  return atEnd?.property === property ? atEnd.steps : null;
}

/**
 * The steps with every loop cut out: where the walk comes back to a global state it was in before, the
 * steps between are dropped (the state is the same, so what follows runs the same).
 */
function withoutLoops(exec: Execution, steps: Step[]): Step[] {
  const init = exec.initial();
  if (!init.state) return steps;
  let v = init.state;
  const kept: Step[] = [];
  const seen = new Map<string, number>([[v.join(','), 0]]);
  for (const step of steps) {
    const out = exec.apply(v, step);
    if (!out?.state) return [...kept, step];
    v = out.state;
    kept.push(step);
    const key = v.join(',');
    const at = seen.get(key);
    if (at !== undefined) {
      for (const [k, i] of seen) if (i > at) seen.delete(k);
      kept.length = at;
    } else seen.set(key, kept.length);
  }
  return kept;
}

/**
 * Shortens a counterexample: loops cut out, then chunks of steps removed, halving the chunk, while the
 * rest still violates `property` (delta debugging). Not always a shortest one, as breadth-first search gives.
 */
function shrink(exec: Execution, steps: Step[], property: string): Step[] {
  const looped = withoutLoops(exec, steps);
  let best = rerun(exec, looped, property) ?? steps;
  let tries = 0;
  for (let chunk = Math.max(1, Math.floor(best.length / 2)); chunk >= 1; chunk = Math.floor(chunk / 2)) {
    for (let i = 0; i < best.length && tries < 2000; ) {
      tries++;
      const shorter = rerun(exec, [...best.slice(0, i), ...best.slice(i + chunk)], property);
      if (shorter !== null && shorter.length < best.length) best = shorter;
      else i += chunk;
    }
    if (chunk === 1) break;
  }
  return best;
}
