// Ctrl-C stops a check gracefully: the explorer finishes its slice and reports a bounded verdict with
// the statistics so far. A second Ctrl-C quits at once.
export interface Interrupt {
  signal: AbortSignal;
  dispose(): void;
}

export function interruptOnSigint(stderr: NodeJS.WritableStream = process.stderr): Interrupt {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    stderr.write('\nvmbus-check: interrupted; stopping (press Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}
