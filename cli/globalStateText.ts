// A global state as text, for `replay --step N`: every actor's state value and context, the cells and
// the messages in flight.
import type { GlobalState } from '../checker/index.ts';

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

export function globalStateText(g: GlobalState): string {
  const lines: string[] = ['actors:'];
  const width = Math.max(0, ...Object.keys(g.actors).map((n) => n.length));
  for (const [name, a] of Object.entries(g.actors)) {
    const context = a.context && typeof a.context === 'object' && Object.keys(a.context).length > 0 ? `  context ${JSON.stringify(a.context)}` : '';
    const status = a.status === 'active' ? '' : `  (${a.status})`;
    lines.push(`  ${name.padEnd(width)}  ${show(a.value)}${status}${context}`);
  }
  const cells = Object.entries(g.cells);
  lines.push(cells.length > 0 ? 'cells:' : 'cells: none');
  for (const [name, value] of cells) lines.push(`  ${name} = ${JSON.stringify(value)}`);
  const queues = Object.entries(g.inFlight).filter(([, q]) => q.length > 0);
  lines.push(queues.length > 0 ? 'in flight:' : 'in flight: nothing');
  for (const [to, q] of queues) lines.push(`  to ${to}: ${q.map((e) => JSON.stringify(e)).join(', ')}`);
  return lines.join('\n') + '\n';
}
