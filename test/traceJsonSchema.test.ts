// The trace format's published JSON Schema (traces/trace.schema.json): generated from the zod schema,
// committed up to date, and agreeing with parseTrace on real and broken traces, checked by an
// independent JSON Schema validator (ajv, draft 2020-12).
import { readdirSync, readFileSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';
import { describe, expect, test } from 'vitest';
import { parseTrace, serializeTrace, TRACE_FORMAT, TRACE_SCHEMA_ID, traceJsonSchema } from '../traces/index.ts';

const committed = JSON.parse(readFileSync('traces/trace.schema.json', 'utf8'));
const Ajv2020 = Ajv2020Module.default;
const validate = new Ajv2020({ allErrors: true, strict: false }).compile(committed);
const fixtures = ['', 'examples/'].flatMap((d) => readdirSync(`traces/fixtures/${d}`).filter((f) => f.endsWith('.trace.json')).map((f) => `traces/fixtures/${d}${f}`));
const text = (file: string) => readFileSync(file, 'utf8');

describe('the trace JSON Schema', () => {
  test('the committed file is the one generated from the zod schema (npx tsx traces/writeTraceSchema.ts)', () => {
    expect(committed).toEqual(traceJsonSchema());
    expect(committed.$id).toBe(TRACE_SCHEMA_ID);
    // The id follows the format's version, so a new format gets a new schema id.
    expect(TRACE_SCHEMA_ID.split(':').at(-1)).toBe(TRACE_FORMAT.split('/')[1]);
  });

  test('every committed trace fixture validates, and names the schema first', () => {
    expect(fixtures.length).toBeGreaterThan(20);
    for (const file of fixtures) {
      const data = JSON.parse(text(file));
      expect(validate(data) ? [] : validate.errors, file).toEqual([]);
      expect(Object.keys(data)[0], file).toBe('$schema');
      expect(data.$schema).toBe(TRACE_SCHEMA_ID);
    }
  });

  test('what the schema refuses, parseTrace refuses too', () => {
    const good = JSON.parse(text('traces/fixtures/lost-wakeup.buggy.trace.json'));
    const broken = [
      { ...good, format: 'vmbus-check-trace/999' },
      { ...good, extra: 1 },
      { ...good, steps: [{ ...good.steps[0], kind: 'teleport' }] },
      { ...good, initial: { ...good.initial, cells: { 'not a name': 0 } } },
      { ...good, $schema: 42 },
    ];
    for (const b of broken) {
      expect(validate(b)).toBe(false);
      expect(() => parseTrace(JSON.stringify(b))).toThrow();
    }
  });

  test('parseTrace loads a trace with $schema and an older one without it, to the same trace', () => {
    const withSchema = text('traces/fixtures/peterson.broken.trace.json');
    const { $schema: _s, ...old } = JSON.parse(withSchema);
    const a = parseTrace(withSchema);
    expect(a).toEqual(parseTrace(JSON.stringify(old)));
    expect(a).not.toHaveProperty('$schema');
    // Written back, it is the file again.
    expect(serializeTrace(a)).toBe(withSchema);
  });
});
