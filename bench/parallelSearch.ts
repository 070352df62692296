// One exhaustive check on one thread against the same check split across two (ExploreOptions.threads,
// checker/parallelSearch.ts): states per second both ways, measured one after the other in this process,
// with the verdicts and state counts asserted equal. The machine's other jobs take cores from the two
// threads, so each row gives the load average too. Also the recipe the threads rebuild the models from.
import os from 'node:os';
import { exploreAsync } from '../checker/index.ts';
import type { CheckResult, SystemDefinition } from '../checker/index.ts';
import { counters, mailboxes } from './models.ts';
import { ring } from './ringModel.ts';
import { UNREDUCED } from './unreduced.ts';

const models: Record<string, () => SystemDefinition> = {
  'counters-4x34': () => counters(4, 34),
  'mailboxes-3x9': () => mailboxes(3, 9, 3),
  'ring-2x8x8': () => ring({ channels: 2, slots: 8, values: 8 }),
};

/** The recipe: a model of this file by name. */
export const model = (name: string): SystemDefinition => models[name]();

export interface ParallelBenchOptions { repeat: number; json: boolean }

/** Runs the comparison; returns false when the two searches disagree. */
export async function parallelSearchSpeedup(opts: ParallelBenchOptions): Promise<boolean> {
  let ok = true;
  const recipe = (name: string) => ({ count: 2, system: { module: import.meta.url, export: 'model', data: name } });
  // A first parallel search starts the threads (kept for the next searches), so that no row pays for it.
  await exploreAsync(model('mailboxes-3x9'), { threads: recipe('mailboxes-3x9'), maxStates: 1000, ...UNREDUCED });
  for (const name of Object.keys(models)) {
    let one: CheckResult | null = null;
    let two: CheckResult | null = null;
    for (let i = 0; i < opts.repeat; i++) {
      const a = await exploreAsync(model(name), UNREDUCED);
      const b = await exploreAsync(model(name), { threads: recipe(name), ...UNREDUCED });
      if (!one || a.stats.seconds < one.stats.seconds) one = a;
      if (!two || b.stats.seconds < two.stats.seconds) two = b;
    }
    if (one!.verdict !== two!.verdict || one!.stats.states !== two!.stats.states || two!.stats.threads?.used !== 2) {
      console.error(`parallel/${name}: one thread ${one!.verdict} with ${one!.stats.states} states, two ${two!.verdict} with ${two!.stats.states} (threads ${JSON.stringify(two!.stats.threads)})`);
      ok = false;
      continue;
    }
    const row = {
      name: `parallel/${name}`, states: one!.stats.states, verdict: one!.verdict, repeat: opts.repeat, loadAverage: os.loadavg()[0],
      oneStatesPerSec: Math.round(one!.stats.statesPerSec), twoStatesPerSec: Math.round(two!.stats.statesPerSec), ratio: two!.stats.statesPerSec / one!.stats.statesPerSec,
    };
    if (opts.json) console.log(JSON.stringify(row));
    else console.log(`${row.name.padEnd(30)} ${String(row.states).padStart(9)} states (equal, ${row.verdict})  1 thread ${row.oneStatesPerSec} states/s, 2 threads ${row.twoStatesPerSec}: ${row.ratio.toFixed(2)}x | load average ${row.loadAverage.toFixed(1)} of ${os.availableParallelism()} cores`);
  }
  return ok;
}
