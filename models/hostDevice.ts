// A host VMBus device behind one server channel, with a protocol of its own and protocol timers armed at
// open (the extension point for device timers and mitigations):
//   open    ChannelRequest::Open from the server (lib.rs open_channel): the device accepts (posts
//           { type: 'completeOpen' }, ServerTask::handle_open), writes its `greeting` packets at once, if
//           any (a device that speaks first, as the shutdown IC's runner does, hyperv_ic shutdown.rs), and
//           arms its `timers`;
//   packet  each packet its reader hands over is answered by `responses[packet]` (null: no answer); a
//           packet with no entry is a protocol error (`fail`);
//   close   ChannelRequest::Close: the device stops, posts { type: 'completeClose' } and disarms its timers;
//   revoke  the device is gone (lib.rs handle_revoke); its timers die with it.
// Timers (deadline-ordered `after` timers, README "Time"), each armed when the device accepts an open:
//   { kind: 'unstick', afterMs, toGuest, fromGuest?, signal }  OpenVMM #1829 (commit 47943a0fb,
//           "vmbus_server: unstick channels sometime after opening"; vmbus_server lib.rs handle_open: "Some
//           guests ignore interrupts before they receive the OpenResult message. To avoid a potential
//           hang, signal the channel after a delay if needed", default channel_unstick_delay 100 ms). When
//           it fires, unstick_channel(force = false, unstick_host = false) loads the rings' control
//           fields (Relaxed) and signals the guest (host_to_guest_interrupt.deliver, here `signal`, the
//           guest event port) if the host-to-guest ring's reader needs a signal (vmbus_ring
//           reader_needs_signal: interrupt_mask == 0 && inp != outp) or the guest-to-host ring's writer
//           does (writer_needs_signal: pending_send_size != 0 && free >= pending_send_size);
//   { kind: 'post', afterMs, to, event }  a protocol timer of the device's own: post `event` to `to`.
// In OpenVMM the unstick timer belongs to the VMBus server's task, per channel, armed when it handles
// the device's open response; here it is the device's, armed in the same step as its open completion
// (steps take no time next to the delay, so the deadline is the same). A close or revoke before it fires
// disarms it (OpenVMM checks the offer's seq and ChannelState::Open when it fires). Simplified: a reopen
// re-arms from the reopen (OpenVMM's NeedsRequeue waits one more delay from the expiry of the first).
//
// Use: `hostDeviceActor({ server, writer, responses, greeting?, timers? })`; make it the server channel's
// `device` and the consumer of the guest-to-host ring's reader.
import { enqueueActions, setup } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call, fail, load, post } from '../checker/index.ts';
import type { ActorSpec } from '../checker/index.ts';
import { ringCell, ringFree } from './ringBuffer.ts';
import type { RingField, RingSpec } from './ringBuffer.ts';
import type { Signal } from './ringWriter.ts';

/** OpenVMM vmbus_server's default channel_unstick_delay (lib.rs: Duration::from_millis(100)). */
export const CHANNEL_UNSTICK_DELAY_MS = 100;

export type DeviceTimer =
  | { kind: 'unstick'; afterMs: number; toGuest: RingSpec; fromGuest?: RingSpec; signal: Signal }
  | { kind: 'post'; afterMs: number; to: string; event: AnyEventObject };

export interface HostDeviceInput {
  server: string;
  /** The host-to-guest ring's writer. */
  writer: string;
  /** What the device writes in answer to each packet it reads (null: nothing). */
  responses: Record<string, string | null>;
  /** Packets written as soon as the device accepts an open. */
  greeting?: string[];
  /** Timers armed at each open. */
  timers?: DeviceTimer[];
}

interface HostDeviceContext extends HostDeviceInput {
  /** Unstick timer being evaluated: the values loaded so far. */
  seen: Record<string, number>;
  /** Times each timer fired, by index. */
  fired: number[];
  /** The server's offer instance of the current open, echoed in the completions. */
  seq: number | undefined;
}

type HostDeviceEvent =
  | { type: 'open'; seq?: number }
  | { type: 'close'; seq?: number }
  | { type: 'revoke' }
  | { type: 'packet'; packet: string }
  | { type: 'armTimers' }
  | { type: 'disarmTimers' }
  | { type: 'loaded'; cell: string; value: unknown };

// What unstick_channel reads: the host-to-guest ring for reader_needs_signal, the guest-to-host ring for
// writer_needs_signal.
const TO_GUEST_FIELDS: RingField[] = ['interrupt_mask', 'write_index', 'read_index'];
const FROM_GUEST_FIELDS: RingField[] = ['pending_send_sz', 'write_index', 'read_index'];

function unstickCells(t: Extract<DeviceTimer, { kind: 'unstick' }>): string[] {
  const cells = TO_GUEST_FIELDS.map((f) => ringCell(t.toGuest.name, f));
  if (t.fromGuest) cells.push(...FROM_GUEST_FIELDS.map((f) => ringCell(t.fromGuest!.name, f)));
  return cells;
}

function needsSignal(t: Extract<DeviceTimer, { kind: 'unstick' }>, seen: Record<string, number>): boolean {
  const v = (ring: RingSpec, f: RingField) => seen[ringCell(ring.name, f)];
  // reader_needs_signal on the host-to-guest ring.
  if (v(t.toGuest, 'interrupt_mask') === 0 && v(t.toGuest, 'write_index') !== v(t.toGuest, 'read_index')) return true;
  if (t.fromGuest) {
    const pss = v(t.fromGuest, 'pending_send_sz');
    if (pss !== 0 && ringFree(v(t.fromGuest, 'write_index'), v(t.fromGuest, 'read_index'), t.fromGuest.capacity) >= pss) return true;
  }
  return false;
}

function validate(input: HostDeviceInput): void {
  if (input.responses === null || typeof input.responses !== 'object') throw new Error('host device: responses must map each packet the device reads to its answer (or null)');
  for (const [i, t] of (input.timers ?? []).entries()) {
    if (!Number.isInteger(t.afterMs) || t.afterMs < 1) throw new Error(`host device: timer ${i} has delay ${JSON.stringify(t.afterMs)}; use whole milliseconds >= 1`);
    if (t.kind !== 'unstick' && t.kind !== 'post') throw new Error(`host device: timer ${i} has unknown kind '${(t as { kind: string }).kind}' (expected unstick, post)`);
  }
}

const timerOf = (c: HostDeviceContext, index: number): DeviceTimer => c.timers![index];

const hostDeviceSetup = setup({
  types: {} as { context: HostDeviceContext; events: HostDeviceEvent; input: HostDeviceInput; emitted: AnyEventObject },
  actions: {
    accept: enqueueActions(({ context, event, enqueue }) => {
      const seq = (event as { seq?: number }).seq;
      enqueue.assign({ seq });
      enqueue(post(context.server, seq === undefined ? { type: 'completeOpen' } : { type: 'completeOpen', seq }));
      for (const p of context.greeting ?? []) enqueue(post(context.writer, { type: 'send', packet: p }));
      enqueue.raise({ type: 'armTimers' });
    }),
    answer: enqueueActions(({ context, event, enqueue }) => {
      const answer = context.responses[(event as { packet: string }).packet];
      if (answer !== null && answer !== undefined) enqueue(post(context.writer, { type: 'send', packet: answer }));
    }),
    completeClose: enqueueActions(({ context, enqueue }) => {
      enqueue(post(context.server, context.seq === undefined ? { type: 'completeClose' } : { type: 'completeClose', seq: context.seq }));
      enqueue.raise({ type: 'disarmTimers' });
    }),
    disarm: enqueueActions(({ enqueue }) => { enqueue.raise({ type: 'disarmTimers' }); }),
    fireTimer: enqueueActions(({ context, enqueue }, params: { index: number }) => {
      const t = timerOf(context, params.index);
      enqueue.assign({ seen: {}, fired: context.fired.map((n, j) => (j === params.index ? n + 1 : n)) });
      if (t.kind === 'post') enqueue(post(t.to, t.event));
      else for (const c of unstickCells(t)) enqueue(load(c));
    }),
    recordLoad: enqueueActions(({ context, event, enqueue }) => {
      const e = event as { cell: string; value: number };
      enqueue.assign({ seen: { ...context.seen, [e.cell]: e.value } });
    }),
    finishUnstick: enqueueActions(({ context, event, enqueue }, params: { index: number }) => {
      const t = timerOf(context, params.index) as Extract<DeviceTimer, { kind: 'unstick' }>;
      const e = event as { cell: string; value: number };
      if (needsSignal(t, { ...context.seen, [e.cell]: e.value })) enqueue(call(t.signal.to, t.signal.event));
      enqueue.assign({ seen: {} });
    }),
  },
  guards: {
    knownPacket: ({ context, event }) => event.type === 'packet' && Object.prototype.hasOwnProperty.call(context.responses, event.packet),
    moreLoads: ({ context }, params: { index: number }) => {
      const t = timerOf(context, params.index);
      return t.kind === 'unstick' && Object.keys(context.seen).length + 1 < unstickCells(t).length;
    },
    isPost: ({ context }, params: { index: number }) => timerOf(context, params.index).kind === 'post',
  },
});

function timerRegion(t: DeviceTimer, index: number) {
  const params = { index };
  return {
    initial: 'idle' as const,
    states: {
      idle: { tags: ['end'], on: { armTimers: 'armed' } },
      armed: {
        on: { disarmTimers: 'idle' },
        after: {
          [t.afterMs]: [
            { guard: { type: 'isPost' as const, params }, target: 'fired', actions: { type: 'fireTimer' as const, params } },
            { target: 'checking', actions: { type: 'fireTimer' as const, params } },
          ],
        },
      },
      checking: {
        on: {
          loaded: [
            { guard: { type: 'moreLoads' as const, params }, actions: 'recordLoad' as const },
            { target: 'fired', actions: { type: 'finishUnstick' as const, params } },
          ],
          disarmTimers: 'idle',
        },
      },
      fired: { tags: ['end'], on: { armTimers: 'armed', disarmTimers: 'idle' } },
    },
  };
}

/** The device's machine: each timer is an `after` of its own region, so the machine is built per list of timers. */
export function hostDeviceMachine(timers: DeviceTimer[]) {
  const regions = Object.fromEntries(timers.map((t, i) => [`timer${i}`, timerRegion(t, i)]));
  return hostDeviceSetup.createMachine({
    id: 'hostDevice',
    context: ({ input }) => {
      validate(input);
      return { ...input, seen: {}, fired: (input.timers ?? []).map(() => 0), seq: undefined };
    },
    type: 'parallel',
    on: { armTimers: {}, disarmTimers: {} },
    states: {
      device: {
        initial: 'closed',
        states: {
          closed: {
            tags: ['end'],
            on: {
              open: { target: 'open', actions: 'accept' },
              // A reader run that was under way, or a revoke of a channel the device never opened.
              packet: {},
              revoke: {},
            },
          },
          open: {
            tags: ['end'],
            on: {
              packet: [
                { guard: 'knownPacket', actions: 'answer' },
                { actions: fail(({ event }) => `host device got unexpected packet '${(event as { packet: string }).packet}'`) },
              ],
              close: { target: 'closed', actions: 'completeClose' },
              revoke: { target: 'closed', actions: 'disarm' },
            },
          },
        },
      },
      // A device without timers has no timer region (its state value stays { device }).
      ...(timers.length > 0 ? { timers: { type: 'parallel' as const, states: regions } } : {}),
    },
  });
}

export function hostDeviceActor(input: HostDeviceInput): ActorSpec {
  validate(input);
  return { machine: hostDeviceMachine(input.timers ?? []), input };
}
