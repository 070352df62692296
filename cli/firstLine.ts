// The one line of an error the CLI prints (the rest, and the stack, only with --debug). Library and
// loader errors sometimes begin with a blank line or indentation, so the first line with text is taken.
// Models can throw anything: a value that is not an Error is described without calling its own code.
export function firstLine(e: unknown): string {
  return messageOf(e).split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
}

function messageOf(e: unknown): string {
  if (e instanceof Error) {
    // esbuild (through tsx) reports a syntax error as "Transform failed with 1 error:" and the details
    // in `errors`: show where and what.
    const first = (e as { errors?: { text?: string; location?: { file?: string; line?: number; column?: number } | null }[] }).errors?.[0];
    if (first?.text) {
      const at = first.location ? `${first.location.file ?? ''}:${first.location.line ?? '?'}:${first.location.column ?? '?'}: ` : '';
      return `${at}${first.text}`;
    }
    if (typeof e.message !== 'string') return 'an Error without a message';
    // Without `errors` (the message crossed a thread): the details are on the following lines.
    return e.message.replace(/^\s*Transform failed with \d+ errors?:\s*\n/, '').replace(/: ERROR: /, ': ');
  }
  if (typeof e === 'string') return e;
  if (typeof e === 'number' || typeof e === 'boolean' || typeof e === 'bigint' || e === null || e === undefined) return `${String(e)} (thrown, not an Error)`;
  return `a thrown ${typeof e === 'function' ? 'function' : 'object'} that is not an Error`;
}
