// Ctrl-C stops a check gracefully: the explorer finishes its slice and reports a bounded verdict with
// the statistics so far. SIGTERM and SIGHUP (what CI runners send when a job is cancelled, or a closed
// terminal) get the same graceful stop. A second signal quits at once.
export interface Interrupt {
  signal: AbortSignal;
  dispose(): void;
}

const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
/** 128 + the signal's number, as a shell reports a process killed by it. */
const QUIT_CODE: Record<(typeof STOP_SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

export function interruptOnSigint(stderr: (s: string) => void = (s) => { if (!process.stderr.destroyed) process.stderr.write(s); }): Interrupt {
  const controller = new AbortController();
  const handlers = STOP_SIGNALS.map((name) => {
    const handler = () => {
      if (controller.signal.aborted) process.exit(QUIT_CODE[name]);
      stderr(name === 'SIGINT'
        ? '\nvmbus-check: interrupted; stopping (press Ctrl-C again to quit at once)\n'
        : `\nvmbus-check: ${name} received; stopping (a second signal quits at once)\n`);
      controller.abort();
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return { signal: controller.signal, dispose: () => { for (const [name, h] of handlers) process.off(name, h); } };
}
