// A variant's settable parameters: declared with a type and a default (`vcpus: param.integer(2, { min: 1,
// max: 4 })`), handed to its `system(params)`, and set from outside (`--param vcpus=3`, a config file, a
// trace being replayed). Every value from outside is checked against its declaration here, so a model
// never builds with a value of the wrong type or out of its range.

export type ParameterValue = string | number | boolean;

export interface ParameterDeclaration<T extends ParameterValue = ParameterValue> {
  type: 'integer' | 'number' | 'boolean' | 'string';
  default: T;
  /** integer, number: the smallest and largest value allowed. */
  min?: number;
  max?: number;
  /** string: the values allowed (none given: any string). */
  values?: readonly string[];
  description?: string;
}

export type ParameterDeclarations = Record<string, ParameterDeclaration>;

/** The values `system(params)` receives for these declarations. */
export type ParameterValues<D extends ParameterDeclarations> = { [K in keyof D]: D[K] extends ParameterDeclaration<infer T> ? T : never };

interface RangeOptions { min?: number; max?: number; description?: string }

/** Builders of declarations, each typed by the value it declares. */
export const param = {
  integer: (defaultValue: number, o: RangeOptions = {}): ParameterDeclaration<number> => ({ type: 'integer', default: defaultValue, ...o }),
  number: (defaultValue: number, o: RangeOptions = {}): ParameterDeclaration<number> => ({ type: 'number', default: defaultValue, ...o }),
  boolean: (defaultValue: boolean, o: { description?: string } = {}): ParameterDeclaration<boolean> => ({ type: 'boolean', default: defaultValue, ...o }),
  string: (defaultValue: string, o: { description?: string } = {}): ParameterDeclaration<string> => ({ type: 'string', default: defaultValue, ...o }),
  /** One of a fixed list of strings (`param.oneOf(['cmpxchg', 'store-mb'], 'cmpxchg')`). */
  oneOf: <const V extends string>(values: readonly V[], defaultValue: NoInfer<V>, o: { description?: string } = {}): ParameterDeclaration<V> =>
    ({ type: 'string', default: defaultValue, values, ...o }),
};

/** A value that is not what its declaration allows, or a name no declaration has. */
export class ParameterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ParameterError';
  }
}

const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What a declaration allows, as an error message shows it: `an integer from 1 to 4`, `one of a, b`. */
export function describeDeclaration(d: ParameterDeclaration): string {
  const range = d.min !== undefined && d.max !== undefined ? ` from ${d.min} to ${d.max}` : d.min !== undefined ? ` of at least ${d.min}` : d.max !== undefined ? ` of at most ${d.max}` : '';
  switch (d.type) {
    case 'integer': return `an integer${range}`;
    case 'number': return `a number${range}`;
    case 'boolean': return 'true or false';
    case 'string': return d.values ? `one of ${d.values.join(', ')}` : 'a string';
  }
}

const fits = (d: ParameterDeclaration, v: unknown): boolean => {
  switch (d.type) {
    case 'integer':
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && (d.type === 'number' || Number.isInteger(v)) && (d.min === undefined || v >= d.min) && (d.max === undefined || v <= d.max);
    case 'boolean': return typeof v === 'boolean';
    case 'string': return typeof v === 'string' && (d.values === undefined || d.values.includes(v));
    default: return false;
  }
};

/** Problems with a variant's declarations (its own fault, not a user's value), or null. */
export function declarationProblem(params: unknown): string | null {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return '`params` must be an object of parameter name -> declaration (param.integer(2), ...)';
  for (const [name, d] of Object.entries(params as Record<string, ParameterDeclaration>)) {
    if (!PARAMETER_NAME.test(name)) return `parameter name ${JSON.stringify(name)} is not an identifier (letters, digits and _)`;
    if (typeof d !== 'object' || d === null || !['integer', 'number', 'boolean', 'string'].includes(d.type)) return `parameter ${name}: declare it with param.integer, param.number, param.boolean, param.string or param.oneOf`;
    if (d.values !== undefined && (!Array.isArray(d.values) || d.values.length === 0 || !d.values.every((x) => typeof x === 'string'))) return `parameter ${name}: \`values\` must be a non-empty list of strings`;
    if (!fits(d, d.default)) return `parameter ${name}: its default ${JSON.stringify(d.default)} is not ${describeDeclaration(d)}`;
  }
  return null;
}

/** A value given as text (`--param vcpus=3`), read as its declaration's type. */
export function parseParameter(name: string, d: ParameterDeclaration, text: string): ParameterValue {
  const t = text.trim();
  const value: unknown = d.type === 'boolean' ? (t === 'true' ? true : t === 'false' ? false : undefined)
    : d.type === 'string' ? text
    : /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t) ? Number(t) : undefined;
  return checkParameter(name, d, value ?? text);
}

/** A value given as data (a config file, a trace), checked against its declaration. */
export function checkParameter(name: string, d: ParameterDeclaration, value: unknown): ParameterValue {
  if (!fits(d, value)) throw new ParameterError(`parameter ${name} is ${describeDeclaration(d)}, not ${JSON.stringify(value)}`);
  return value as ParameterValue;
}

/**
 * The values for `declarations`: the defaults, with `given` over them. A name with no declaration is an
 * error naming the ones there are, never a value silently left unused.
 */
export function resolveParameters(declarations: ParameterDeclarations | undefined, given: Record<string, unknown>, read: 'text' | 'data'): Record<string, ParameterValue> {
  const decls = declarations ?? {};
  for (const name of Object.keys(given)) {
    if (!Object.prototype.hasOwnProperty.call(decls, name)) {
      const known = Object.keys(decls);
      throw new ParameterError(`no parameter '${name}' (${known.length === 0 ? 'it takes no parameters' : `its parameters: ${known.join(', ')}`})`);
    }
  }
  return Object.fromEntries(Object.entries(decls).map(([name, d]) => {
    if (!Object.prototype.hasOwnProperty.call(given, name)) return [name, d.default];
    const v = given[name];
    return [name, read === 'text' && typeof v === 'string' ? parseParameter(name, d, v) : checkParameter(name, d, v)];
  }));
}
