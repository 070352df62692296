// Reading and writing trace files: the I/O edge. The size cap is checked on the file before it is read.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { MAX_TRACE_CHARS, parseTrace } from './parseTrace.ts';
import { serializeTrace } from './serializeTrace.ts';
import type { TraceFile } from './traceFile.ts';
import { TraceError } from './traceError.ts';

export function readTraceFile(path: string): TraceFile {
  let text: string;
  try {
    const { size, isFile } = statInfo(path);
    if (!isFile) throw new TraceError(`${path} is not a file`);
    // UTF-8 takes at least one byte per character, so a file under the cap in bytes is under it in characters.
    if (size > MAX_TRACE_CHARS) throw new TraceError(`trace file ${path} is too large (${size} bytes; the limit is ${MAX_TRACE_CHARS})`);
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof TraceError) throw e;
    throw new TraceError(`cannot read trace file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    return parseTrace(text);
  } catch (e) {
    if (e instanceof TraceError) throw new TraceError(`${path}: ${e.message}`);
    throw e;
  }
}

export function writeTraceFile(path: string, trace: TraceFile): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, serializeTrace(trace));
}

function statInfo(path: string): { size: number; isFile: boolean } {
  const s = statSync(path);
  return { size: s.size, isFile: s.isFile() };
}
