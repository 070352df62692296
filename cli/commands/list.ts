// `vmbus-check list [target]`: scenarios, their variants, parameters and one-line descriptions.
import { describeDeclaration } from '../../checker/parameters.ts';
import { safeLines } from '../../traces/safeText.ts';
import { builtinTargets, loadTarget } from '../loadSystem.ts';
import type { CheckTarget } from '../loadSystem.ts';
import { ExitCode } from '../exitCodes.ts';

const parameters = (p: Record<string, unknown>) => Object.entries(p).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');

export function listText(targets: CheckTarget[]): string {
  const lines: string[] = [];
  for (const t of targets) {
    lines.push(t.description ? `${t.name}: ${t.description}` : t.name);
    if (!t.isScenario) { lines.push('  (a single system: no variants)'); continue; }
    const width = Math.max(...t.variants.map((v) => (v.name ?? '').length));
    for (const v of t.variants) {
      const expected = v.expected === 'violated' && v.expectedProperty ? `violated (${v.expectedProperty})` : v.expected ?? '-';
      lines.push(`  ${(v.name ?? '').padEnd(width)}  expected ${expected}; ${v.description}`);
      if (Object.keys(v.parameters).length > 0) lines.push(`  ${' '.repeat(width)}  parameters: ${parameters(v.parameters)}`);
      for (const [name, d] of Object.entries(v.params ?? {})) {
        lines.push(`  ${' '.repeat(width)}  --param ${name}=...: ${describeDeclaration(d)}, default ${JSON.stringify(d.default)}${d.description ? `: ${d.description}` : ''}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

export async function listCommand(target: string | undefined, stdout: (s: string) => void): Promise<ExitCode> {
  stdout(safeLines(listText(target === undefined ? await builtinTargets() : [await loadTarget(target)])));
  return ExitCode.ok;
}
