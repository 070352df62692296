// The CLI as an installed package runs it: the compiled dist/ (bin/vmbus-check.js's branch when there
// are no TypeScript sources beside it), so that start-up is measured without compiling the CLI itself.
process.setSourceMapsEnabled(true);
const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
