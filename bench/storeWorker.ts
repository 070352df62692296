// Explores one benchmark model with one store kind in a fresh process (bench/storeKinds.ts), and
// prints one JSON line: states, verdict, CPU seconds of the exploration, store bytes, peak RSS.
import { explore } from '../checker/index.ts';
import { runReport } from './runReport.ts';
import type { StoreKind } from '../checker/index.ts';
import { storeBenchModels } from './models.ts';
import { UNREDUCED } from './unreduced.ts';

const [model, store] = process.argv.slice(2) as [string, StoreKind];
const before = process.cpuUsage();
const r = explore(storeBenchModels[model](), { store, ...UNREDUCED });
console.log(runReport(r, before));
