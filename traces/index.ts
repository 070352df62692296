// Counterexample traces: a versioned file format, replay against the models, and pictures.
export { TRACE_FORMAT } from './traceFile.ts';
export type { SystemSource, TraceFile, TraceStep, TraceMessage, TraceActorState } from './traceFile.ts';
export { TraceError } from './traceError.ts';
export { buildTrace } from './buildTrace.ts';
export { serializeTrace } from './serializeTrace.ts';
export { parseTrace, MAX_TRACE_CHARS } from './parseTrace.ts';
export { readTraceFile, writeTraceFile } from './traceFileIO.ts';
export { replayTrace } from './replayTrace.ts';
export type { ReplayResult, ReplayOptions, Divergence } from './replayTrace.ts';
export { describeReplay } from './describeReplay.ts';
export { renderTimeline } from './timeline.ts';
export { renderMermaid } from './mermaid.ts';
export { renderMarkdown } from './markdown.ts';
export { renderHtml } from './html.ts';
export { traceFrames } from './traceFrames.ts';
export type { TraceFrame } from './traceFrames.ts';
export { safeLines, safeText } from './safeText.ts';
