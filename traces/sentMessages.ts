// The messages a step sent, from the happenings Execution recorded, in order. A reply names only its
// sender; it goes back to whoever called the replier (calls nest, so the most recent such call).
import type { Happening } from '../checker/index.ts';
import type { TraceMessage } from './traceFile.ts';

export function sentMessages(happenings: Happening[]): TraceMessage[] {
  const out: TraceMessage[] = [];
  const calls: { from: string; to: string }[] = [];
  for (const h of happenings) {
    if (h.what === 'post') out.push({ kind: 'post', from: h.from, to: h.to, event: h.event });
    else if (h.what === 'call') {
      calls.push({ from: h.from, to: h.to });
      out.push({ kind: 'call', from: h.from, to: h.to, event: h.event });
    } else if (h.what === 'reply') {
      const call = [...calls].reverse().find((c) => c.to === h.from);
      out.push({ kind: 'reply', from: h.from, to: call ? call.from : h.from, event: h.event });
    }
  }
  return out;
}
