// The host/port/guest ring benchmark: N channels, each a host writing numbered packets into a shared
// ring of S slots (capacity S-1, one slot kept free) that its guest drains, with one event port between
// them that coalesces signals into interrupts. Written with the public API only; `ringPromela` below
// emits the same model in Promela, step for step, so SPIN explores the identical state graph.
//
// The protocol follows the VMBus ring buffer as Linux drives it (drivers/hv/ring_buffer.c): the writer
// signals only when the ring was empty before its write and the reader's interrupt_mask is clear
// (`hv_signal_on_write` in v4.x kernels); the reader masks interrupts while it drains, unmasks, then
// re-reads the write index and drains again if data slipped in (`hv_begin_read` / `hv_end_read`). The
// event port stands for the SynIC event flag: a signal already pending (`sig`) or an interrupt already in
// flight (`irq`) is not raised twice. Simplified: one packet is one slot, indices wrap modulo S, packet
// contents are sequence numbers modulo V, and each step is atomic (sequential consistency).
import { assign, setup } from 'xstate';
import { cellsOf, defineSystem, fail, post, write } from '../checker/index.ts';
import type { CellValue, SystemDefinition } from '../checker/index.ts';

export type RingBug =
  /** Correct protocol: verified. */
  | 'none'
  /** The host publishes the write index before it fills the slot: the guest reads a stale packet (shallow). */
  | 'publish-before-fill'
  /** The guest unmasks without re-reading the ring: a packet written in between is stranded (medium). */
  | 'no-recheck';

export interface RingParams {
  channels: number;
  slots: number;
  values: number;
  bug?: RingBug;
}

/** Slot contents before any write: a value no packet carries, so a stale read is always caught. */
const EMPTY_SLOT = -1;

const num = (cells: Record<string, CellValue>, name: string) => Number(cells[name]);

function host(i: number, p: RingParams) {
  const S = p.slots;
  const notFull = ({ event }: { event: any }) => (num(cellsOf(event), `wr${i}`) + 1) % S !== num(cellsOf(event), `rd${i}`);
  const mustSignal = ({ event }: { event: any }) => {
    const c = cellsOf(event);
    return num(c, `wr${i}`) === num(c, `rd${i}`) && num(c, `mask${i}`) === 0 && num(c, `sig${i}`) === 0;
  };
  const signal = [write(`sig${i}`, 1), post('port', { type: 'signal', ch: i })];
  const fill = write(({ event }) => `slot${i}_${num(cellsOf(event), `wr${i}`)}`, ({ context }) => context.seq);
  const publish = write(`wr${i}`, ({ event }) => (num(cellsOf(event), `wr${i}`) + 1) % S);
  const advance = assign({ seq: ({ context }: { context: { seq: number } }) => (context.seq + 1) % p.values });
  if (p.bug === 'publish-before-fill') {
    // Two steps: publish (remembering the slot), then fill it.
    return setup({ types: {} as { context: { seq: number; at: number } } }).createMachine({
      id: `host${i}`, context: { seq: 0, at: -1 }, initial: 'ready',
      states: {
        ready: {
          on: {
            produce: [
              { guard: ({ event }) => notFull({ event }) && mustSignal({ event }), target: 'filling', actions: [assign({ at: ({ event }) => num(cellsOf(event), `wr${i}`) }), publish, ...signal] },
              { guard: notFull, target: 'filling', actions: [assign({ at: ({ event }) => num(cellsOf(event), `wr${i}`) }), publish] },
            ],
          },
        },
        filling: {
          on: {
            produce: { target: 'ready', actions: [write(({ context }) => `slot${i}_${context.at}`, ({ context }) => context.seq), assign({ seq: ({ context }) => (context.seq + 1) % p.values, at: -1 })] },
          },
        },
      },
    });
  }
  return setup({ types: {} as { context: { seq: number } } }).createMachine({
    id: `host${i}`, context: { seq: 0 },
    on: {
      produce: [
        { guard: ({ event }) => notFull({ event }) && mustSignal({ event }), actions: [fill, publish, ...signal, advance] },
        { guard: notFull, actions: [fill, publish, advance] },
      ],
    },
  });
}

function port(p: RingParams) {
  const irqClear = ({ event }: { event: any }) => num(cellsOf(event), `irq${event.ch}`) === 0;
  return setup({}).createMachine({
    id: 'port',
    on: {
      signal: [
        { guard: irqClear, actions: [write(({ event }) => `sig${event.ch}`, 0), write(({ event }) => `irq${event.ch}`, 1), post(({ event }) => `guest${event.ch}`, { type: 'interrupt' })] },
        { actions: write(({ event }) => `sig${event.ch}`, 0) },
      ],
    },
  });
}

function guest(i: number, p: RingParams) {
  const S = p.slots;
  const c = (event: any, name: string) => num(cellsOf(event), `${name}${i}`);
  const empty = ({ event }: { event: any }) => c(event, 'wr') === c(event, 'rd');
  const slotOk = ({ event, context }: { event: any; context: { exp: number } }) =>
    num(cellsOf(event), `slot${i}_${c(event, 'rd')}`) === context.exp;
  const consume = {
    consume: [
      { guard: ({ event, context }: any) => !empty({ event }) && slotOk({ event, context }), actions: [write(`rd${i}`, ({ event }) => (c(event, 'rd') + 1) % S), assign({ exp: ({ context }: any) => (context.exp + 1) % p.values })] },
      { guard: ({ event }: any) => !empty({ event }), actions: fail(`guest${i} read a stale packet`) },
    ],
  };
  const afterDrain = p.bug === 'no-recheck'
    ? {
      running: { on: { ...consume, finish: { guard: empty, target: 'drained' } } },
      drained: { on: { unmask: { target: 'idle', actions: write(`mask${i}`, 0) } } },
    }
    : {
      running: { on: { ...consume, finish: { guard: empty, target: 'unmasked', actions: write(`mask${i}`, 0) } } },
      unmasked: {
        on: {
          recheck: [
            { guard: ({ event }: any) => !empty({ event }), target: 'running', actions: write(`mask${i}`, 1) },
            { target: 'idle' },
          ],
        },
      },
    };
  return setup({ types: {} as { context: { exp: number } } }).createMachine({
    id: `guest${i}`, context: { exp: 0 }, initial: 'idle',
    on: { interrupt: { target: '.running', actions: [write(`irq${i}`, 0), write(`mask${i}`, 1)] } },
    states: { idle: {}, ...afterDrain },
  } as any);
}

export function ringName(p: RingParams): string {
  return `ring-${p.channels}x${p.slots}x${p.values}${p.bug && p.bug !== 'none' ? `-${p.bug}` : ''}`;
}

export function ring(p: RingParams): SystemDefinition {
  const cells: Record<string, CellValue> = {};
  const actors: SystemDefinition['actors'] = {};
  for (let i = 0; i < p.channels; i++) {
    for (const name of ['wr', 'rd', 'mask', 'sig', 'irq']) cells[`${name}${i}`] = 0;
    const slots = Array.from({ length: p.slots }, (_, k) => `slot${i}_${k}`);
    for (const s of slots) cells[s] = EMPTY_SLOT;
    actors[`host${i}`] = { machine: host(i, p), spontaneous: [{ type: 'produce' }], reads: [`wr${i}`, `rd${i}`, `mask${i}`, `sig${i}`] };
  }
  actors.port = { machine: port(p), queueCapacity: p.channels, reads: Array.from({ length: p.channels }, (_, i) => `irq${i}`) };
  for (let i = 0; i < p.channels; i++) {
    const spontaneous = p.bug === 'no-recheck' ? ['consume', 'finish', 'unmask'] : ['consume', 'finish', 'recheck'];
    const reads = [`wr${i}`, `rd${i}`, ...Array.from({ length: p.slots }, (_, k) => `slot${i}_${k}`)];
    actors[`guest${i}`] = { machine: guest(i, p), queueCapacity: 1, spontaneous: spontaneous.map((type) => ({ type })), reads };
  }
  return defineSystem({ name: ringName(p), actors, cells });
}
