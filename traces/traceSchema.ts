// The schema a trace file must satisfy on load. Written against the TypeScript types in traceFile.ts
// (`z.ZodType<TraceFile>`), so the two cannot drift apart. Objects are strict: an unknown field is more
// likely a typo or a newer format than something to ignore.
import { z } from 'zod';
import { NAME_PATTERN } from '../checker/system.ts';
import { TRACE_FORMATS } from './traceFile.ts';
import type { TraceFile } from './traceFile.ts';

// The same names checker/system.ts accepts for actors and cells. `__proto__` and friends are refused so
// names from a file can never reach an object's prototype chain.
const name = z.string().regex(NAME_PATTERN, 'not an identifier, optionally indexed (vp[1])')
  .refine((s) => s !== '__proto__' && s !== 'constructor' && s !== 'prototype', 'reserved name');

const cellValue = z.union([z.number(), z.boolean(), z.string(), z.null()]);
const event = z.looseObject({ type: z.string().min(1) });
const actorState = z.strictObject({ value: z.json(), context: z.json(), status: z.string() });
const message = z.strictObject({ kind: z.enum(['post', 'call', 'reply']), from: name, to: name, event, ignored: z.literal(true).optional() });
const violation = z.strictObject({ property: z.string(), message: z.string() });

const access = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('store'), cell: name, value: cellValue, buffered: z.boolean(), release: z.boolean().optional() }),
  z.strictObject({ op: z.literal('load'), cell: name, value: cellValue, from: z.enum(['memory', 'buffer']), acquire: z.boolean().optional() }),
  z.strictObject({ op: z.literal('fence'), fence: z.enum(['full', 'store', 'load']) }),
  z.strictObject({ op: z.literal('rmw'), rmw: z.string(), cell: name, old: cellValue, stored: z.boolean() }),
  z.strictObject({ op: z.literal('flush'), cell: name, value: cellValue }),
]);

const step = z.strictObject({
  step: z.int().positive(),
  actor: name,
  kind: z.enum(['deliver', 'spontaneous', 'timer', 'flush']),
  event,
  reads: z.record(name, cellValue).optional(),
  choices: z.array(z.int().nonnegative()).optional(),
  memory: z.array(access).optional(),
  sent: z.array(message).optional(),
  changed: z.record(name, actorState).optional(),
  cells: z.record(name, cellValue).optional(),
  inFlight: z.record(name, z.array(event)).optional(),
  buffers: z.record(name, z.array(z.strictObject({ cell: name, value: cellValue }))).optional(),
  ignored: z.literal(true).optional(),
  violation: violation.optional(),
});

const source = z.strictObject({
  module: z.string().min(1),
  export: z.string().optional(),
  scenario: z.string().optional(),
  variant: z.string().optional(),
  parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
});

/** The file as written: `$schema` names the JSON Schema (traceJsonSchema.ts); older files have none. */
export const traceFileSchema = z.strictObject({
  $schema: z.string().optional(),
  format: z.enum(TRACE_FORMATS),
  system: source,
  systemName: z.string().optional(),
  memory: z.enum(['sc', 'tso', 'arm']).optional(),
  property: z.string().min(1),
  message: z.string(),
  kind: z.literal('witness').optional(),
  initial: z.strictObject({
    actors: z.record(name, actorState).refine((actors) => Object.keys(actors).length > 0, 'a trace has at least one actor'),
    cells: z.record(name, cellValue),
    inFlight: z.record(name, z.array(event)),
  }),
  steps: z.array(step),
  cycle: z.strictObject({ start: z.int().nonnegative() }).optional(),
});

/** A trace as loaded: `$schema` is about the file, not the counterexample, so it is dropped. */
export const traceSchema: z.ZodType<TraceFile> = traceFileSchema.transform(({ $schema: _schema, ...trace }) => trace);
