// Explores one ring size in a fresh process, so that its CPU time and peak memory are its own, and
// prints one JSON line: states, verdict, CPU seconds of the exploration, store bytes, peak RSS.
import { explore } from '../checker/index.ts';
import { runReport } from './runReport.ts';
import { ring } from './ringModel.ts';
import type { RingBug } from './ringModel.ts';
import { UNREDUCED } from './unreduced.ts';

const [channels, slots, values] = process.argv.slice(2, 5).map(Number);
const bug = (process.argv[5] ?? 'none') as RingBug;
const system = ring({ channels, slots, values, bug });
const before = process.cpuUsage();
const r = explore(system, UNREDUCED);
console.log(runReport(r, before));
