import { exploreAsync } from '../checker/index.ts';
import { model } from './parallelSearch.ts';
const name = process.argv[2] ?? 'ring-2x8x8';
const recipe = { count: 2, system: { module: new URL('./parallelSearch.ts', import.meta.url).href, export: 'model', data: name } };
await exploreAsync(model(name), { threads: recipe as any, maxStates: 1000 });
for (let i = 0; i < 2; i++) {
  let c = process.cpuUsage(); let t = performance.now();
  const a = await exploreAsync(model(name));
  let cu = process.cpuUsage(c); console.log('one', a.stats.states, ((performance.now()-t)/1000).toFixed(2), 's wall', ((cu.user+cu.system)/1e6).toFixed(2), 'cpu');
  c = process.cpuUsage(); t = performance.now();
  const b = await exploreAsync(model(name), { threads: recipe as any });
  cu = process.cpuUsage(c); console.log('two', b.stats.states, ((performance.now()-t)/1000).toFixed(2), 's wall', ((cu.user+cu.system)/1e6).toFixed(2), 'cpu');
}
