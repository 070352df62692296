#!/usr/bin/env node
// Launcher: registers tsx so the TypeScript sources (and a user's .ts model) run with no build step.
import { register } from 'tsx/esm/api';

// Source maps on before any model loads: reports name the lines of the .ts sources (cli/modelLocations.ts).
process.setSourceMapsEnabled(true);
register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
