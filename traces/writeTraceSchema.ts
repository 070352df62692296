// Writes traces/trace.schema.json from the zod schema: `npx tsx traces/writeTraceSchema.ts`, after a
// change to the trace format (test/traceJsonSchema.test.ts fails until the file is rewritten).
import { writeFileSync } from 'node:fs';
import { traceJsonSchemaText } from './traceJsonSchema.ts';

writeFileSync(new URL('./trace.schema.json', import.meta.url), traceJsonSchemaText());
