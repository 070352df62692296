// Retargeting a channel's interrupt to another VP with CHANNELMSG_MODIFYCHANNEL (22), and its answer
// CHANNELMSG_MODIFYCHANNEL_RESPONSE (24) from VMBus protocol 5.3 on: both ends.
//
// Host (`modifyChannelHostActor`): the channel is opened by arming its guest event port for the VP the
// guest named (OpenVMM vm/devices/vmbus/vmbus_server/src/lib.rs open_channel, #717), and the devices
// told to talk are posted { type: 'opened' }. A MODIFYCHANNEL for the open channel re-arms the port for
// the new VP (lib.rs channels::Action::Modify { target_vp }: guest_event_port.set_target_vp) and, from
// VMBus 5.3 on, answers MODIFYCHANNEL_RESPONSE (vmbus_server/src/channels.rs: modify_channel_complete
// sends ModifyChannelResponse when the version is at least Version::Iron, 5.3, as its test_modify_channel
// checks). The message is processed in a step of its own, later than it was sent: until then the port
// still signals the old VP. Before 5.3 nothing tells the guest when that step has happened (Linux commit
// 75278105 "Drivers: hv: vmbus: Introduce the CHANNELMSG_MODIFYCHANNEL message type": "Hyper-V can *not*
// currently ACK CHANNELMSG_MODIFYCHANNEL messages with the promise that (after the ACK is sent) the
// channel won't send any more interrupts to the "old" CPU"). A MODIFYCHANNEL for a channel that is not
// open yet is ignored, as Hyper-V does (Linux drivers/hv/vmbus_drv.c target_cpu_store: "Hyper-V will
// ignore MODIFYCHANNEL messages for "non-open" channels").
//
// Guest (`linuxRetargetActor`): Linux writing a channel's sysfs `cpu` attribute, then taking the old
// CPU offline:
//   retarget   target_cpu_store -> vmbus_send_modifychannel (drivers/hv/channel.c): post MODIFYCHANNEL;
//              with `waitForResponse` (commit 870ced05, "Introduce CHANNELMSG_MODIFYCHANNEL_RESPONSE",
//              Andrea Parri, April 2021: send_modifychannel_with_ack, used when vmbus_proto_version >=
//              VERSION_WIN10_V5_3, negotiated from commit 1df53d21) wait_for_completion until the
//              response arrives; then channel->target_cpu = the new CPU. Without it (send_modifychannel_
//              without_ack) target_cpu changes at once: "there is *no* guarantee that the host will have
//              successfully processed the vmbus_send_modifychannel() request ... Lags in the processing
//              ... can result in missed interrupts if the "old" target CPU is taken offline before
//              Hyper-V starts sending interrupts to the "new" target CPU" (target_cpu_store's comment).
//   offline    hv_synic_cleanup(old CPU) (drivers/hv/hv.c): -EBUSY while a channel still targets the
//              CPU (channel_found); with `checkPendingEvents` (commit b635ccc1, "Check for pending
//              channel interrupts before taking a CPU offline", same series) also -EBUSY while
//              hv_synic_event_pending() finds a channel's bit (relid != 0) set on the CPU's SIEF page,
//              "waiting with a timeout for vmbus_chan_sched() to process such bits"; else
//              hv_synic_disable_regs masks the VMBus SINT and the CPU stops taking interrupts (its
//              ISR actor is told { type: 'offline' }).
// Simplified: control messages go to and from the host directly, not through the SIM slot (the race is
// in the event flags); hv_synic_event_pending's three tries with sleeps are one check, the sleeps being
// the steps other actors take before it (an -EBUSY leaves the CPU online and ends the run), and the check
// and hv_synic_disable_regs are one step; the response's status is always success (Linux would return
// -EAGAIN otherwise); one channel per host actor, its relid used as its event flag.
//
// Use: modifyChannelHostActor({ eventPort, sint, relid, initialVp, version, notifyOpen, guest }) and
// linuxRetargetActor({ host, relid, sint, fromVp, toVp, synics, vps, waitForResponse, checkPendingEvents }).
// Events: host <- { type: 'modifyChannel', relid, targetVp } (post); guest <- { type: 'opened' },
// { type: 'modifyChannelResponse', relid, status } (posts).
import { setup, assign, enqueueActions } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { call, post } from '../checker/index.ts';
import type { ActorSpec } from '../checker/index.ts';

/** The VMBus protocol version negotiated: 5.3 (VERSION_WIN10_V5_3; OpenVMM Version::Iron) answers MODIFYCHANNEL. */
export type VmbusModifyVersion = 'v5.2' | 'v5.3';

export interface ModifyChannelHostInput {
  /** The channel's guest event port (models/guestEventPort.ts). */
  eventPort: string;
  sint: number;
  /** The channel's relid, also its event flag. */
  relid: number;
  /** The VP named in OPENCHANNEL. */
  initialVp: number;
  version: VmbusModifyVersion;
  /** Actors posted { type: 'opened' } once the port is armed (the device, the guest's driver). */
  notifyOpen: string[];
  /** The guest actor posted MODIFYCHANNEL_RESPONSE (v5.3). */
  guest: string;
}

interface ModifyChannelHostContext extends ModifyChannelHostInput {
  targetVp: number;
  /** A MODIFYCHANNEL received and not yet processed. */
  pendingVp: number | null;
}

type ModifyChannelHostEvent =
  | { type: 'open' }
  | { type: 'apply' }
  | { type: 'modifyChannel'; relid: number; targetVp: number };

function checkRange(what: string, n: unknown, max: number): void {
  if (!Number.isInteger(n) || (n as number) < 0 || (n as number) >= max) throw new Error(`${what} ${String(n)} is out of range (0..${max - 1})`);
}

export const modifyChannelHostMachine = setup({
  types: {} as { context: ModifyChannelHostContext; events: ModifyChannelHostEvent; input: ModifyChannelHostInput; emitted: AnyEventObject },
  actions: {
    arm: enqueueActions(({ context, enqueue }) => {
      enqueue(call(context.eventPort, { type: 'arm', vp: context.targetVp, sint: context.sint, flag: context.relid }));
      for (const to of context.notifyOpen) enqueue(post(to, { type: 'opened', relid: context.relid }));
    }),
    receive: assign({
      pendingVp: ({ context, event }) => {
        const e = event as { relid: number; targetVp: number };
        if (e.relid !== context.relid) throw new Error(`MODIFYCHANNEL for relid ${e.relid} reached the host actor of relid ${context.relid}`);
        return e.targetVp;
      },
    }),
    apply: enqueueActions(({ context, enqueue }) => {
      const vp = context.pendingVp!;
      // lib.rs Action::Modify: guest_event_port.set_target_vp(target_vp); from now on signals go to vp.
      enqueue(call(context.eventPort, { type: 'arm', vp, sint: context.sint, flag: context.relid }));
      enqueue.assign({ targetVp: vp, pendingVp: null });
      // channels.rs modify_channel_complete: ModifyChannelResponse only from Version::Iron (5.3).
      if (context.version === 'v5.3') enqueue(post(context.guest, { type: 'modifyChannelResponse', relid: context.relid, status: 0 }));
    }),
  },
  guards: {
    pending: ({ context }) => context.pendingVp !== null,
  },
}).createMachine({
  id: 'modifyChannelHost',
  context: ({ input }) => {
    checkRange('host channel: SINT', input.sint, 16);
    checkRange('host channel: relid (event flag)', input.relid, 2048);
    checkRange('host channel: initial VP', input.initialVp, 1 << 16);
    if (input.version !== 'v5.2' && input.version !== 'v5.3') throw new Error(`host channel: version must be 'v5.2' or 'v5.3', not '${String(input.version)}'`);
    return { ...input, targetVp: input.initialVp, pendingVp: null };
  },
  initial: 'opening',
  states: {
    opening: {
      // Hyper-V ignores MODIFYCHANNEL for a channel that is not open (target_cpu_store's comment).
      on: { open: { target: 'open', actions: 'arm' }, modifyChannel: {} },
    },
    open: {
      tags: ['end'],
      on: {
        modifyChannel: { actions: 'receive' },
        apply: { guard: 'pending', actions: 'apply' },
      },
    },
  },
});

export function modifyChannelHostActor(input: ModifyChannelHostInput): ActorSpec {
  return { machine: modifyChannelHostMachine, input, spontaneous: [{ type: 'open' }, { type: 'apply' }] };
}

export interface LinuxRetargetInput {
  /** The host actor MODIFYCHANNEL is posted to. */
  host: string;
  relid: number;
  /** The VMBus SINT (VMBUS_MESSAGE_SINT = 2). */
  sint: number;
  /** The channel's target CPU before the write, the CPU then taken offline. */
  fromVp: number;
  toVp: number;
  /** The SynIC actor of each VP, indexed by VP number. */
  synics: string[];
  /** The ISR actor of each VP (told { type: 'offline' }), indexed by VP number. */
  vps: string[];
  /** Commit 870ced05: wait for MODIFYCHANNEL_RESPONSE (VMBus >= 5.3). */
  waitForResponse: boolean;
  /** Commit b635ccc1: hv_synic_cleanup refuses while a channel bit is set on the CPU's SIEF page. */
  checkPendingEvents: boolean;
}

interface LinuxRetargetContext extends LinuxRetargetInput {
  /** channel->target_cpu. */
  targetCpu: number;
}

type LinuxRetargetEvent =
  | { type: 'opened' }
  | { type: 'retarget' }
  | { type: 'offline' }
  | { type: 'modifyChannelResponse'; relid: number; status: number }
  | { type: 'flagsRead'; flags: number[] };

export const linuxRetargetMachine = setup({
  types: {} as { context: LinuxRetargetContext; events: LinuxRetargetEvent; input: LinuxRetargetInput; emitted: AnyEventObject },
  actions: {
    sendModify: enqueueActions(({ context, enqueue }) => {
      enqueue(post(context.host, { type: 'modifyChannel', relid: context.relid, targetVp: context.toVp }));
    }),
    setTargetCpu: assign({ targetCpu: ({ context }) => context.toVp }),
    readOldFlags: enqueueActions(({ context, enqueue }) => {
      enqueue(call(context.synics[context.fromVp], { type: 'readFlags', sint: context.sint }));
    }),
    disable: enqueueActions(({ context, enqueue }) => {
      // hv_synic_disable_regs: the VMBus SINT masked (shared_sint.masked = true); the CPU goes offline.
      enqueue(call(context.synics[context.fromVp], { type: 'setMasked', sint: context.sint, masked: true }));
      enqueue(call(context.vps[context.fromVp], { type: 'offline' }));
    }),
  },
  guards: {
    waitForResponse: ({ context }) => context.waitForResponse,
    // hv_synic_cleanup: a channel whose target_cpu is this CPU -> -EBUSY.
    channelFound: ({ context }) => context.targetCpu === context.fromVp,
    checkPendingEvents: ({ context }) => context.checkPendingEvents,
    // hv_synic_event_pending: any set bit but relid 0 ("VMBus channel protocol messages").
    eventPending: ({ event }) => (event as { flags: number[] }).flags.some((f) => f !== 0),
    ourResponse: ({ context, event }) => (event as { relid: number }).relid === context.relid,
  },
}).createMachine({
  id: 'linuxRetarget',
  context: ({ input }) => {
    for (const vp of [input.fromVp, input.toVp]) {
      if (input.synics[vp] === undefined) throw new Error(`Linux retarget: VP ${vp} has no SynIC actor (synics: ${input.synics.join(', ')})`);
      if (input.vps[vp] === undefined) throw new Error(`Linux retarget: VP ${vp} has no ISR actor (vps: ${input.vps.join(', ')})`);
    }
    if (input.fromVp === input.toVp) throw new Error('Linux retarget: fromVp and toVp are the same CPU (target_cpu_store returns at once)');
    checkRange('Linux retarget: SINT', input.sint, 16);
    checkRange('Linux retarget: relid', input.relid, 2048);
    return { ...input, targetCpu: input.fromVp };
  },
  initial: 'opening',
  states: {
    // target_cpu_store fails with -EIO unless the channel is CHANNEL_OPENED_STATE.
    opening: { on: { opened: 'open' } },
    open: {
      on: {
        retarget: [
          { guard: 'waitForResponse', target: 'waitResponse', actions: 'sendModify' },
          { target: 'offline', actions: ['sendModify', 'setTargetCpu'] },
        ],
      },
    },
    waitResponse: {
      on: { modifyChannelResponse: { guard: 'ourResponse', target: 'offline', actions: 'setTargetCpu' } },
    },
    offline: {
      on: {
        offline: [
          { guard: 'channelFound', target: 'busy' },
          { guard: 'checkPendingEvents', target: 'checkingPending', actions: 'readOldFlags' },
          { target: 'offlined', actions: 'disable' },
        ],
      },
    },
    checkingPending: {
      on: {
        flagsRead: [
          { guard: 'eventPending', target: 'busy' },
          { target: 'offlined', actions: 'disable' },
        ],
      },
    },
    // hv_synic_cleanup returned -EBUSY: the CPU stays online.
    busy: { tags: ['end'] },
    offlined: { tags: ['end'] },
  },
});

export function linuxRetargetActor(input: LinuxRetargetInput): ActorSpec {
  return { machine: linuxRetargetMachine, input, spontaneous: [{ type: 'retarget' }, { type: 'offline' }] };
}
