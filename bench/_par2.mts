import { exploreAsync } from '../checker/index.ts';
import { model } from './parallelSearch.ts';
const name = process.argv[2] ?? 'ring-2x8x8';
const recipe = { count: 2, system: { module: new URL('./parallelSearch.ts', import.meta.url).href, export: 'model', data: name } };
const b = await exploreAsync(model(name), { threads: recipe as any });
console.log(b.stats);
