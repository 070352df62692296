import { exploreAsync } from './checker/index.ts';
import { model } from './bench/parallelSearch.ts';
const name = process.argv[2] ?? 'counters-4x34';
const threads = { count: 2, system: { module: new URL('./bench/parallelSearch.ts', import.meta.url).href, export: 'model', data: name } };
await exploreAsync(model('mailboxes-3x9'), { threads: { ...threads, system: { ...threads.system, data: 'mailboxes-3x9' } }, maxStates: 1000 });
for (const t of [1, 2]) {
  const c0 = process.cpuUsage(); const w0 = performance.now();
  const r = await exploreAsync(model(name), t === 2 ? { threads } : {});
  const c = process.cpuUsage(c0); const w = (performance.now() - w0) / 1000;
  console.log(name, t, r.stats.states, 'wall', w.toFixed(2), 'cpu', ((c.user + c.system) / 1e6).toFixed(2));
}
process.exit(0);
