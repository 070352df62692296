// --workers' default: one search thread per core this process may use.
import { availableParallelism } from 'node:os';

export const defaultWorkers = (): number => Math.max(1, availableParallelism());
