// The zod schema a configuration must satisfy (written against VmbusCheckConfig, so the two cannot drift
// apart), and its first problem as one line naming the field: `bounds.maxStates: a whole number of at
// least 1`. Objects are strict: an unknown field is a typo more often than not.
import { z } from 'zod';
import { MEMORY_MODELS, STORE_KINDS } from '../checker/index.ts';
import type { VmbusCheckConfig } from './defineConfig.ts';
import { REPORT_FORMATS } from './formatNames.ts';

const text = (what: string) => z.string({ error: `must be ${what}` }).trim().min(1, `must be ${what}`);
const whole = (min: number) => z.int({ error: `must be a whole number of at least ${min}` }).min(min, `must be a whole number of at least ${min}`);
const parameterValue = z.union([z.string(), z.number(), z.boolean()], { error: 'must be a string, a number or true/false' });

const model = z.union([
  text('a scenario name, a model path or a glob'),
  z.strictObject({
    model: text('a scenario name, a model path or a glob'),
    variants: z.array(text('a variant name'), { error: 'must be a list of variant names' }).min(1, 'must name at least one variant').optional(),
    params: z.record(z.string(), parameterValue, { error: 'must be an object of parameter name -> value' }).optional(),
  }),
], { error: 'must be a scenario name, a model path, a glob, or { model, variants?, params? }' });

export const configSchema: z.ZodType<VmbusCheckConfig> = z.strictObject({
  models: z.array(model, { error: 'must be a list of models (scenario names, paths or globs)' }).min(1, 'must name at least one model'),
  memory: z.array(z.enum(MEMORY_MODELS, { error: `must be one of ${MEMORY_MODELS.join(', ')}` }), { error: `must be a list of memory models (${MEMORY_MODELS.join(', ')})` })
    .min(1, 'must name at least one memory model')
    .refine((m) => new Set(m).size === m.length, 'names a memory model twice').optional(),
  bounds: z.strictObject({
    maxStates: whole(1).optional(),
    maxDepth: whole(0).optional(),
    timeLimit: z.number({ error: 'must be a positive number of seconds' }).positive('must be a positive number of seconds').finite('must be a positive number of seconds').optional(),
    maxMemory: z.union([z.string(), z.number()], { error: 'must be a size such as 512M or 8G, or a number of megabytes' }).optional(),
  }, { error: 'must be an object of maxStates, maxDepth, timeLimit, maxMemory' }).optional(),
  allViolations: z.boolean({ error: 'must be true or false' }).optional(),
  store: z.enum(STORE_KINDS, { error: `must be one of ${STORE_KINDS.join(', ')}` }).optional(),
  bitstateBits: whole(3).max(32, 'must be a whole number from 3 to 32').optional(),
  bitstateHashes: whole(1).max(16, 'must be a whole number from 1 to 16').optional(),
  workers: whole(1).optional(),
  symmetry: z.boolean({ error: 'must be true or false' }).optional(),
  partialOrder: z.boolean({ error: 'must be true or false' }).optional(),
  splitSearch: z.boolean({ error: 'must be true or false' }).optional(),
  reports: z.array(z.strictObject({
    format: z.enum(REPORT_FORMATS, { error: `must be one of ${REPORT_FORMATS.join(', ')}` }),
    output: text('a file path').optional(),
  }, { error: 'must be { format, output? }' }), { error: 'must be a list of { format, output? }' })
    .min(1, 'must list at least one report')
    .refine((r) => r.filter((x) => x.output === undefined).length <= 1, 'send at most one report to standard output (give the others an output file)')
    .optional(),
  out: text('a file or folder path').optional(),
}, { error: 'a configuration must be an object, such as defineConfig({ models: [...] })' });

/** The configuration's first problem as `field.path: what it must be`. */
export function configProblem(issues: readonly z.core.$ZodIssue[]): string {
  const issue = issues[0];
  const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (field ? `${field}.${k}` : k));
    return `unknown field ${keys.join(', ')}`;
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // The entry's own message, unless one branch says more precisely which field is wrong.
    const nested = issue.errors.map((e) => e[0]).find((e) => e && e.path.length > 0);
    if (nested) return configProblem([{ ...nested, path: [...issue.path, ...nested.path] }]);
  }
  return field ? `${field}: ${issue.message}` : issue.message;
}
