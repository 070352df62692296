// A replay result in one line, for a terminal or a test failure message.
import { safeText } from './safeText.ts';
import type { ReplayResult } from './replayTrace.ts';
import type { TraceFile } from './traceFile.ts';

export function describeReplay(result: ReplayResult, trace: TraceFile): string {
  return safeText(summary(result, trace));
}

function summary(result: ReplayResult, trace: TraceFile): string {
  const total = trace.steps.length;
  switch (result.status) {
    case 'reproduced':
      if (trace.kind === 'witness') return `reproduced: after ${total} steps the goal ${trace.property} holds`;
      return `reproduced: after ${total} steps ${result.violation!.property} is violated: ${result.violation!.message}`;
    case 'stopped':
      return `stopped after step ${result.stepsReplayed} of ${total}`;
    case 'diverged': {
      const d = result.divergence!;
      const at = d.step === 0 ? 'at the initial state' : `at step ${d.step} of ${total} (${d.actor})`;
      return `diverged ${at}: ${[d.reason, ...d.differences].join('; ')}`;
    }
  }
}
