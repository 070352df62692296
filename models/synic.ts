// The synthetic interrupt controller (SynIC) of one virtual processor: a message slot per SINT (the SIM
// page), event flags per SINT (the SIEF page), SINT masking and end-of-message, under one of two host
// semantics (domain.md section 1):
//   - 'hyperv'  : the hypervisor of the TLFS ("inter-partition-communication.md"): every posted message
//                 goes onto a per-SINT queue; the queue head moves into an empty slot; a masked SINT
//                 loses the interrupt, not the message; EOM rescans the queues.
//   - 'openvmm' : OpenVMM's emulated SynIC (vm/hv1/hv1_emulator/src/synic.rs) behind its host-side
//                 message queue (message_queues.rs): ObjectInUse keeps a message queued for a retry,
//                 any other error drops it; EOM is a no-op; readiness is found by a polling `scan`.
//
// Use: one actor per VP, built with `synicActor(...)` (which also lists the spontaneous `scan` step
// under 'openvmm'). Every request is a `call` (a hypercall or an MSR/page access happens inside the
// caller's step); requests that return something `reply` to the caller inside the same step, so the
// caller MUST handle the reply event (an empty transition is enough).
//
//   host side                                            reply
//   { type: 'postMessage', sint, message }               { type: 'postResult', sint, status }
//       hyperv : status 'success' (queued) | 'insufficientBuffers' (queue full; the caller keeps it)
//       openvmm: status 'success' (in the slot) | 'objectInUse' (kept queued, retried by `scan`)
//                | 'invalidSynicState' (SINT masked: the message is DROPPED, see `lostMessage`)
//   { type: 'signalEvent', sint, flag }                  { type: 'signalResult', sint, flag, status, interrupted }
//       status 'success' | 'invalidSynicState' (hyperv, masked SINT); `interrupted` is true only when
//       the flag was clear before (signals coalesce)
//   { type: 'reset' }                                    (none) VP reset / VTL2 servicing: see below
//   guest side
//   { type: 'readSlot', sint }                           { type: 'slotContents', sint, message, messagePending }
//   { type: 'clearSlot', sint }                          { type: 'slotCleared', sint, messagePending }
//   { type: 'eom' }                                      (none)
//   { type: 'testAndClearFlag', sint, flag }             { type: 'flagTested', sint, flag, wasSet }
//   { type: 'setMasked', sint, masked }                  (none)
//   spontaneous (openvmm only): { type: 'scan' }         the VP loop retrying queued messages
//
// Interrupts: the SynIC posts { type: 'sint', vp, sint } to the actor named `interruptTarget` (the
// guest's VP). Each raised interrupt is its own event: APIC coalescing of a vector already pending in
// the IRR is not modelled (it only removes duplicate ISR runs, which the guest ISR treats idempotently).
// Simplified away: the SIM/SIEF pages are always enabled, SCONTROL, AutoEOI, the Polling bit, proxied
// SINTs and EOI-triggered rescans are not modelled; only the SINTs listed in `sints` exist.
import { setup, enqueueActions } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { allOf, invariant, post, reply, stall } from '../checker/index.ts';
import type { ActorSpec, GlobalView, Property } from '../checker/index.ts';

export type SynicSemantics = 'hyperv' | 'openvmm';

/** A SynIC message: plain JSON with a `type` (its payload, e.g. a VMBus control message). */
export type SynicMessage = { type: string } & Record<string, unknown>;

export interface SintState {
  masked: boolean;
  /** The SIM slot: null iff its MessageType is HvMessageTypeNone. */
  slot: SynicMessage | null;
  /** The slot header's MessagePending bit. */
  messagePending: boolean;
  /** Messages waiting behind the slot (hyperv: the hypervisor's queue; openvmm: MessageQueues). */
  queue: SynicMessage[];
  /** SIEF bits set for this SINT, ascending. */
  flags: number[];
}

export interface DroppedMessage {
  sint: number;
  message: SynicMessage;
  reason: string;
}

export interface SynicContext {
  semantics: SynicSemantics;
  vp: number;
  interruptTarget: string;
  queueCapacity: number;
  sints: Record<string, SintState>;
  dropped: DroppedMessage[];
}

export interface SynicInput {
  semantics: SynicSemantics;
  /** Actor that receives { type: 'sint', vp, sint } interrupts. */
  interruptTarget: string;
  /** The SINT numbers modelled, e.g. [2] (Linux VMBUS_MESSAGE_SINT). */
  sints: number[];
  /** SINTs masked at the start. Default none (the guest has already unmasked them). */
  masked?: number[];
  vp?: number;
  /** Bound on each SINT's queue. Default 4. */
  queueCapacity?: number;
}

export type SynicEvent =
  | { type: 'postMessage'; sint: number; message: SynicMessage }
  | { type: 'signalEvent'; sint: number; flag: number }
  | { type: 'reset' }
  | { type: 'readSlot'; sint: number }
  | { type: 'clearSlot'; sint: number }
  | { type: 'eom' }
  | { type: 'testAndClearFlag'; sint: number; flag: number }
  | { type: 'setMasked'; sint: number; masked: boolean }
  | { type: 'scan' };

type Effect = { post: AnyEventObject } | { reply: AnyEventObject };

/** The next context and what to emit, computed purely from the current context and the request. */
interface Outcome {
  context: SynicContext;
  effects: Effect[];
}

function sintOf(ctx: SynicContext, sint: number): SintState {
  const s = ctx.sints[String(sint)];
  if (s === undefined) throw new Error(`SINT ${sint} is not modelled on VP ${ctx.vp} (sints: ${Object.keys(ctx.sints).join(', ')})`);
  return s;
}

function interrupt(ctx: SynicContext, sint: number, s: SintState, effects: Effect[]): void {
  // TLFS: an edge-triggered interrupt is raised when a message lands in the slot or a clear flag is set;
  // a masked SINT generates none (the interrupt is lost, the message or flag is not).
  if (!s.masked) effects.push({ post: { type: 'sint', vp: ctx.vp, sint } });
}

/**
 * Hyper-V: move the queue head into an empty slot and interrupt; with the slot full, mark the slot's
 * MessagePending so the guest writes EOM (TLFS; domain.md section 1, "MessagePending").
 */
function hypervDeliver(ctx: SynicContext, sint: number, s: SintState, effects: Effect[]): void {
  if (s.queue.length === 0) return;
  if (s.slot === null) {
    s.slot = s.queue.shift()!;
    s.messagePending = s.queue.length > 0;
    interrupt(ctx, sint, s, effects);
  } else {
    s.messagePending = true;
  }
}

/**
 * OpenVMM ProcessorSynic::post_message (synic.rs): masked -> InvalidSynicState; slot not ready ->
 * ObjectInUse (SintState::check_sint_ready then sets message_pending so the guest EOMs); otherwise the
 * message goes into the slot and sint_interrupt is requested. Simplified: "ready" is the slot itself,
 * where OpenVMM keeps a cached `ready_sints` bit refreshed by scan().
 */
function openvmmPost(ctx: SynicContext, sint: number, s: SintState, message: SynicMessage, effects: Effect[]): 'success' | 'objectInUse' | 'invalidSynicState' {
  if (s.masked) return 'invalidSynicState';
  if (s.slot !== null) {
    // Simplified: message_pending is set here rather than at the next scan's check_sint_ready.
    s.messagePending = true;
    return 'objectInUse';
  }
  s.slot = message;
  s.messagePending = false;
  interrupt(ctx, sint, s, effects);
  return 'success';
}

/**
 * OpenVMM MessageQueues::post_pending_messages (message_queues.rs): post from the queue front; Ok pops,
 * ObjectInUse keeps the message and stops, any other error drops it ("dropping sint message").
 */
function openvmmDrain(ctx: SynicContext, sint: number, s: SintState, effects: Effect[]): void {
  while (s.queue.length > 0) {
    const status = openvmmPost(ctx, sint, s, s.queue[0], effects);
    if (status === 'objectInUse') return;
    const message = s.queue.shift()!;
    if (status === 'invalidSynicState') ctx.dropped.push({ sint, message, reason: 'SINT masked (InvalidSynicState)' });
  }
}

function overflow(ctx: SynicContext, sint: number): never {
  // OpenVMM's MessageQueues is unbounded; the model bounds it, so overflowing is a limit of the model
  // (reported as modelError), not a behaviour of the host.
  throw new Error(`SINT ${sint} queue on VP ${ctx.vp} exceeds the modelled capacity ${ctx.queueCapacity}; raise queueCapacity`);
}

/** The SynIC's response to one request: pure, so tests and other models can reason about it directly. */
export function synicStep(current: SynicContext, event: SynicEvent): Outcome {
  const ctx: SynicContext = structuredClone(current);
  const effects: Effect[] = [];
  switch (event.type) {
    case 'postMessage': {
      const s = sintOf(ctx, event.sint);
      let status: string;
      if (ctx.semantics === 'hyperv') {
        // TLFS HvCallPostMessage: fails with HV_STATUS_INSUFFICIENT_BUFFERS only when the buffers are used
        // up, never because the slot is full; a new message also rescans the queue.
        if (s.queue.length >= ctx.queueCapacity) {
          status = 'insufficientBuffers';
        } else {
          s.queue.push(event.message);
          hypervDeliver(ctx, event.sint, s, effects);
          status = 'success';
        }
      } else if (s.queue.length > 0) {
        // Behind messages already retained by MessageQueues: FIFO order per SINT.
        if (s.queue.length >= ctx.queueCapacity) overflow(ctx, event.sint);
        s.queue.push(event.message);
        status = 'objectInUse';
      } else {
        status = openvmmPost(ctx, event.sint, s, event.message, effects);
        if (status === 'objectInUse') s.queue.push(event.message);
        if (status === 'invalidSynicState') ctx.dropped.push({ sint: event.sint, message: event.message, reason: 'SINT masked (InvalidSynicState)' });
      }
      effects.push({ reply: { type: 'postResult', sint: event.sint, status } });
      break;
    }
    case 'signalEvent': {
      const s = sintOf(ctx, event.sint);
      let status = 'success';
      let interrupted = false;
      if (s.masked) {
        // TLFS HvCallSignalEvent: HV_STATUS_INVALID_SYNIC_STATE on a masked SINT. OpenVMM
        // GlobalSynic::signal_event: returns Ok(false) without setting the bit (silently dropped).
        if (ctx.semantics === 'hyperv') status = 'invalidSynicState';
      } else if (!s.flags.includes(event.flag)) {
        // Atomic test-and-set of the SIEF bit; interrupt only if it was clear (signals coalesce).
        s.flags = [...s.flags, event.flag].sort((a, b) => a - b);
        interrupted = true;
        interrupt(ctx, event.sint, s, effects);
      }
      effects.push({ reply: { type: 'signalResult', sint: event.sint, flag: event.flag, status, interrupted } });
      break;
    }
    case 'reset': {
      // VP reset (TLFS: every SINT masked) as done to VTL2's SynIC during servicing (OpenVMM #954).
      // Simplified: under 'hyperv' the slot's message goes back to the queue front (the Hyper-V host
      // "has a workaround for preserving vmbus messages across VTL2 servicing", #954); under 'openvmm'
      // the slot and the queue are lost.
      for (const [key, s] of Object.entries(ctx.sints)) {
        const sint = Number(key);
        if (ctx.semantics === 'hyperv') {
          if (s.slot !== null) s.queue.unshift(s.slot);
        } else {
          for (const message of [...(s.slot ? [s.slot] : []), ...s.queue]) ctx.dropped.push({ sint, message, reason: 'SynIC reset' });
          s.queue = [];
        }
        s.slot = null;
        s.messagePending = false;
        s.masked = true;
        s.flags = [];
      }
      break;
    }
    case 'readSlot': {
      const s = sintOf(ctx, event.sint);
      effects.push({ reply: { type: 'slotContents', sint: event.sint, message: s.slot, messagePending: s.messagePending } });
      break;
    }
    case 'clearSlot': {
      // Linux vmbus_signal_eom (include/asm-generic/mshyperv.h; drivers/hv/hyperv_vmbus.h since 2025):
      // cmpxchg message_type to None (a full barrier), then read msg_pending. Simplified: the clear and
      // the msg_pending load are one step.
      const s = sintOf(ctx, event.sint);
      const messagePending = s.messagePending;
      s.slot = null;
      s.messagePending = false;
      effects.push({ reply: { type: 'slotCleared', sint: event.sint, messagePending } });
      break;
    }
    case 'eom': {
      // TLFS: writing the EOM MSR rescans every SINT's queue. OpenVMM ProcessorSynic::set_eom is empty.
      if (ctx.semantics === 'hyperv') {
        for (const [key, s] of Object.entries(ctx.sints)) hypervDeliver(ctx, Number(key), s, effects);
      }
      break;
    }
    case 'testAndClearFlag': {
      // Linux vmbus_chan_sched: sync_test_and_clear_bit on the SIEF page.
      const s = sintOf(ctx, event.sint);
      const wasSet = s.flags.includes(event.flag);
      s.flags = s.flags.filter((f) => f !== event.flag);
      effects.push({ reply: { type: 'flagTested', sint: event.sint, flag: event.flag, wasSet } });
      break;
    }
    case 'setMasked': {
      // SINT register bit 16. Unmasking raises nothing by itself: the guest drains with EOM (TLFS).
      sintOf(ctx, event.sint).masked = event.masked;
      break;
    }
    case 'scan': {
      // OpenVMM ProcessorSynic::scan in the VP run loop finds SINTs whose slot became free. (Hyper-V
      // has no such poll: its rescans are triggered, see postMessage and eom.)
      if (ctx.semantics === 'openvmm') {
        for (const [key, s] of Object.entries(ctx.sints)) if (s.slot === null) openvmmDrain(ctx, Number(key), s, effects);
      }
      break;
    }
  }
  return { context: ctx, effects };
}

/** Whether the VP loop's `scan` has anything to do (a queued message with its slot free). */
export function scanHasWork(ctx: SynicContext): boolean {
  return ctx.semantics === 'openvmm' && Object.values(ctx.sints).some((s) => s.queue.length > 0 && s.slot === null);
}

export function initialSynicContext(input: SynicInput): SynicContext {
  const masked = new Set(input.masked ?? []);
  return {
    semantics: input.semantics,
    vp: input.vp ?? 0,
    interruptTarget: input.interruptTarget,
    queueCapacity: input.queueCapacity ?? 4,
    sints: Object.fromEntries(input.sints.map((n) => [String(n), { masked: masked.has(n), slot: null, messagePending: false, queue: [], flags: [] }])),
    dropped: [],
  };
}

export const synicMachine = setup({
  types: {} as { context: SynicContext; events: SynicEvent; input: SynicInput; emitted: AnyEventObject },
  actions: {
    respond: enqueueActions(({ context, event, enqueue }) => {
      const out = synicStep(context, event);
      enqueue.assign(() => out.context);
      for (const e of out.effects) {
        if ('post' in e) enqueue(post(context.interruptTarget, e.post));
        else enqueue(reply(e.reply));
      }
    }),
  },
  guards: {
    scanHasWork: ({ context }) => scanHasWork(context),
  },
}).createMachine({
  id: 'synic',
  context: ({ input }) => initialSynicContext(input),
  initial: 'running',
  states: {
    // A passive device: idle here is never a deadlock.
    running: {
      tags: ['end'],
      on: {
        postMessage: { actions: 'respond' },
        signalEvent: { actions: 'respond' },
        reset: { actions: 'respond' },
        readSlot: { actions: 'respond' },
        clearSlot: { actions: 'respond' },
        eom: { actions: 'respond' },
        testAndClearFlag: { actions: 'respond' },
        setMasked: { actions: 'respond' },
        scan: { guard: 'scanHasWork', actions: 'respond' },
      },
    },
  },
});

/** An actor spec for a system definition: the machine, its input and (under 'openvmm') the `scan` step. */
export function synicActor(input: SynicInput): ActorSpec {
  return {
    machine: synicMachine,
    input,
    spontaneous: input.semantics === 'openvmm' ? [{ type: 'scan' }] : [],
  };
}

/** The messages a SynIC actor holds (slots and queues) and has dropped, for properties and tests. */
export function synicContext(g: GlobalView, actor: string): SynicContext {
  const snapshot = g.actors[actor];
  if (snapshot === undefined) throw new Error(`no actor '${actor}' in the system`);
  return snapshot.context as SynicContext;
}

/**
 * Built-in property `lostMessage`: a message posted through one of the named SynIC actors was dropped
 * (judged in every state: a drop is recorded and never undone, so it shows even while other actors keep
 * running), or it still sits in a slot or queue at a state where only timers can fire (nobody will
 * consume it).
 */
export function lostMessage(synics: string | string[]): Property {
  const names = typeof synics === 'string' ? [synics] : synics;
  const dropped = invariant((g) => {
    for (const name of names) {
      const d = synicContext(g, name).dropped[0];
      if (d) return `${name}: message '${d.message.type}' posted to SINT ${d.sint} was dropped (${d.reason})`;
    }
    return true;
  });
  const stuck = stall((g) => {
    for (const name of names) {
      for (const [sint, s] of Object.entries(synicContext(g, name).sints)) {
        if (s.slot) return `${name}: message '${s.slot.type}' sits in SINT ${sint}'s slot${s.masked ? ' (masked)' : ''} and nothing will consume it`;
        if (s.queue.length > 0) return `${name}: message '${s.queue[0].type}' is queued behind SINT ${sint}'s slot and nothing will deliver it`;
      }
    }
    return false;
  });
  return allOf(dropped, stuck);
}
