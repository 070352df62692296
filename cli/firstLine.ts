// The one line of an error the CLI prints (the rest, and the stack, only with --debug). Library and
// loader errors sometimes begin with a blank line or indentation, so the first line with text is taken.
export function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
}
