#!/usr/bin/env node
// Launcher: registers tsx so the TypeScript sources (and a user's .ts model) run with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
