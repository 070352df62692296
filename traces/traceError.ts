// A problem with a trace file or with replaying it against a system, for the user to fix: the message
// is one line that names the problem (the CLI prints it as is, without a stack trace).
import { safeText } from './safeText.ts';

export class TraceError extends Error {
  constructor(message: string) {
    super(safeText(message.replace(/\s*\n\s*/g, ' ')));
    this.name = 'TraceError';
  }
}
