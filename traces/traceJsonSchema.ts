// The trace format's JSON Schema, generated from the zod schema that loading enforces (traceSchema.ts),
// so tools outside vmbus-check can validate a trace file. Published as traces/trace.schema.json
// (written by `npx tsx traces/writeTraceSchema.ts`; a test fails when the file is stale). Rules the
// JSON Schema cannot say (reserved names, step numbering, names declared in the initial state) are
// checked only on load.
import { z } from 'zod';
import { TRACE_FORMAT, TRACE_SCHEMA_ID } from './traceFile.ts';
import { traceFileSchema } from './traceSchema.ts';

export function traceJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(traceFileSchema, { io: 'input', target: 'draft-2020-12' });
  return {
    $schema,
    $id: TRACE_SCHEMA_ID,
    title: `vmbus-check counterexample trace (${TRACE_FORMAT})`,
    description: 'A counterexample written by `vmbus-check check --out` and read by `vmbus-check replay` (docs/traces.md).',
    ...rest,
  };
}

/** The schema as committed: two-space JSON and a final line break. */
export const traceJsonSchemaText = () => JSON.stringify(traceJsonSchema(), null, 2) + '\n';
