import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Both cores: vitest's default leaves one free, which on a 2-core machine runs the files one at a time.
    maxWorkers: 2,
    // Each worker runs its files one after another in one process, importing the checker, the models and
    // their dependencies once instead of once per file: that import was about a third of the suite's
    // CPU time. So a test file must leave the process as it found it (the working directory, signal
    // handlers, process.exit: test/cliInProcess.ts and the CLI restore them; Node's source maps, which
    // loading a user's model turns on, stay on, and the tests of reported lines pass either way); a test
    // that needs a fresh process spawns one (test/cliProcess.ts).
    isolate: false,
    // A larger young generation: the searches and the references allocate many short-lived objects, and
    // with V8's default 16 MB semi-space garbage collection was a fifth of the arm reference tests' CPU.
    execArgv: ['--max-semi-space-size=32'],
  },
});
