// The search thread: rebuilds each requested system from its source and searches it, while the main
// thread stays free to stop it (--time-limit, Ctrl-C) even when model code never returns.
import { parentPort } from 'node:worker_threads';
import { keepBundle } from './compiledBundles.ts';
import { CliError } from './exitCodes.ts';
import { loadSource } from './loadSystem.ts';
import { search } from './search.ts';
import type { FromSearchThread, ToSearchThread } from './search.ts';

const port = parentPort!;
const send = (m: FromSearchThread) => port.postMessage(m);
let running: AbortController | null = null;

port.on('message', async (m: ToSearchThread) => {
  if (m.type === 'abort') {
    running?.abort();
    return;
  }
  const controller = new AbortController();
  running = controller;
  try {
    if (m.request.bundle) keepBundle(m.request.bundle);
    const { system } = await loadSource(m.request.source, m.request.modelFile);
    send({ type: 'exploring' });
    send({ type: 'done', outcome: await search(system, m.request, controller.signal, (progress) => send({ type: 'progress', progress })) });
  } catch (e) {
    send({ type: 'failed', message: e instanceof Error ? e.message : String(e), exitCode: e instanceof CliError ? e.exitCode : null, stack: e instanceof Error ? e.stack : undefined });
  } finally {
    running = null;
  }
});
