// `--max-memory` (and a config's bounds.maxMemory): a size, or by default half of what the machine has.
import { totalmem } from 'node:os';
import { CliError } from './exitCodes.ts';

const UNITS: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/**
 * `--max-memory 8G` (K, M, G, T; a bare number is megabytes). By default half of the machine's memory,
 * or of the container's limit where there is one: a big model then stops with `bounded` (memory) and
 * its report, rather than filling the machine.
 */
export function memoryLimit(value: string | undefined): number {
  if (value === undefined) {
    const constrained = process.constrainedMemory?.() ?? 0;
    const physical = totalmem();
    return Math.floor((constrained > 0 && constrained < physical ? constrained : physical) / 2);
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT])?i?B?\s*$/i.exec(value);
  const bytes = m ? Number(m[1]) * UNITS[(m[2] ?? 'M').toUpperCase()] : NaN;
  if (!(bytes >= 2 ** 20)) throw new CliError('--max-memory must be a size of at least 1M, such as 512M or 8G');
  return Math.floor(bytes);
}
