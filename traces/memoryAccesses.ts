// A step's memory accesses as the trace records them: what each load returned and from where, stores
// (buffered or not), fences, RMWs and flushes. Recorded under tso and arm, where `cells` alone cannot say.
import type { Happening } from '../checker/index.ts';
import type { TraceMemoryAccess } from './traceFile.ts';

export /** The memory accesses of a step, in order (the stores, loads, fences, RMWs and flushes of any actor). */
function memoryAccesses(happenings: Happening[]): TraceMemoryAccess[] {
  const out: TraceMemoryAccess[] = [];
  for (const h of happenings) {
    if (h.what === 'write') out.push({ op: 'store', cell: h.cell, value: h.value, buffered: h.buffered, ...(h.release ? { release: true } : {}) });
    else if (h.what === 'load') out.push({ op: 'load', cell: h.cell, value: h.value, from: h.forwarded ? 'buffer' : 'memory', ...(h.acquire ? { acquire: true } : {}) });
    else if (h.what === 'fence') out.push({ op: 'fence', fence: h.fence });
    else if (h.what === 'rmw') out.push({ op: 'rmw', rmw: h.op, cell: h.cell, old: h.old, stored: h.stored });
    else if (h.what === 'flush') out.push({ op: 'flush', cell: h.cell, value: h.value });
  }
  return out;
}
