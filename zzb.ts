import { parallelSearchSpeedup } from './bench/parallelSearch.ts';
await parallelSearchSpeedup({ repeat: 1, json: false });
