// For test/package/check.sh: the SARIF log's code flow of the built-in shutdown-ic-boot counterexample,
// written by the installed package, points at the model sources it ships (node_modules/vmbus-check/
// models/*.ts, files that exist), mostly at lines that define a state or an actor, not at dist/*.js.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const log = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const result = log.runs[0].results.find((r) => r.properties.scenario === 'shutdown-ic-boot');
if (!result?.codeFlows) throw new Error('no code flow for shutdown-ic-boot');
const places = result.codeFlows[0].threadFlows[0].locations.map((l) => l.location.physicalLocation).filter(Boolean);
const files = places.map((p) => p.artifactLocation.uri).map((u) => (u.startsWith('file:') ? fileURLToPath(u) : path.resolve(u)));
const outside = files.filter((f) => !/node_modules\/vmbus-check\/models\/.*\.ts$/.test(f) || !existsSync(f));
if (places.length < 10 || outside.length > 0) {
  console.error(`${places.length} code flow locations; outside the shipped models: ${outside.slice(0, 3).join(', ')}`);
  process.exit(1);
}
const keyLine = /['"]?[A-Za-z_][\w-]*['"]?\s*:\s*\{/;
const atKeys = places.filter((p, i) => keyLine.test(readFileSync(files[i], 'utf8').split('\n')[p.region.startLine - 1] ?? ''));
if (atKeys.length < places.length / 2) {
  console.error(`only ${atKeys.length} of ${places.length} code flow locations are at a state's or an actor's definition`);
  process.exit(1);
}
