// The approximate stores against the full one (ExploreOptions.store): each benchmark model is explored
// with `full`, `compact` and `bitstate` (its defaults: 2^30 bits, 3 hashes) in a fresh process apiece (so that peak RSS
// is its own), and the states reached, bytes per state, peak RSS and CPU time are compared with the full
// store's in the same run. A full search's count is the truth: an approximate one may only fall short
// of it (a missed state), never exceed it, and its verdict must not be plain `verified` (`bounded` when a miss is likely).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { storeBenchModels } from './models.ts';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const STORES = ['full', 'compact', 'bitstate'] as const;

interface StoreRun { states: number; verdict: string; cpuSeconds: number; bytesPerState: number; peakRssBytes: number; omissionProbability?: number }

function runOne(model: string, store: string): StoreRun {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench/storeWorker.ts'), model, store], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').at(-1)!) as StoreRun;
}

export interface StoreKindsOptions { repeat: number; json: boolean }

/** Runs the comparison; returns false when an approximate store overclaimed (more states, or a plain verdict). */
export function storeKinds(opts: StoreKindsOptions): boolean {
  let ok = true;
  for (const model of Object.keys(storeBenchModels)) {
    const runs = new Map<string, StoreRun[]>(STORES.map((s) => [s, []]));
    // Interleaved, so that every store sees the same load; the fastest run of each is reported.
    for (let i = 0; i < opts.repeat; i++) for (const s of STORES) runs.get(s)!.push(runOne(model, s));
    const best = (s: string) => runs.get(s)!.reduce((a, b) => (b.cpuSeconds < a.cpuSeconds ? b : a));
    const full = best('full');
    for (const s of STORES) {
      const r = best(s);
      if (s !== 'full' && (r.states > full.states || r.verdict === 'verified')) {
        console.error(`store-kinds: ${model} --store ${s}: ${r.states} states (${r.verdict}) against the full store's ${full.states} (${full.verdict})`);
        ok = false;
        continue;
      }
      const row = { name: `store-kinds/${model}/${s}`, ...r, stateShare: r.states / full.states, cpuRatio: r.cpuSeconds / full.cpuSeconds, rssRatio: r.peakRssBytes / full.peakRssBytes };
      if (opts.json) console.log(JSON.stringify(row));
      else {
        const missed = full.states - r.states;
        const p = r.omissionProbability !== undefined ? `, P(miss) ${r.omissionProbability.toExponential(1)}` : '';
        console.log(`${row.name.padEnd(42)} ${String(r.states).padStart(9)} states (${missed} missed${p}) ${r.bytesPerState.toFixed(1).padStart(6)} B/state`
          + `  peak RSS ${(r.peakRssBytes / 2 ** 20).toFixed(0)} MB (${row.rssRatio.toFixed(2)}x full)  ${r.cpuSeconds.toFixed(2)} CPU-s (${row.cpuRatio.toFixed(2)}x full)  ${r.verdict}`);
      }
    }
  }
  return ok;
}
