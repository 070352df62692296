// vmbus-check's version, from its package.json: one folder above this file in the sources (cli/), two
// above it in the build (dist/cli/).
import { readFileSync } from 'node:fs';

function readVersion(): string {
  for (const file of ['../package.json', '../../package.json']) {
    try {
      const p = JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (p.name === 'vmbus-check' && typeof p.version === 'string') return p.version;
    } catch {
      // not in this folder
    }
  }
  return 'unknown';
}

export const packageVersion = readVersion();
