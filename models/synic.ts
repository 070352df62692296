// The synthetic interrupt controller (SynIC) of one virtual processor: a message slot per SINT (the SIM
// page), event flags per SINT (the SIEF page), SINT masking and end-of-message, under one of three host
// semantics, each named for what it is:
//   - 'tlfs-hyperv'   : the hypervisor of the Hyper-V TLFS (inter-partition-communication.md, "SynIC
//                       Messages"): every posted message goes onto a per-SINT hypervisor queue; the queue
//                       head moves into an empty slot; a masked SINT loses the interrupt, not the message;
//                       EOM rescans the queues; a VP reset empties every queue and clears the SIM page.
//   - 'hv1-emulator'  : OpenVMM's emulated SynIC (vm/hv1/hv1_emulator/src/synic.rs, ProcessorSynic::
//                       post_message) behind the host-side MessageQueues (message_queues.rs,
//                       post_pending_messages): a post is enqueued; the VP's next flush posts it; ObjectInUse
//                       keeps it, any other error (InvalidSynicState on a masked SINT) drops it
//                       ("dropping sint message"); EOM is a no-op; a freed slot is found by polling (`scan`).
//   - 'whp-offloaded' : OpenVMM's virt_whp with the SynIC offloaded to the Windows hypervisor, the host of
//                       both incidents (#715, #954): the same MessageQueues, flushed by
//                       vmm_core/virt_whp/src/vp.rs flush_messages through HvPostMessageDirect
//                       (WHvPostVirtualProcessorSynicMessage): one slot, no hypervisor queue, ObjectInUse
//                       while the slot is occupied, no post to a masked SINT (dropped like any error but
//                       ObjectInUse). After ObjectInUse the VP asks for a deliverability notification
//                       (request_sint_notifications) and flushes again when it arrives
//                       (handle_sint_deliverable), not from a `scan`.
// The legacy names 'hyperv' and 'openvmm' are accepted for 'tlfs-hyperv' and 'hv1-emulator'.
//
// Use: one actor per VP, built with `synicActor(...)` (which also lists the spontaneous `scan` step: the
// VP loop's flush of the host-side queue, for 'hv1-emulator' and 'whp-offloaded'). Every request is a
// `call` (a hypercall or an MSR/page access happens inside the caller's step); requests that return
// something `reply` to the caller inside the same step, so the caller MUST handle the reply event (an
// empty transition is enough).
//
//   host side                                            reply
//   { type: 'postMessage', sint, message, unlessMasked? } { type: 'postResult', sint, status }
//       tlfs-hyperv : status 'success' (queued) | 'insufficientBuffers' (queue full; the caller keeps it)
//       hv1-emulator, whp-offloaded: status 'success' (enqueued on MessageQueues::enqueue_message; the
//                     VP's flush posts it, keeps it on ObjectInUse, or DROPS it, see `lostMessage`)
//       unlessMasked: true -> status 'sintMasked' and nothing is taken while the SINT is masked (the
//                     Hyper-V host's VMBus server, models/hypervMessagePort.ts)
//   { type: 'signalEvent', sint, flag }                  { type: 'signalResult', sint, flag, status, interrupted }
//       status 'success' | 'invalidSynicState' (tlfs-hyperv, masked SINT); `interrupted` is true only
//       when the flag was clear before (signals coalesce; under 'apic' the interrupt it raises may still
//       be collapsed into one already pending)
//   { type: 'reset' }                                    (none) VP reset / VTL2 servicing: see below
//   guest side
//   { type: 'readSlot', sint }                           { type: 'slotContents', sint, message, messagePending }
//   { type: 'clearSlot', sint }                          { type: 'slotCleared', sint, messagePending }
//   { type: 'eom' }                                      (none)
//   { type: 'testAndClearFlag', sint, flag }             { type: 'flagTested', sint, flag, wasSet }
//   { type: 'readFlags', sint }                          { type: 'flagsRead', sint, flags } (the SIEF area as
//                                                         for_each_set_bit reads it, ascending; nothing cleared)
//   { type: 'acceptInterrupt', sint }                    (none) 'apic' delivery: the VP takes the interrupt
//   { type: 'setMasked', sint, masked }                  (none; unmasking posts { type: 'sintUnmasked',
//                                                         vp, sint } to `unmaskObservers`)
//   spontaneous: { type: 'scan' }                        the VP loop flushing MessageQueues
//
// Interrupts: the SynIC posts { type: 'sint', vp, sint } to the actor named `interruptTarget` (the
// guest's VP), by `interruptDelivery`:
//   'per-raise' (default): every raised interrupt is its own event (no coalescing; enough for a guest
//               whose ISR handles one channel, and what the older scenarios were checked with);
//   'apic'    : the local APIC's coalescing. The SynIC is an extension of the local APIC (TLFS
//               virtual-interrupts.md, "Local APIC"); a fixed interrupt sets its vector's IRR bit, and
//               "any additional interrupts issued for the same interrupt vector are collapsed into the
//               single bit in the IRR" (Intel SDM Vol. 3A, 10.8.4 "Interrupt Acceptance for Fixed
//               Interrupts"). So a message or event raised while the SINT's interrupt is still pending
//               raises no second interrupt: one ISR run must handle every flag set by then (Linux
//               drivers/hv/vmbus_drv.c vmbus_chan_sched scans every bit, for_each_set_bit). The IRR bit
//               clears when the VP takes the interrupt: the guest's ISR calls `acceptInterrupt` first.
//               Simplified: AutoEOI (SINT bit 17) is taken as set, as Linux sets it when Hyper-V
//               recommends it (drivers/hv/hv.c hv_synic_enable_regs, hv_recommend_using_aeoi), so no
//               in-service bit holds back the next interrupt; each SINT is taken to have a vector of its
//               own (SINTs programmed with one vector would coalesce together).
// Simplified away: the SIM/SIEF pages are always enabled, SCONTROL, the Polling bit, proxied SINTs and
// EOI-triggered rescans are not modelled; only the SINTs listed in `sints` exist.
// Several VPs: one SynIC actor per VP (`vp`), each with its own SIM and SIEF pages and SINT registers
// (TLFS: the SynIC state is per virtual processor); a guest event port names the SynIC of each VP
// (models/guestEventPort.ts), and MODIFYCHANNEL retargeting is models/modifyChannel.ts.
import { setup, enqueueActions } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { allOf, invariant, leadsTo, post, reply, stall } from '../checker/index.ts';
import type { ActorSpec, GlobalView, Property } from '../checker/index.ts';

export type SynicSemantics = 'tlfs-hyperv' | 'hv1-emulator' | 'whp-offloaded';
/** Names accepted in `SynicInput.semantics`: the canonical ones and the legacy 'hyperv' and 'openvmm'. */
export type SynicSemanticsName = SynicSemantics | 'hyperv' | 'openvmm';

const SEMANTICS: Record<SynicSemanticsName, SynicSemantics> = {
  'tlfs-hyperv': 'tlfs-hyperv', 'hv1-emulator': 'hv1-emulator', 'whp-offloaded': 'whp-offloaded',
  hyperv: 'tlfs-hyperv', openvmm: 'hv1-emulator',
};

/** The canonical semantics for a name, or an error naming the accepted ones. */
export function synicSemantics(name: string): SynicSemantics {
  const s = SEMANTICS[name as SynicSemanticsName];
  if (s === undefined) throw new Error(`unknown SynIC semantics '${name}' (expected ${Object.keys(SEMANTICS).join(', ')})`);
  return s;
}

/** A SynIC message: plain JSON with a `type` (its payload, e.g. a VMBus control message). */
export type SynicMessage = { type: string } & Record<string, unknown>;

export interface SintState {
  masked: boolean;
  /** The SIM slot: null iff its MessageType is HvMessageTypeNone. */
  slot: SynicMessage | null;
  /** The slot header's MessagePending bit. */
  messagePending: boolean;
  /** Messages waiting behind the slot (tlfs-hyperv: the hypervisor's queue; otherwise MessageQueues). */
  queue: SynicMessage[];
  /** whp-offloaded: a deliverability notification is requested for this SINT (request_sint_notifications). */
  notify: boolean;
  /** tlfs-hyperv: a post was refused (insufficientBuffers) since the queue last shrank. */
  refused: boolean;
  /** SIEF bits set for this SINT, ascending. */
  flags: number[];
  /** 'apic' delivery only: the SINT's vector is pending in the IRR (raised, not yet taken by the VP).
   * Absent under 'per-raise', so those contexts (and recorded traces) are as before. */
  irr?: boolean;
}

export interface DroppedMessage {
  sint: number;
  message: SynicMessage;
  reason: string;
}

/** How raised interrupts reach the VP: one event each, or coalesced in the IRR as the local APIC does. */
export type InterruptDelivery = 'per-raise' | 'apic';

export interface SynicContext {
  semantics: SynicSemantics;
  /** Absent for 'per-raise' (the default), so those contexts and their traces are unchanged. */
  interruptDelivery?: InterruptDelivery;
  vp: number;
  interruptTarget: string;
  unmaskObservers: string[];
  spaceObservers: string[];
  queueCapacity: number;
  /** hv1-emulator, whp-offloaded: a post woke the VP to flush every SINT's queue (`check_queues`). */
  checkQueues: boolean;
  sints: Record<string, SintState>;
  dropped: DroppedMessage[];
}

export interface SynicInput {
  semantics: SynicSemanticsName;
  /** Actor that receives { type: 'sint', vp, sint } interrupts. */
  interruptTarget: string;
  /** The SINT numbers modelled, e.g. [2] (Linux VMBUS_MESSAGE_SINT). */
  sints: number[];
  /** SINTs masked at the start. Default none (the guest has already unmasked them). */
  masked?: number[];
  vp?: number;
  /** Bound on each SINT's queue. Default 4. */
  queueCapacity?: number;
  /** 'per-raise' (default) or 'apic' (coalescing in the IRR; the ISR must call `acceptInterrupt`). */
  interruptDelivery?: InterruptDelivery;
  /** Actors told { type: 'sintUnmasked', vp, sint } when the guest unmasks a SINT. */
  unmaskObservers?: string[];
  /** tlfs-hyperv: actors told { type: 'sintSpace', vp, sint } when a SINT's queue shrinks after a refused
   * post (the host's retry; simplified: how a host learns that buffers are free is not modelled). */
  spaceObservers?: string[];
}

export type SynicEvent =
  | { type: 'postMessage'; sint: number; message: SynicMessage; unlessMasked?: boolean }
  | { type: 'signalEvent'; sint: number; flag: number }
  | { type: 'reset' }
  | { type: 'readSlot'; sint: number }
  | { type: 'clearSlot'; sint: number }
  | { type: 'eom' }
  | { type: 'testAndClearFlag'; sint: number; flag: number }
  | { type: 'readFlags'; sint: number }
  | { type: 'acceptInterrupt'; sint: number }
  | { type: 'setMasked'; sint: number; masked: boolean }
  | { type: 'scan' };

type Effect = { post: AnyEventObject; to?: string } | { reply: AnyEventObject };

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
  // a masked SINT generates none. (Only a message can land in a masked SINT's slot, under tlfs-hyperv:
  // a signal to a masked SINT sets no flag, see signalEvent.)
  if (s.masked) return;
  if (ctx.interruptDelivery === 'apic') {
    // Intel SDM 10.8.4: a second interrupt on a vector already in the IRR is collapsed into it.
    if (s.irr) return;
    s.irr = true;
  }
  effects.push({ post: { type: 'sint', vp: ctx.vp, sint } });
}

/**
 * TLFS Hyper-V: move the queue head into an empty slot and interrupt; with the slot full, mark the slot's
 * MessagePending so the guest writes EOM (TLFS "SynIC Messages", MessagePending).
 */
function hypervDeliver(ctx: SynicContext, sint: number, s: SintState, effects: Effect[]): void {
  if (s.queue.length === 0) return;
  if (s.slot === null) {
    s.slot = s.queue.shift()!;
    // A buffer is free again: wake the posters that were refused (see `spaceObservers`).
    if (s.refused) for (const to of ctx.spaceObservers) effects.push({ post: { type: 'sintSpace', vp: ctx.vp, sint }, to });
    s.refused = false;
    s.messagePending = s.queue.length > 0;
    interrupt(ctx, sint, s, effects);
  } else {
    s.messagePending = true;
  }
}

type DirectStatus = 'success' | 'objectInUse' | 'invalidSynicState';

/**
 * One post into the slot, as the VP's flush makes it. hv1-emulator: ProcessorSynic::post_message
 * (synic.rs): masked -> InvalidSynicState; slot not ready -> ObjectInUse, and check_sint_ready sets
 * message_pending so the guest EOMs. whp-offloaded: HvPostMessageDirect: masked -> an error (no post to a
 * masked SINT); slot occupied -> ObjectInUse (simplified: MessagePending is left alone, the retry comes
 * from the deliverability notification). Simplified (hv1): "ready" is the slot itself, where OpenVMM
 * keeps a cached `ready_sints` bit refreshed by scan().
 */
function directPost(ctx: SynicContext, sint: number, s: SintState, message: SynicMessage, effects: Effect[]): DirectStatus {
  if (s.masked) return 'invalidSynicState';
  if (s.slot !== null) {
    if (ctx.semantics === 'hv1-emulator') s.messagePending = true;
    return 'objectInUse';
  }
  s.slot = message;
  s.messagePending = false;
  interrupt(ctx, sint, s, effects);
  return 'success';
}

/**
 * MessageQueues::post_pending_messages (hv1_emulator/src/message_queues.rs), called from the VP loop
 * (virt_whp/src/vp.rs flush_messages): post from the queue front; Ok pops, ObjectInUse keeps the message
 * and stops, any other error drops it ("dropping sint message"). whp-offloaded then requests a
 * deliverability notification for a SINT still non-empty (request_sint_notifications).
 */
function flushQueue(ctx: SynicContext, sint: number, s: SintState, effects: Effect[]): void {
  while (s.queue.length > 0) {
    const status = directPost(ctx, sint, s, s.queue[0], effects);
    if (status === 'objectInUse') break;
    const message = s.queue.shift()!;
    if (status === 'invalidSynicState') ctx.dropped.push({ sint, message, reason: 'posted to a masked SINT, dropped at the next queue flush (post_pending_messages)' });
  }
  if (ctx.semantics === 'whp-offloaded') s.notify = s.queue.length > 0;
}

/** Whether the VP's flush would post from this SINT's queue now. */
function flushable(ctx: SynicContext, s: SintState): boolean {
  if (s.queue.length === 0) return false;
  if (ctx.checkQueues) return true;
  // hv1: scan() finds the freed slot by polling. whp: the hypervisor notifies once the SINT is
  // deliverable (slot free, SINT unmasked; simplified: the notification is not modelled as lost).
  if (ctx.semantics === 'hv1-emulator') return s.slot === null;
  return s.notify && s.slot === null && !s.masked;
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
      if (event.unlessMasked === true && s.masked) {
        status = 'sintMasked';
      } else if (ctx.semantics === 'tlfs-hyperv') {
        // TLFS HvCallPostMessage: fails with HV_STATUS_INSUFFICIENT_BUFFERS only when the buffers are used
        // up, never because the slot is full; a new message also rescans the queue.
        if (s.queue.length >= ctx.queueCapacity) {
          status = 'insufficientBuffers';
          s.refused = true;
        } else {
          s.queue.push(event.message);
          hypervDeliver(ctx, event.sint, s, effects);
          status = 'success';
        }
      } else {
        // MessageQueues::enqueue_message, then the VP is woken to flush (virt_whp/src/lib.rs post_message
        // sets check_queues). The post itself cannot fail; what the flush finds decides the message's fate.
        if (s.queue.length >= ctx.queueCapacity) overflow(ctx, event.sint);
        s.queue.push(event.message);
        ctx.checkQueues = true;
        status = 'success';
      }
      effects.push({ reply: { type: 'postResult', sint: event.sint, status } });
      break;
    }
    case 'signalEvent': {
      const s = sintOf(ctx, event.sint);
      checkFlag(ctx, event.sint, event.flag);
      let status = 'success';
      let interrupted = false;
      if (s.masked) {
        // TLFS HvCallSignalEvent: HV_STATUS_INVALID_SYNIC_STATE on a masked SINT, no flag set. OpenVMM
        // GlobalSynic::signal_event: returns Ok(false) without setting the bit (silently dropped).
        if (ctx.semantics === 'tlfs-hyperv') status = 'invalidSynicState';
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
      // VP reset, as done to VTL2's SynIC during servicing (OpenVMM #954). TLFS: "All message queues of a
      // virtual processor are empty upon creation or reset", "Upon ... reset, the SIM page is cleared to
      // zero", and every SINT is masked. Nothing in the SynIC survives, under any semantics.
      // Simplified (hv1-emulator, whp-offloaded): the host-side MessageQueues are lost with it.
      for (const [key, s] of Object.entries(ctx.sints)) {
        const sint = Number(key);
        for (const message of [...(s.slot ? [s.slot] : []), ...s.queue]) ctx.dropped.push({ sint, message, reason: 'VP reset (TLFS: message queues empty, SIM page cleared)' });
        s.queue = [];
        s.slot = null;
        s.messagePending = false;
        s.notify = false;
        s.refused = false;
        s.masked = true;
        s.flags = [];
        if (s.irr !== undefined) s.irr = false;
      }
      ctx.checkQueues = false;
      break;
    }
    case 'readSlot': {
      const s = sintOf(ctx, event.sint);
      effects.push({ reply: { type: 'slotContents', sint: event.sint, message: s.slot, messagePending: s.messagePending } });
      break;
    }
    case 'clearSlot': {
      // Linux vmbus_signal_eom (include/asm-generic/mshyperv.h; drivers/hv/hyperv_vmbus.h since 2025):
      // cmpxchg message_type to None (a full barrier), then read msg_pending. Simplified: the slot is
      // this actor's context, not memory, so the clear and the msg_pending load are one step here;
      // models/simMessageSlot.ts has them as separate loads and stores of the SIM page, where the
      // barrier between them can be left out (scenario vmbus-signal-eom).
      const s = sintOf(ctx, event.sint);
      const messagePending = s.messagePending;
      s.slot = null;
      s.messagePending = false;
      effects.push({ reply: { type: 'slotCleared', sint: event.sint, messagePending } });
      break;
    }
    case 'eom': {
      // TLFS: writing the EOM MSR rescans every SINT's queue. OpenVMM ProcessorSynic::set_eom is empty; on
      // whp-offloaded the hypervisor has no queue to rescan (direct posts only).
      if (ctx.semantics === 'tlfs-hyperv') {
        for (const [key, s] of Object.entries(ctx.sints)) hypervDeliver(ctx, Number(key), s, effects);
      }
      break;
    }
    case 'testAndClearFlag': {
      // Linux vmbus_chan_sched: sync_test_and_clear_bit on the SIEF page.
      const s = sintOf(ctx, event.sint);
      checkFlag(ctx, event.sint, event.flag);
      const wasSet = s.flags.includes(event.flag);
      s.flags = s.flags.filter((f) => f !== event.flag);
      effects.push({ reply: { type: 'flagTested', sint: event.sint, flag: event.flag, wasSet } });
      break;
    }
    case 'readFlags': {
      // Linux vmbus_chan_sched / hv_synic_event_pending: for_each_set_bit over the SINT's SIEF area.
      const s = sintOf(ctx, event.sint);
      effects.push({ reply: { type: 'flagsRead', sint: event.sint, flags: s.flags } });
      break;
    }
    case 'acceptInterrupt': {
      // The VP takes the SINT's interrupt: its IRR bit clears, so a later raise interrupts again
      // (Intel SDM 10.8.4; AutoEOI clears the in-service bit at once). Nothing to do under 'per-raise'.
      const s = sintOf(ctx, event.sint);
      if (s.irr !== undefined) s.irr = false;
      break;
    }
    case 'setMasked': {
      // SINT register bit 16. Unmasking raises nothing by itself: the guest drains with EOM (TLFS).
      const s = sintOf(ctx, event.sint);
      if (s.masked && !event.masked) for (const to of ctx.unmaskObservers) effects.push({ post: { type: 'sintUnmasked', vp: ctx.vp, sint: event.sint }, to });
      s.masked = event.masked;
      break;
    }
    case 'scan': {
      // The VP loop: flush_messages for every SINT after a post woke it (check_queues), else for the
      // SINTs found ready (hv1 scan) or reported deliverable (whp handle_sint_deliverable). TLFS Hyper-V
      // has no such step: its rescans are triggered, see postMessage and eom.
      if (ctx.semantics !== 'tlfs-hyperv') {
        for (const [key, s] of Object.entries(ctx.sints)) if (flushable(ctx, s)) flushQueue(ctx, Number(key), s, effects);
        ctx.checkQueues = false;
      }
      break;
    }
  }
  return { context: ctx, effects };
}

/** Whether the VP loop's flush has anything to do. */
export function scanHasWork(ctx: SynicContext): boolean {
  return ctx.semantics !== 'tlfs-hyperv' && Object.values(ctx.sints).some((s) => flushable(ctx, s));
}

/** TLFS: 16 SINTs per VP; the SIEF page holds 2048 event flags per SINT (256 bytes). */
export const SINT_COUNT = 16;
export const EVENT_FLAGS_PER_SINT = 2048;

function checkFlag(ctx: SynicContext, sint: number, flag: number): void {
  // An out-of-range flag taken as a no-op let a buggy variant come back verified: it is a model error.
  if (!Number.isInteger(flag) || flag < 0 || flag >= EVENT_FLAGS_PER_SINT) throw new Error(`event flag ${flag} on SINT ${sint} of VP ${ctx.vp} is out of range (0..${EVENT_FLAGS_PER_SINT - 1})`);
}

function checkInput(input: SynicInput): void {
  const where = `SynIC of VP ${input.vp ?? 0}`;
  if (!Array.isArray(input.sints) || input.sints.length === 0) throw new Error(`${where}: sints must list at least one SINT`);
  for (const n of input.sints) if (!Number.isInteger(n) || n < 0 || n >= SINT_COUNT) throw new Error(`${where}: SINT ${n} is out of range (0..${SINT_COUNT - 1})`);
  if (new Set(input.sints).size !== input.sints.length) throw new Error(`${where}: sints lists a SINT twice`);
  for (const n of input.masked ?? []) if (!input.sints.includes(n)) throw new Error(`${where}: masked SINT ${n} is not in sints`);
  if (input.queueCapacity !== undefined && !(Number.isInteger(input.queueCapacity) && input.queueCapacity >= 1)) throw new Error(`${where}: queueCapacity must be a positive integer`);
  if (typeof input.interruptTarget !== 'string' || input.interruptTarget === '') throw new Error(`${where}: interruptTarget must name an actor`);
  if (input.interruptDelivery !== undefined && input.interruptDelivery !== 'per-raise' && input.interruptDelivery !== 'apic') throw new Error(`${where}: interruptDelivery must be 'per-raise' or 'apic', not '${String(input.interruptDelivery)}'`);
  if (input.vp !== undefined && !(Number.isInteger(input.vp) && input.vp >= 0)) throw new Error(`${where}: vp must be a non-negative integer`);
}

export function initialSynicContext(input: SynicInput): SynicContext {
  checkInput(input);
  const masked = new Set(input.masked ?? []);
  return {
    semantics: synicSemantics(input.semantics),
    ...(input.interruptDelivery === 'apic' ? { interruptDelivery: 'apic' as const } : {}),
    vp: input.vp ?? 0,
    interruptTarget: input.interruptTarget,
    unmaskObservers: input.unmaskObservers ?? [],
    spaceObservers: input.spaceObservers ?? [],
    queueCapacity: input.queueCapacity ?? 4,
    checkQueues: false,
    sints: Object.fromEntries(input.sints.map((n) => [String(n), { masked: masked.has(n), slot: null, messagePending: false, queue: [], notify: false, refused: false, flags: [], ...(input.interruptDelivery === 'apic' ? { irr: false } : {}) }])),
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
        if ('post' in e) enqueue(post(e.to ?? context.interruptTarget, e.post));
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
        readFlags: { actions: 'respond' },
        acceptInterrupt: { actions: 'respond' },
        setMasked: { actions: 'respond' },
        scan: { guard: 'scanHasWork', actions: 'respond' },
      },
    },
  },
});

/** An actor spec for a system definition: the machine, its input and (but for tlfs-hyperv) the `scan` step. */
export function synicActor(input: SynicInput): ActorSpec {
  return {
    machine: synicMachine,
    input,
    spontaneous: synicSemantics(input.semantics) === 'tlfs-hyperv' ? [] : [{ type: 'scan' }],
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
  return allOf(droppedMessage(names), stall((g) => waitingMessage(g, names)));
}

/**
 * The liveness twin of `lostMessage`: the same drop invariant, and a message in a slot or queue of the
 * named SynICs leads to every slot and queue of them being empty, on every fair run, without needing
 * the system to go quiescent. Simplified: the goal is "all drained", not "this message consumed" (a
 * state holds no message identity to follow), so a system that posts messages without end needs a
 * property of its own.
 */
export function lostMessageLiveness(synics: string | string[]): Property {
  const names = typeof synics === 'string' ? [synics] : synics;
  return allOf(droppedMessage(names), leadsTo((g) => waitingMessage(g, names), (g) => !waitingMessage(g, names), { actors: names }));
}

function droppedMessage(names: string[]): Property {
  return invariant((g) => {
    for (const name of names) {
      const d = synicContext(g, name).dropped[0];
      if (d) return `${name}: message '${d.message.type}' posted to SINT ${d.sint} was dropped (${d.reason})`;
    }
    return true;
  }, { actors: names });
}

function waitingMessage(g: GlobalView, names: string[]): string | false {
  for (const name of names) {
    for (const [sint, s] of Object.entries(synicContext(g, name).sints)) {
      if (s.slot) return `${name}: message '${s.slot.type}' sits in SINT ${sint}'s slot${s.masked ? ' (masked)' : ''} and nothing will consume it`;
      if (s.queue.length > 0) return `${name}: message '${s.queue[0].type}' is queued behind SINT ${sint}'s slot and nothing will deliver it`;
    }
  }
  return false;
}
