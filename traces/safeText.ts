// The one escaping of model- and trace-supplied text for every output: a state name, event type,
// message, scenario or module name can hold anything. Control characters (a newline that would start a
// line of its own, a terminal escape sequence, Unicode line separators and bidirectional overrides) are
// shown as `\u001b` escapes instead of acting; and no line may begin with a GitHub Actions workflow
// command (`::error`, `::add-mask::`, `::set-output`, ... or the older `##[...]` form), which the runner
// would execute from any line of a job's output.
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const WORKFLOW_COMMAND = /^(\s*)(::|##\[)/;

/** One piece of text, or one line of output, made safe to print (tabs are kept). */
export function safeText(s: string): string {
  return s
    .replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(WORKFLOW_COMMAND, (_m, space: string, command: string) => `${space}\\${command}`);
}

/** A whole report, line by line: its own line breaks stay, and no line can start a workflow command. */
export function safeLines(text: string): string {
  return text.split('\n').map(safeText).join('\n');
}
