// The user project's configuration: a bare `npx vmbus-check` checks its two models (a glob), one of them
// with a parameter set, and a built-in scenario's buggy variant; JUnit to a file, text to the log.
import { defineConfig } from 'vmbus-check/config';

export default defineConfig({
  models: [
    'models/racy*.ts',
    { model: 'models/kick.ts', params: { vcpus: 3 } },
    { model: 'shutdown-ic-boot', variants: ['buggy-linux'] },
  ],
  bounds: { maxStates: 1_000_000, timeLimit: 120 },
  reports: [{ format: 'junit', output: 'reports/junit.xml' }, { format: 'sarif', output: 'reports/vmbus-check.sarif' }, { format: 'text' }],
  out: 'reports/traces/',
});
