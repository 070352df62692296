// VMBus ring rules in isolation (domain.md section 2): the writer's empty-to-non-empty signalling with
// the reader's mask, hv_begin_read/hv_end_read with the re-check, and pending_send_sz.
import { describe, expect, it } from 'vitest';
import type { AnyEventObject } from 'xstate';
import { defineSystem, explore, Execution, invariant, stall } from '../checker/index.ts';
import type { CellValue, SystemDefinition, Step } from '../checker/index.ts';
import { lostInterrupt, ringCell, ringCells, ringDataCell, ringFree, ringUsed } from '../models/ringBuffer.ts';
import { ringReaderActor } from '../models/ringReader.ts';
import type { ReadMode } from '../models/ringReader.ts';
import { ringWriterActor } from '../models/ringWriter.ts';
import { callsTo, recorderMachine, scriptMachine } from './support/harness.ts';

const packets = (n: number) => Array.from({ length: n }, (_, i) => `p${i + 1}`);

/** A writer and a reader over one ring; with `signalMonitor` the writer's signals go to a recorder
 * instead of the reader, so the reader never runs and the writer's own rule is seen alone. */
function pair(opts: { capacity: number; sends: number; skipRecheck?: boolean; cells?: Record<string, CellValue>; signalMonitor?: boolean; mode?: ReadMode; packetsPerCallback?: number }): SystemDefinition {
  const ring = { name: 'r', capacity: opts.capacity };
  const expected = packets(opts.sends);
  const got = (g: any) => (g.actors.consumer.context.received as AnyEventObject[]).map((e) => e.packet);
  return defineSystem({
    actors: {
      script: { machine: scriptMachine(expected.map((packet) => ({ to: 'writer', event: { type: 'send', packet }, post: true }))), spontaneous: [{ type: 'next' }] },
      writer: ringWriterActor({ ring, signal: { to: opts.signalMonitor ? 'monitor' : 'reader', event: { type: 'interrupt' } } }),
      reader: ringReaderActor({ ring, consumer: 'consumer', signalWriter: { to: 'writer', event: { type: 'interrupt' } }, skipRecheck: opts.skipRecheck, ...(opts.mode ? { mode: opts.mode } : {}), ...(opts.packetsPerCallback ? { packetsPerCallback: opts.packetsPerCallback } : {}) }),
      consumer: { machine: recorderMachine },
      monitor: { machine: recorderMachine },
    },
    cells: { ...ringCells(ring), ...opts.cells },
    properties: {
      lostInterrupt: lostInterrupt(ring, 'reader'),
      inOrder: invariant((g) => got(g).every((p: string, i: number) => p === expected[i]) || `consumer got ${got(g).join(',')}`),
      allDelivered: stall((g) => got(g).length < expected.length && `consumer has ${got(g).length} of ${expected.length} packets`),
    },
  });
}

const step = (actor: string): Step => ({ actor, kind: 'spontaneous', event: { type: actor === 'script' ? 'next' : 'step' } });

/** Applies `steps` in order from the initial state, failing loudly if one is not enabled. */
function run(sys: SystemDefinition, steps: Step[]) {
  const ex = new Execution(sys);
  let v = ex.initial().state!;
  const happenings = [];
  for (const s of steps) {
    const out = ex.apply(v, s);
    if (!out) throw new Error(`step not enabled: ${JSON.stringify(s)}; enabled: ${JSON.stringify(ex.enabled(v))}`);
    if (!out.state) throw new Error(`step ended the run: ${JSON.stringify(out.violation ?? out.bound)}`);
    happenings.push(...out.happenings);
    v = out.state;
  }
  return { ex, v, happenings, cells: ex.materialize(v).cells, state: ex.materialize(v) };
}

const deliver = (actor: string, event: AnyEventObject): Step => ({ actor, kind: 'deliver', event });
const sendTo = (packet: string) => [step('script'), deliver('writer', { type: 'send', packet })];
const writeAll = [step('writer'), step('writer'), step('writer')]; // publish, checkMask, checkEmpty

describe('ring arithmetic', () => {
  it('counts used and free slots modulo capacity + 1', () => {
    expect(ringUsed(0, 0, 2)).toBe(0);
    expect(ringUsed(2, 0, 2)).toBe(2);
    expect(ringUsed(0, 1, 2)).toBe(2); // wrapped: write 0 after 1 -> 2 -> 0
    expect(ringFree(1, 2, 2)).toBe(0);
  });
});

describe('writer (hv_ringbuffer_write + hv_signal_on_write)', () => {
  const sys = pair({ capacity: 2, sends: 2 });
  const alone = pair({ capacity: 2, sends: 2, signalMonitor: true });

  it('signals on the empty-to-non-empty edge when the mask is clear', () => {
    const r = run(alone, [...sendTo('p1'), ...writeAll]);
    expect(callsTo(r.happenings, 'monitor')).toEqual([{ type: 'interrupt' }]);
    expect(r.cells[ringCell('r', 'write_index')]).toBe(1);
    expect(r.cells[ringDataCell('r', 0)]).toBe('p1');
  });

  it('does not signal when the ring already held data', () => {
    // Nobody reads p1 (the signal goes to a monitor) and the mask stays clear; p2 lands on a non-empty ring.
    const r = run(alone, [...sendTo('p1'), ...writeAll, ...sendTo('p2'), ...writeAll]);
    expect(callsTo(r.happenings, 'monitor')).toEqual([{ type: 'interrupt' }]);
    expect(r.cells[ringCell('r', 'write_index')]).toBe(2);
  });

  it('signals once for packets written back to back (only the first finds the ring empty)', () => {
    const three = pair({ capacity: 3, sends: 3, signalMonitor: true });
    const r = run(three, [...sendTo('p1'), ...sendTo('p2'), ...sendTo('p3'), ...writeAll, ...writeAll, ...writeAll]);
    expect(callsTo(r.happenings, 'monitor')).toEqual([{ type: 'interrupt' }]);
    expect(r.cells[ringCell('r', 'write_index')]).toBe(3);
    expect(r.state.actors.writer.value).toBe('idle');
  });

  it('does not signal while the reader has its mask set', () => {
    const masked = pair({ capacity: 2, sends: 1, signalMonitor: true, cells: { [ringCell('r', 'interrupt_mask')]: 1 } });
    const r = run(masked, [...sendTo('p1'), step('writer'), step('writer')]); // publish, checkMask: set -> done
    expect(callsTo(r.happenings, 'monitor')).toEqual([]);
    expect(r.state.actors.writer.value).toBe('idle');
  });

  it('compares old_write with read_index at signal time, so a reader that drains in between still gets a signal', () => {
    // p1 written and signalled; reader reads it; p2 published; reader commits p1 before the writer's
    // checkEmpty: read_index == old_write, so the writer signals (Linux hv_signal_on_write re-reads).
    const r = run(sys, [
      ...sendTo('p1'), ...writeAll, // reader is now in `read` with the mask set
      step('reader'), // read p1
      step('reader'), // commit read_index = 1
      step('reader'), // pending_send_sz = 0
      step('reader'), // read: empty
      step('reader'), // endRead: mask = 0
      ...sendTo('p2'), step('writer'), // publish p2 (old_write = 1)
      step('writer'), // mask clear
      step('writer'), // read_index == 1 == old_write: signal
    ]);
    expect(callsTo(r.happenings, 'reader')).toEqual([{ type: 'interrupt' }, { type: 'interrupt' }]);
  });
});

describe('read modes (drivers/hv/vmbus_drv.c vmbus_chan_sched, connection.c vmbus_on_event)', () => {
  it.each(['direct', 'isr'] as const)('%s: never touches interrupt_mask (no hv_begin_read / hv_end_read)', (mode) => {
    // The writer's signal calls the reader inside its checkEmpty step; then read, commitRead, checkPending, read (empty).
    const r = run(pair({ capacity: 2, sends: 1, mode }), [...sendTo('p1'), ...writeAll, step('reader'), step('reader'), step('reader'), step('reader')]);
    expect(r.happenings.some((h) => h.what === 'write' && h.cell === ringCell('r', 'interrupt_mask'))).toBe(false);
    expect(r.state.actors.reader.value).toBe('idle');
    const batched = run(pair({ capacity: 2, sends: 1 }), [...sendTo('p1'), ...writeAll]);
    expect(batched.cells[ringCell('r', 'interrupt_mask')]).toBe(1);
  });

  it('direct, reading until empty per callback: every interleaving delivers (the writer signals every empty-to-non-empty edge)', () => {
    expect(explore(pair({ capacity: 2, sends: 3, mode: 'direct' })).verdict).toBe('verified');
  });

  // hv_util.c shutdown_onchannelcallback: one vmbus_recvpacket per callback. Two packets behind one
  // interrupt leave the second unread: the writer saw a non-empty ring and did not signal.
  it('direct, one packet per callback: a second packet written before the callback is stranded', () => {
    const r = explore(pair({ capacity: 2, sends: 2, mode: 'direct', packetsPerCallback: 1 }));
    expect(r.verdict).toBe('violated');
    expect(r.violations[0].property).toBe('lostInterrupt');
    expect(r.violations[0].message).toContain("'p2'");
  });

  it('direct: the packet reaches the consumer only after read_index is committed (vmbus_recvpacket copies, then commits)', () => {
    const r = run(pair({ capacity: 2, sends: 1, mode: 'direct' }), [...sendTo('p1'), ...writeAll, step('reader'), step('reader')]);
    expect(callsTo(r.happenings, 'consumer')).toEqual([]);
    expect(r.cells[ringCell('r', 'read_index')]).toBe(1);
    const handed = run(pair({ capacity: 2, sends: 1, mode: 'direct' }), [...sendTo('p1'), ...writeAll, step('reader'), step('reader'), step('reader')]);
    expect(callsTo(handed.happenings, 'consumer').map((e) => e.packet)).toEqual(['p1']);
  });
});

describe('reader (hv_begin_read / hv_end_read / hv_pkt_iter_close)', () => {
  it('every interleaving delivers all packets in order, with no lost interrupt (capacity 2, 3 packets)', () => {
    const r = explore(pair({ capacity: 2, sends: 3 }));
    expect(r.violations).toEqual([]);
    expect(r.verdict).toBe('verified');
  });

  it('every interleaving delivers through a ring of capacity 1, using pending_send_sz when full', () => {
    const r = explore(pair({ capacity: 1, sends: 3 }));
    expect(r.violations).toEqual([]);
    expect(r.verdict).toBe('verified');
  });

  it('without the re-check after hv_end_read, a write between the last read and the unmask is lost', () => {
    const r = explore(pair({ capacity: 2, sends: 2, skipRecheck: true }));
    expect(r.verdict).toBe('violated');
    expect(r.violations[0].property).toBe('lostInterrupt');
    // The counterexample: the writer publishes p2 while the mask is still set (no signal), then the
    // reader unmasks and goes idle.
    const steps = r.violations[0].steps.map((s) => `${s.actor}:${s.event.type}`);
    expect(steps).toContain('reader:step');
    expect(r.violations[0].message).toContain("'p2'");
  });

  it('signals the writer only when freeing space crosses pending_send_sz', () => {
    // Capacity 1, the writer is blocked on p2 with pending_send_sz = 1: consuming p1 takes free space
    // from 0 to 1, the edge, so the reader signals.
    const sys = pair({ capacity: 1, sends: 2 });
    const r = run(sys, [
      ...sendTo('p1'), ...writeAll, // reader now reading
      ...sendTo('p2'),
      step('writer'), // publish: full -> requestSpace
      step('writer'), // pending_send_sz = 1
      step('writer'), // recheck: still full -> waitSpace
      step('reader'), // read p1
      step('reader'), // commit read_index
      step('reader'), // pending_send_sz = 1
      step('reader'), // edge: old free 0 < 1 <= new free 1 -> signal
    ]);
    expect(r.cells[ringCell('r', 'pending_send_sz')]).toBe(1);
    expect(callsTo(r.happenings, 'writer')).toEqual([{ type: 'interrupt' }]);
    expect(r.state.actors.writer.value).toBe('recheckSpace');
  });

  it('does not signal the writer when there was enough space before, or when nobody asked', () => {
    // Two packets in a ring of capacity 3 with pending_send_sz = 1: free goes 1 -> 2, no edge.
    const ring = { name: 'r', capacity: 3 };
    const preset = (pss: number) => ({
      ...ringCells(ring),
      [ringCell('r', 'write_index')]: 2, [ringDataCell('r', 0)]: 'p1', [ringDataCell('r', 1)]: 'p2',
      [ringCell('r', 'pending_send_sz')]: pss,
    });
    for (const pss of [0, 1]) {
      const sys = defineSystem({
        actors: {
          script: { machine: scriptMachine([{ to: 'reader', event: { type: 'interrupt' } }]), spontaneous: [{ type: 'next' }] },
          reader: ringReaderActor({ ring, consumer: 'consumer', signalWriter: { to: 'writerSide', event: { type: 'interrupt' } } }),
          consumer: { machine: recorderMachine },
          writerSide: { machine: recorderMachine },
        },
        cells: preset(pss),
      });
      const r = explore(sys);
      expect(r.verdict).toBe('verified');
      const ex = new Execution(sys);
      let v = ex.initial().state!;
      const all = [];
      for (;;) {
        const s = ex.enabled(v)[0];
        if (!s) break;
        const out = ex.apply(v, s)!;
        all.push(...out.happenings);
        v = out.state!;
      }
      expect(callsTo(all, 'writerSide')).toEqual([]);
      expect(callsTo(all, 'consumer').map((e) => e.packet)).toEqual(['p1', 'p2']);
      expect(ex.materialize(v).cells[ringCell('r', 'read_index')]).toBe(2);
    }
  });

  it('a poll reads the ring without an interrupt and leaves the mask alone', () => {
    const ring = { name: 'r', capacity: 2 };
    const sys = defineSystem({
      actors: {
        script: { machine: scriptMachine([{ to: 'reader', event: { type: 'poll' } }]), spontaneous: [{ type: 'next' }] },
        reader: ringReaderActor({ ring, consumer: 'consumer', signalWriter: { to: 'consumer', event: { type: 'interrupt' } } }),
        consumer: { machine: recorderMachine },
      },
      cells: { ...ringCells(ring), [ringCell('r', 'write_index')]: 1, [ringDataCell('r', 0)]: 'p1' },
    });
    const ex = new Execution(sys);
    let v = ex.initial().state!;
    const writes = [];
    for (;;) {
      const s = ex.enabled(v)[0];
      if (!s) break;
      const out = ex.apply(v, s)!;
      writes.push(...out.happenings.filter((h) => h.what === 'write'));
      v = out.state!;
    }
    expect(writes.map((w) => (w as { cell: string }).cell)).toEqual([ringCell('r', 'read_index')]);
    expect(ex.materialize(v).actors.reader.value).toBe('idle');
  });
});

describe('lostInterrupt over several rings', () => {
  it('judges each ring and names the one that is stuck', () => {
    const sys = pair({ capacity: 2, sends: 2, mode: 'direct', packetsPerCallback: 1 });
    const other = { name: 'quiet', capacity: 1 };
    const both = defineSystem({
      ...sys,
      cells: { ...sys.cells, ...ringCells(other) },
      properties: { lostInterrupt: lostInterrupt([{ ring: other, reader: 'consumer' }, { ring: { name: 'r', capacity: 2 }, reader: 'reader' }]) },
    });
    const r = explore(both);
    expect(r.verdict).toBe('violated');
    expect(r.violations[0].message).toContain('ring r holds');
    expect(r.violations[0].message).not.toContain('quiet');
    expect(() => lostInterrupt([])).toThrow(/at least one ring/);
  });
});
