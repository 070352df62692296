#!/usr/bin/env node
// Launcher. An installed package runs the compiled CLI in dist/ (tsx is loaded only to import a user's
// .ts model); a source checkout (cli/main.ts beside bin/) runs its TypeScript sources through tsx, so
// what runs there is always what is checked out, never a stale build.
import { existsSync } from 'node:fs';

// Source maps on before any model loads: reports name the lines of the .ts sources (cli/modelLocations.ts).
process.setSourceMapsEnabled(true);
const source = new URL('../cli/main.ts', import.meta.url);
let main;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(source.href));
} else {
  ({ main } = await import('../dist/cli/main.js'));
}
process.exitCode = await main(process.argv.slice(2));
