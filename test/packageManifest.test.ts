// package.json as a user's install reads it (test/package/check.sh installs the packed tarball itself).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { repoRoot } from './cliProcess.ts';

const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const build = JSON.parse(readFileSync(path.join(repoRoot, 'tsconfig.build.json'), 'utf8'));

/** The source a file of the build is compiled from: dist/checker/index.js <- checker/index.ts. */
const sourceOf = (built: string) => built.replace(/^\.\/dist\//, '').replace(/\.d\.ts$|\.js$/, '.ts');

describe('package.json', () => {
  test('every export has types and code in dist/, compiled from a source the build includes', () => {
    expect(Object.keys(manifest.exports).sort()).toEqual(['.', './config', './models', './package.json', './trace.schema.json', './traces', './vitest']);
    for (const [name, entry] of Object.entries(manifest.exports)) {
      if (name === './package.json' || name === './trace.schema.json') continue;
      const { types, default: code } = entry as { types: string; default: string };
      expect(types, name).toMatch(/^\.\/dist\/.*\.d\.ts$/);
      expect(code, name).toMatch(/^\.\/dist\/.*\.js$/);
      expect(sourceOf(types)).toBe(sourceOf(code));
      expect(existsSync(path.join(repoRoot, sourceOf(code))), sourceOf(code)).toBe(true);
      expect(build.include).toContain(sourceOf(code).split('/')[0]);
    }
  });

  test('the tarball holds the build, the bin, the docs, the models\' sources and the trace format\'s JSON Schema, no tests, benchmarks or CI scripts', () => {
    expect(manifest.private).toBeUndefined();
    // models/: the built-in models' TypeScript, which dist/'s source maps and SARIF code flows point at.
    expect(manifest.files.sort()).toEqual(['README.md', 'bin/', 'dist/', 'docs/', 'models/', 'traces/trace.schema.json']);
    expect(build.compilerOptions.sourceMap).toBe(true);
    expect(manifest.exports['./trace.schema.json']).toBe('./traces/trace.schema.json');
  });

  test('xstate is a peer dependency, so a user project has one copy; our own tests install it as a dev dependency', () => {
    expect(manifest.dependencies.xstate).toBeUndefined();
    expect(manifest.peerDependencies.xstate).toBe(manifest.devDependencies.xstate);
    expect(manifest.peerDependenciesMeta.vitest.optional).toBe(true);
  });

  test('installing from git or packing builds dist/ (prepare)', () => {
    expect(manifest.scripts.prepare).toBe('npm run build');
    expect(manifest.scripts.build).toMatch(/tsc -p tsconfig\.build\.json$/);
  });
});
