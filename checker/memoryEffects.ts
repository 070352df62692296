// Loads, fences and RMWs as checker effects: the emitted memory vocabulary resolved against the system.
import { EffectKind, ModelError } from './localTransition.ts';
import type { Namespace } from './localTransition.ts';
import { FENCE, LOAD, RMW } from './memoryVocabulary.ts';
import type { RmwOp } from './memoryVocabulary.ts';
import { FenceKind } from './memoryModel.ts';
import type { CellValue } from './vocabulary.ts';

export type MemoryEffect =
  | { kind: EffectKind.Fence; fence: FenceKind }
  | { kind: EffectKind.Load; cell: number; acquire: boolean; reply: string }
  | { kind: EffectKind.Rmw; op: RmwOp; cell: number; a: CellValue; b: CellValue; reply: string };

const FENCES: Record<string, FenceKind> = { full: FenceKind.Full, store: FenceKind.Store, load: FenceKind.Load };
const OPS = new Set(['xchg', 'cmpxchg', 'test_and_set_bit', 'test_and_clear_bit', 'fetch_or']);

function isCellValue(v: unknown): v is CellValue {
  return v === null || typeof v === 'boolean' || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

/** The effect of an emitted memory-vocabulary event, or null when `ev` is not one. */
export function memoryEffect(ev: Record<string, any>, ns: Namespace): MemoryEffect | null {
  if (ev.type === FENCE) {
    const fence = FENCES[ev.kind];
    if (fence === undefined) throw new ModelError(`unknown fence kind '${ev.kind}' (use 'full', 'store' or 'load')`);
    return { kind: EffectKind.Fence, fence };
  }
  if (ev.type !== LOAD && ev.type !== RMW) return null;
  const what = ev.type === LOAD ? 'load' : String(ev.op);
  const cell = ns.cellIndex.get(ev.cell);
  if (cell === undefined) throw new ModelError(`${what} of unknown cell '${ev.cell}'`);
  if (typeof ev.reply !== 'string' || ev.reply === '') throw new ModelError(`${what} of '${ev.cell}' needs a reply event type (a string)`);
  if (ev.type === LOAD) return { kind: EffectKind.Load, cell, acquire: ev.acquire === true, reply: ev.reply };
  if (!OPS.has(ev.op)) throw new ModelError(`unknown atomic operation '${ev.op}'`);
  if (!isCellValue(ev.a) || !isCellValue(ev.b)) throw new ModelError(`${what} on '${ev.cell}' with an operand that is not a cell value`);
  return { kind: EffectKind.Rmw, op: ev.op, cell, a: ev.a, b: ev.b, reply: ev.reply };
}
