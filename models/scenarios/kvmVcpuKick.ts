// KVM's vCPU request and kick handshake (Linux Documentation/virt/kvm/vcpu-requests.rst; the run loop in
// arch/arm64/kvm/arm.c kvm_arch_vcpu_ioctl_run, kvm_make_request and kvm_vcpu_kick in
// include/linux/kvm_host.h and virt/kvm/kvm_main.c). A requester sets a request bit, then kicks: if
// the vCPU is IN_GUEST_MODE, cmpxchg(mode, IN_GUEST_MODE, EXITING_GUEST_MODE) and send an IPI (only the
// first kicker sends one). The vCPU, about to enter, does smp_store_mb(mode, IN_GUEST_MODE) and then
// checks for requests, backing out if one is pending. The two full barriers make a Dekker pattern
// (vcpu-requests.rst, "Ensuring Requests Are Seen"): either the vCPU sees the request, or the
// requester sees IN_GUEST_MODE and the IPI forces an exit.
//
// Modelled: each vCPU has one requester, whose request asks it to pick up queued work (an interrupt
// queued on its ap_list, as vgic_queue_irq_unlock does with KVM_REQ_IRQ_PENDING). With `edges`, the
// requester is VGIC injection proper (arch/arm64/kvm/vgic/vgic.c vgic_queue_irq_unlock, checked at
// several kernel trees): an edge of an IRQ already on the ap_list is not queued again, but the vCPU is
// still asked and kicked, because an edge-triggered interrupt brings no EOI maintenance interrupt. The work is lost
// when the vCPU runs the guest with the request pending and no IPI coming. Simplified: one request
// per requester; the guest runs until an IPI, and a vCPU that re-entered with nothing pending stays in
// the guest (an end state).
import { assign, setup } from 'xstate';
import {
  cmpxchg, defineScenario, defineSystem, defineVariant, param, load, post, reachable, smp_mb, smp_wmb, stall, symmetryGroup, test_and_clear_bit, write, xchg,
} from '../../checker/index.ts';
import type { MemoryModelName, SystemDefinition } from '../../checker/index.ts';

export interface KickOptions {
  /** smp_store_mb(vcpu->mode, IN_GUEST_MODE) in the run loop (false: a plain store). */
  vcpuBarrier: boolean;
  /** smp_mb__before_atomic() before the kick's cmpxchg (false: none). */
  requesterBarrier: boolean;
  /** kvm_make_request before the kick (false: a kick without a request, which vcpu-requests.rst warns against). */
  request: boolean;
  /**
   * VGIC injection (arch/arm64/kvm/vgic/vgic.c vgic_queue_irq_unlock): each requester injects this many
   * edges of one interrupt, and the IRQ's ap_list membership (irq->vcpu) is the cell queued<i>. Unset:
   * one injection, no ap_list cell (the plain request/kick handshake).
   */
  edges?: number;
  /**
   * vgic_queue_irq_unlock with the IRQ already on the ap_list: kvm_make_request + kvm_vcpu_kick anyway
   * ("We have to kick the VCPU here, because we could be queueing an edge-triggered interrupt for which
   * we get no EOI maintenance interrupt"; default true). False: return without a kick, a lost edge.
   */
  kickWhenQueued?: boolean;
}

const IN = 'IN_GUEST_MODE', OUTSIDE = 'OUTSIDE_GUEST_MODE', EXITING = 'EXITING_GUEST_MODE';

function vcpuMachine(me: number, o: KickOptions) {
  // With interrupts disabled (from local_irq_disable() to guest entry) an IPI stays pending and makes
  // the guest exit as soon as it is entered; with them enabled it is taken and does nothing more.
  const pend: Record<string, any> = { ipi: { actions: assign({ ipiPending: true }) } };
  const ignore = { ipi: {} };
  return setup({ types: {} as { context: { ipiPending: boolean } } }).createMachine({
    id: `vcpu${me}`,
    context: { ipiPending: false },
    initial: 'outside',
    states: {
      // local_irq_disable(); smp_store_mb(vcpu->mode, IN_GUEST_MODE)
      outside: { on: { ...ignore, run: { target: 'checking', actions: o.vcpuBarrier ? [write(`mode${me}`, IN), smp_mb()] : write(`mode${me}`, IN) } } },
      // kvm_vcpu_exit_request(): kvm_request_pending(vcpu) is READ_ONCE(vcpu->requests)
      checking: { on: { ...pend, run: { target: 'checked', actions: load(`requests${me}`) } } },
      checked: {
        on: {
          ...pend,
          loaded: [
            { guard: ({ event }) => event.value !== 0, target: 'backingOut' },
            { guard: ({ context }) => context.ipiPending, target: 'exiting', actions: [assign({ ipiPending: false }), write(`mode${me}`, OUTSIDE)] },
            { target: 'inGuest' },
          ],
        },
      },
      // vcpu->mode = OUTSIDE_GUEST_MODE; local_irq_enable(); then the requests are handled.
      backingOut: { on: { ...pend, run: { target: 'handling', actions: [write(`mode${me}`, OUTSIDE), assign({ ipiPending: false })] } } },
      // kvm_check_request(KVM_REQ_IRQ_PENDING): kvm_test_request, kvm_clear_request, smp_mb__after_atomic()
      // ("paired with the smp_wmb in kvm_make_request"), here one fully ordered test_and_clear_bit;
      // if the bit was set, take the queued work.
      handling: { on: { ...ignore, run: { target: 'handled', actions: test_and_clear_bit(0, `requests${me}`) } } },
      handled: { on: { ...ignore, tested: [{ guard: ({ event }) => event.value === true, target: 'takingWork' }, { target: 'outside' }] } },
      takingWork: { on: { ...ignore, run: { target: 'outside', actions: write(`work${me}`, 0) } } },
      // The guest runs until an IPI forces an exit; with nothing pending this is where the run rests.
      inGuest: { tags: ['end'], on: { ipi: { target: 'exiting', actions: write(`mode${me}`, OUTSIDE) } } },
      exiting: { on: { ...ignore, run: { target: 'handling' } } },
    },
  });
}

function requesterMachine(target: number, o: KickOptions) {
  const vgic = o.edges !== undefined;
  // vgic_queue_irq_unlock under irq->irq_lock: set the edge pending, then test and set irq->vcpu (the
  // ap_list membership); the lock is modelled as one fully ordered xchg. Simplified: the vCPU never
  // prunes its ap_list (vgic_prune_ap_list), so every edge after the first finds the IRQ queued.
  const queueWork = vgic
    ? { run: { target: 'queuing', actions: [write(`work${target}`, 1), xchg(`queued${target}`, 1, 'wasQueued')] } }
    : { run: { target: o.request ? 'makeRequest' : 'kick', actions: write(`work${target}`, 1) } };
  const next = (left: number) => (left > 1 ? `queueWork${left - 1}` : 'done');
  const edgeStates = (left: number): Record<string, any> => ({
    // vgic_queue_irq_unlock: the interrupt goes on the vCPU's ap_list.
    [`queueWork${left}`]: { on: vgic ? { run: { ...queueWork.run, target: `queuing${left}` } } : queueWork },
    [`queuing${left}`]: {
      on: {
        wasQueued: [
          { guard: ({ event }: any) => event.value === 1 && o.kickWhenQueued === false, target: next(left) },
          { target: `makeRequest${left}` },
        ],
      },
    },
    // __kvm_make_request: smp_wmb() ("Ensure the rq is visible before the request"); set_bit(req, &vcpu->requests)
    [`makeRequest${left}`]: { on: { run: { target: `kick${left}`, actions: [smp_wmb(), write(`requests${target}`, 1)] } } },
    // kvm_vcpu_kick -> kvm_vcpu_exiting_guest_mode: smp_mb__before_atomic(); cmpxchg(mode, IN, EXITING)
    [`kick${left}`]: { on: { run: { target: `kicked${left}`, actions: o.requesterBarrier ? [smp_mb(), cmpxchg(`mode${target}`, IN, EXITING, 'exchanged')] : cmpxchg(`mode${target}`, IN, EXITING, 'exchanged') } } },
    [`kicked${left}`]: {
      on: {
        exchanged: [
          { guard: ({ event }: any) => event.value === IN, target: next(left), actions: post(`vcpu${target}`, { type: 'ipi' }) },
          { target: next(left) },
        ],
      },
    },
  });
  if (!vgic) {
    return setup({}).createMachine({
      id: `requester${target}`,
      initial: 'queueWork',
      states: {
        queueWork: { on: queueWork },
        makeRequest: { on: { run: { target: 'kick', actions: [smp_wmb(), write(`requests${target}`, 1)] } } },
        kick: { on: { run: { target: 'kicked', actions: o.requesterBarrier ? [smp_mb(), cmpxchg(`mode${target}`, IN, EXITING, 'exchanged')] : cmpxchg(`mode${target}`, IN, EXITING, 'exchanged') } } },
        kicked: {
          on: {
            exchanged: [
              { guard: ({ event }) => event.value === IN, target: 'done', actions: post(`vcpu${target}`, { type: 'ipi' }) },
              { target: 'done' },
            ],
          },
        },
        done: { type: 'final' },
      },
    });
  }
  const states: Record<string, any> = { done: { type: 'final' } };
  for (let left = o.edges!; left >= 1; left--) Object.assign(states, edgeStates(left));
  return setup({}).createMachine({ id: `requester${target}`, initial: `queueWork${o.edges}`, states });
}

export function kvmVcpuKick(memory: MemoryModelName, o: KickOptions, vcpus = 2, history?: number): SystemDefinition {
  const actors: SystemDefinition['actors'] = {};
  const cells: Record<string, string | number> = {};
  for (let i = 0; i < vcpus; i++) {
    actors[`vcpu${i}`] = { machine: vcpuMachine(i, o), spontaneous: [{ type: 'run' }] };
    actors[`requester${i}`] = { machine: requesterMachine(i, o), spontaneous: [{ type: 'run' }] };
    Object.assign(cells, { [`mode${i}`]: OUTSIDE, [`requests${i}`]: 0, [`work${i}`]: 0 }, o.edges !== undefined ? { [`queued${i}`]: 0 } : {});
  }
  // What kickInFlight reads, declared for the partial-order reduction (README, "Partial-order reduction").
  const vcpuNames = Array.from({ length: vcpus }, (_, i) => `vcpu${i}`);
  const vcpuReads = { actors: vcpuNames, inFlight: vcpuNames, cells: Array.from({ length: vcpus }, (_, i) => `work${i}`) };
  return defineSystem({
    name: `kvm-vcpu-kick (${memory})`,
    memory,
    actors,
    cells,
    // Each pair keeps a few writes of its own alive: the default (cells + 8) fits two pairs, not three.
    history: history ?? Math.max(Object.keys(cells).length + 8, 8 * vcpus),
    // The pairs are interchangeable: each vCPU with its requester and its cells (README, "Symmetry reduction").
    symmetry: vcpus < 2 ? [] : [symmetryGroup(vcpus, (i) => [`vcpu${i}`, `requester${i}`, `mode${i}`, `requests${i}`, `work${i}`, ...(o.edges !== undefined ? [`queued${i}`] : [])])],
    properties: {
      // Not vacuous: a vCPU in guest mode with work queued gets its IPI (the kick the race is about).
      kickInFlight: reachable((g) => Array.from({ length: vcpus }, (_, i) => i)
        .some((i) => g.cells[`work${i}`] === 1 && g.actors[`vcpu${i}`].matches('inGuest') && g.inFlight[`vcpu${i}`].length > 0), vcpuReads),
      lostKick: stall((g) => {
        for (let i = 0; i < vcpus; i++) {
          if (g.cells[`work${i}`] === 1 && g.actors[`vcpu${i}`].matches('inGuest') && g.inFlight[`vcpu${i}`].length === 0) {
            return `vcpu${i} runs the guest with work queued and no IPI coming`;
          }
        }
        return false;
      }),
    },
  });
}

const correct: KickOptions = { vcpuBarrier: true, requesterBarrier: true, request: true };

// Every variant runs two vCPUs, each with its requester, except the VGIC ones: two edges per requester
// make a pair 1,332 states under arm, and two independent pairs their product (1.77M, about 90 s),
// beyond CI time, so those check one pair. `--param vcpus=N` sets the count (three pairs of `correct-arm`:
// 681,472 states, 88^3, about 20 s).
const pairs = (n: number) => ({ vcpus: param.integer(n, { min: 1, max: 4, description: 'vCPUs, each with its own requester' }) });
export const kvmVcpuKickScenario = defineScenario({
  name: 'kvm-vcpu-kick',
  description: 'KVM vCPU requests and kicks (Documentation/virt/kvm/vcpu-requests.rst) and VGIC injection (vgic_queue_irq_unlock): a request must never be left pending while the vCPU runs the guest with no IPI coming. Two vCPUs and two requesters (one of each for the VGIC variants)',
  variants: [
    defineVariant({
      name: 'correct', description: 'smp_store_mb(mode, IN_GUEST_MODE), then check requests; smp_wmb and set the request, smp_mb__before_atomic, cmpxchg and IPI; 2 vCPUs',
      expected: 'verified', memory: 'tso', expectedUnder: { sc: 'verified', arm: 'verified' },
      params: pairs(2), parameters: { vcpuBarrier: true, requesterBarrier: true, request: true }, system: ({ vcpus }) => kvmVcpuKick('tso', correct, vcpus),
    }),
    defineVariant({
      name: 'correct-arm', description: 'the same protocol under ARMv8; 2 vCPUs',
      expected: 'verified', memory: 'arm', expectedUnder: { sc: 'verified', tso: 'verified' },
      params: pairs(2), parameters: { vcpuBarrier: true, requesterBarrier: true, request: true }, system: ({ vcpus }) => kvmVcpuKick('arm', correct, vcpus),
    }),
    defineVariant({
      name: 'kick-without-request', description: 'a kick with no request bit: the vCPU exits, finds nothing and re-enters (violated even under SC); 2 vCPUs',
      expected: 'violated', expectedProperty: 'lostKick', memory: 'sc', expectedUnder: { tso: 'violated', arm: 'violated' },
      params: pairs(2), parameters: { vcpuBarrier: true, requesterBarrier: true, request: false }, system: ({ vcpus }) => kvmVcpuKick('sc', { ...correct, request: false }, vcpus),
    }),
    defineVariant({
      name: 'no-vcpu-barrier', description: 'mode = IN_GUEST_MODE without smp_mb: the store waits in the store buffer while the requests are read; 2 vCPUs',
      expected: 'violated', expectedProperty: 'lostKick', memory: 'tso', expectedUnder: { sc: 'verified', arm: 'violated' },
      params: pairs(2), parameters: { vcpuBarrier: false, requesterBarrier: true, request: true }, system: ({ vcpus }) => kvmVcpuKick('tso', { ...correct, vcpuBarrier: false }, vcpus),
    }),
    defineVariant({
      name: 'no-vcpu-barrier-arm', description: 'the same missing smp_mb under ARMv8; 2 vCPUs',
      expected: 'violated', expectedProperty: 'lostKick', memory: 'arm', expectedUnder: { sc: 'verified', tso: 'violated' },
      params: pairs(2), parameters: { vcpuBarrier: false, requesterBarrier: true, request: true }, system: ({ vcpus }) => kvmVcpuKick('arm', { ...correct, vcpuBarrier: false }, vcpus),
    }),
    defineVariant({
      name: 'no-requester-barrier-arm', description: 'no smp_mb__before_atomic before the kick: a failed cmpxchg is an unordered load, so on ARM it can read the mode before the request is visible; on x86 the cmpxchg is a locked instruction, a full barrier, so it is harmless under tso; 2 vCPUs',
      expected: 'violated', expectedProperty: 'lostKick', memory: 'arm', expectedUnder: { sc: 'verified', tso: 'verified' },
      params: pairs(2), parameters: { vcpuBarrier: true, requesterBarrier: false, request: true }, system: ({ vcpus }) => kvmVcpuKick('arm', { ...correct, requesterBarrier: false }, vcpus),
    }),
    defineVariant({
      name: 'vgic-edge-twice', description: 'VGIC injection, two edges of one interrupt: the second finds the IRQ already on the ap_list, and vgic_queue_irq_unlock makes the request and kicks anyway; 1 vCPU (history 16 per pair under arm)',
      expected: 'verified', memory: 'arm', expectedUnder: { sc: 'verified', tso: 'verified' },
      params: pairs(1), parameters: { vcpuBarrier: true, requesterBarrier: true, request: true, edges: 2, kickWhenQueued: true }, system: ({ vcpus }) => kvmVcpuKick('arm', { ...correct, edges: 2 }, vcpus, 16 * vcpus),
    }),
    defineVariant({
      name: 'vgic-no-kick-when-queued', description: 'the second edge, finding the IRQ already queued, returns without kvm_make_request and kvm_vcpu_kick: the vCPU, back in the guest, does not see it until it exits for some other reason (a lost edge interrupt; violated even under sc); 1 vCPU',
      expected: 'violated', expectedProperty: 'lostKick', memory: 'sc', expectedUnder: { tso: 'violated', arm: 'violated' },
      params: pairs(1), parameters: { vcpuBarrier: true, requesterBarrier: true, request: true, edges: 2, kickWhenQueued: false }, system: ({ vcpus }) => kvmVcpuKick('sc', { ...correct, edges: 2, kickWhenQueued: false }, vcpus, 16 * vcpus),
    }),
  ],
});
