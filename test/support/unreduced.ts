// Explorer options for a test that compares the engine's state graph with an independent count (the
// brute-force reference, a hand count, a store kind against another): both reductions, on by default,
// switched off, so that every reachable state is stored.
export const UNREDUCED = { partialOrder: false, symmetry: false } as const;
