// The committed counterexamples (traces/fixtures) still replay against the current models. A failure
// here means a model changed under a committed trace: look at the divergence, and if the change is
// intended, regenerate with `npx tsx traces/fixtures/regenerate.ts` and review the diff.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixtureFor, fixtures } from '../traces/fixtures/fixtureSystems.ts';
import { describeReplay, parseTrace, replayTrace, serializeTrace } from '../traces/index.ts';

const dir = fileURLToPath(new URL('../traces/fixtures/', import.meta.url));
const committed = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.trace.json')).sort();
const regenerate = 'run `npx tsx traces/fixtures/regenerate.ts` and review the diff';

describe('committed counterexample fixtures', () => {
  it('there is one for every built-in variant expected to be violated, and for each example', () => {
    const expected = fixtures().map((f) => f.file).sort();
    expect(committed, `fixtures missing or stale: ${regenerate}`).toEqual(expected);
  });

  for (const file of committed) {
    it(`${file} replays against the current models`, () => {
      const text = readFileSync(dir + file, 'utf8');
      const trace = parseTrace(text);
      // Written by regenerate.ts, not edited by hand.
      expect(serializeTrace(trace), `${file} is not in the layout regenerate.ts writes`).toBe(text);
      const fixture = fixtureFor(trace.system);
      expect(fixture, `${file} names a system no fixture builds (${JSON.stringify(trace.system)}): ${regenerate}`).toBeDefined();
      if (fixture!.property) expect(trace.property).toBe(fixture!.property);
      let result;
      try {
        result = replayTrace(fixture!.system(), trace);
      } catch (e) {
        throw new Error(`${file}: ${(e as Error).message}; if the model change is intended, ${regenerate}`);
      }
      expect(result.status, `${file}: ${describeReplay(result, trace)}; if the model change is intended, ${regenerate}`).toBe('reproduced');
    });
  }
});
