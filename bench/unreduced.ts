// The explorer's options for a benchmark of the engine itself: both reductions, on by default, switched
// off, so that state counts match their independent figures (SPIN's -DNOREDUCE, k^n, the reference) and
// speeds compare like with like.
export const UNREDUCED = { partialOrder: false, symmetry: false } as const;
