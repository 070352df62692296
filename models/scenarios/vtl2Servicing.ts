// VTL2 servicing loses VMBus messages (OpenVMM issue #954) and the Pause/Resume fix (PR #962, commit
// 7001a13). Actors: the host's VMBus server, the SynIC of the VTL2 VP, and the VTL2 VMBus client, which
// goes through servicing up to `servicings` times; on a Hyper-V host also the Hyper-V server's message
// port (models/hypervMessagePort.ts). Which host (`VmbusHost`):
//   'whp-offloaded'   OpenVMM on virt_whp with offloaded hv1: the host of the #954 test runs
//                     (openhcl_servicing_shutdown_ic), so the OpenVMM variants use it;
//   'hv1-emulator'    OpenVMM with its emulated SynIC (hv1_emulator), for comparison;
//   'hyperv'          a Hyper-V host: TLFS SynIC, and a VMBus server that holds messages while the SINT
//                     is masked and retries after unmask (#962 commit text, #954);
//   'tlfs-synic-only' a TLFS SynIC behind a server that posts regardless of the mask: not a real host;
//                     it shows that the SynIC alone preserves nothing across the reset, and, with bounded
//                     buffers (`synicQueueCapacity`, `hostInboxCapacity`), gives posts back-pressure both
//                     ways, which the pause-path deadlock #1100 fixed needs.
import { alwaysEventually, defineScenario, defineSystem, invariant, reachable, stall } from '../../checker/index.ts';
import type { GlobalView, Variant } from '../../checker/index.ts';
import { HOST_SERVER_STEPS, hostVmbusServer } from '../hostVmbusServer.ts';
import type { HostServerContext } from '../hostVmbusServer.ts';
import { hypervMessagePortActor } from '../hypervMessagePort.ts';
import type { HypervMessagePortContext } from '../hypervMessagePort.ts';
import { synicActor, synicContext } from '../synic.ts';
import type { SynicSemantics } from '../synic.ts';
import { VTL2_CLIENT_STEPS, vtl2VmbusClient } from '../vtl2VmbusClient.ts';
import type { PauseClientVersion, ServicingProtocol, Vtl2ClientContext } from '../vtl2VmbusClient.ts';

/** Linux VMBUS_MESSAGE_SINT; which SINT carries VMBus messages does not matter to this model. */
const VMBUS_SINT = 2;

export type VmbusHost = 'whp-offloaded' | 'hv1-emulator' | 'hyperv' | 'tlfs-synic-only';

const HOST_SYNIC: Record<VmbusHost, SynicSemantics> = {
  'whp-offloaded': 'whp-offloaded', 'hv1-emulator': 'hv1-emulator', hyperv: 'tlfs-hyperv', 'tlfs-synic-only': 'tlfs-hyperv',
};

export interface Vtl2ServicingOptions {
  client: ServicingProtocol;
  host: VmbusHost;
  /** Bound: how many times VTL2 is serviced in one run. */
  servicings: number;
  hostMessages: number;
  clientMessages: number;
  /** The pause-resume client: at #962 (default) or after #1100. */
  clientVersion?: PauseClientVersion;
  /** Client messages the server's connection holds unread (back-pressure on client posts). Default: no limit. */
  hostInboxCapacity?: number;
  /** Messages the SynIC queues per SINT (TLFS: the guest's message buffers). Default 4. */
  synicQueueCapacity?: number;
  sendsWhilePaused?: boolean;
  readsWhileFlushing?: boolean;
  saveBeforePauseResponse?: boolean;
  resumeQueuedAtRestore?: boolean;
  keepsFlushedMessages?: boolean;
}

/** Where each data message is now; conservation means exactly one place until it arrives, and then for ever. */
function whereabouts(g: GlobalView): Map<string, string[]> {
  const host = g.actors.host.context as HostServerContext;
  const vtl2 = g.actors.vtl2.context as Vtl2ClientContext;
  const sint = synicContext(g, 'synic').sints[String(VMBUS_SINT)];
  const at = new Map<string, string[]>();
  const put = (id: string, where: string) => { if (id.includes('#')) at.set(id, [...(at.get(id) ?? []), where]); };
  for (let k = 1; k <= host.sent; k++) at.set(`host#${k}`, []);
  for (let k = 1; k <= vtl2.queued; k++) at.set(`client#${k}`, []);
  host.pending.forEach((id) => put(id, 'the server pending queue'));
  (g.actors.port?.context as HypervMessagePortContext | undefined)?.held.forEach((m) => put(String(m.id), 'the Hyper-V server message port'));
  sint.queue.forEach((m) => put(String(m.id), 'the SynIC queue'));
  if (sint.slot !== null) put(String(sint.slot.id), 'the message slot');
  vtl2.received.forEach((id) => put(id, 'received by VTL2'));
  vtl2.outbox.forEach((id) => put(id, 'the VTL2 outbox'));
  g.inFlight.host.forEach((e) => { if (e.type === 'message') put((e as { id: string } & typeof e).id, 'in flight to the host'); });
  host.inbox.forEach((m) => { if (m.id) put(m.id, 'the server receive queue'); });
  host.received.forEach((id) => put(id, 'received by the host'));
  return at;
}

/** Why a message that is nowhere went missing, as far as the actors recorded it. */
function lossCause(g: GlobalView, id: string): string {
  const dropped = synicContext(g, 'synic').dropped.find((d) => d.message.id === id);
  if (dropped) return `dropped by the SynIC: ${dropped.reason}`;
  if ((g.actors.host.context as HostServerContext).rejected.includes(id)) return 'rejected by the paused server';
  return 'it is in no queue, slot or receive log';
}

/** The VTL2 client's state as `phase.step` (e.g. `save.drain`, `restore.unmaskSint`, `running`). */
export function servicingPhase(g: GlobalView): string {
  const value = g.actors.vtl2.value as string | Record<string, string>;
  return typeof value === 'string' ? value : Object.entries(value).map(([phase, step]) => `${phase}.${step}`).join(',');
}

export function vtl2ServicingSystem(o: Vtl2ServicingOptions) {
  const semantics = HOST_SYNIC[o.host];
  if (semantics === undefined) throw new Error(`unknown host '${o.host}' (expected ${Object.keys(HOST_SYNIC).join(', ')})`);
  const withPort = o.host === 'hyperv';
  return defineSystem({
    name: `vtl2-servicing(${o.client}, ${o.host})`,
    actors: {
      host: {
        machine: hostVmbusServer({
          hostMessages: o.hostMessages, pauseResume: o.client === 'pause-resume', sendsWhilePaused: o.sendsWhilePaused,
          readsWhileFlushing: o.readsWhileFlushing, synic: withPort ? 'port' : 'synic', sint: VMBUS_SINT,
          ...(o.hostInboxCapacity !== undefined ? { inboxCapacity: o.hostInboxCapacity, client: 'vtl2' } : {}) }),
        spontaneous: HOST_SERVER_STEPS.map((type) => ({ type })),
        queueCapacity: 6,
      },
      ...(withPort ? { port: hypervMessagePortActor({ synic: 'synic', sint: VMBUS_SINT }) } : {}),
      synic: synicActor({
        semantics, interruptTarget: 'vtl2', sints: [VMBUS_SINT], unmaskObservers: withPort ? ['port'] : [],
        spaceObservers: o.host === 'tlfs-synic-only' ? ['host'] : [],
        ...(o.synicQueueCapacity !== undefined ? { queueCapacity: o.synicQueueCapacity } : {}) }),
      vtl2: {
        machine: vtl2VmbusClient({
          protocol: o.client, servicings: o.servicings, clientMessages: o.clientMessages, clientVersion: o.clientVersion,
          saveBeforePauseResponse: o.saveBeforePauseResponse, resumeQueuedAtRestore: o.resumeQueuedAtRestore,
          keepsFlushedMessages: o.keepsFlushedMessages,
          host: 'host', synic: 'synic', sint: VMBUS_SINT,
        }),
        spontaneous: VTL2_CLIENT_STEPS.map((type) => ({ type })),
        queueCapacity: 6,
      },
    },
    // Quiescent states are judged by messageDelivery; one with nothing outstanding is a proper end.
    endState: () => true,
    properties: {
      // Safety half: a message is never in two places (duplicated) and never in none (lost).
      messageConservation: invariant((g) => {
        for (const [id, places] of whereabouts(g)) {
          if (places.length === 0) return `${id} was lost while VTL2 was in ${servicingPhase(g)}: ${lossCause(g, id)}`;
          if (places.length > 1) return `${id} is duplicated while VTL2 was in ${servicingPhase(g)}: ${places.join(' and ')}`;
        }
        return true;
      }),
      // Liveness half, judged where the system has nothing left to do: every message has arrived and
      // VTL2 is running again.
      messageDelivery: stall((g) => lateMessages(g)),
      // The liveness twin: on every fair run the system keeps coming back to "everything delivered,
      // VTL2 running", found without waiting for quiescence.
      messageDeliveryLive: alwaysEventually((g) => !lateMessages(g)),
      // Reachability goals: the race path is exercised (a host message waits in the SynIC or the
      // server while VTL2 is being serviced), and a run gets through a servicing with every message home.
      messageDuringServicing: reachable((g) => !g.actors.vtl2.matches('running') && hostMessageWaiting(g)),
      servicedAndDelivered: reachable((g) => (g.actors.vtl2.context as Vtl2ClientContext).servicings > 0 && !lateMessages(g)),
    },
  });
}

/** A host message sits in the SynIC's slot or queue, or the server's pending queue. */
function hostMessageWaiting(g: GlobalView): boolean {
  const sint = synicContext(g, 'synic').sints[String(VMBUS_SINT)];
  return sint.slot !== null || sint.queue.length > 0 || (g.actors.host.context as HostServerContext).pending.length > 0;
}

const arrived = (id: string) => (id.startsWith('host#') ? 'received by VTL2' : 'received by the host');

/** What is not yet where it belongs: messages not arrived (or lost), VTL2 not running; false when nothing. */
function lateMessages(g: GlobalView): string | false {
  const late = [...whereabouts(g)]
    .filter(([id, places]) => places[0] !== arrived(id))
    .map(([id, places]) => (places.length === 0 ? `${id} was lost` : `${id} stuck in ${places[0]}`));
  if (!g.actors.vtl2.matches('running')) late.push(`VTL2 stuck in ${servicingPhase(g)}`);
  return late.length > 0 && late.join('; ');
}

const bounds = { servicings: 2, hostMessages: 3, clientMessages: 2 };
const boundNote = ` Bounded: up to ${bounds.servicings} servicings, ${bounds.hostMessages} host and ${bounds.clientMessages} VTL2 messages per run.`;

export const vtl2Servicing = defineScenario({
  name: 'vtl2-servicing',
  description:
    'VMBus messages across VTL2 (OpenHCL) servicing: the host resets the VTL2 SynIC between save and restore (OpenVMM #954). ' +
    'Property: every message the host sends is received by VTL2 exactly once, and every message VTL2 sends reaches the host.' +
    boundNote,
  variants: ([
    {
      name: 'mask-and-drain-openvmm',
      description: 'The pre-#962 client masks the VMBus SINT, drains and saves; OpenVMM on virt_whp (the host of #954) posts with HvPostMessageDirect, which cannot post to a masked SINT, so the next queue flush drops the message.',
      expected: 'violated', expectedProperty: 'messageConservation',
      parameters: { client: 'mask-and-drain', host: 'whp-offloaded', ...bounds },
      system: () => vtl2ServicingSystem({ client: 'mask-and-drain', host: 'whp-offloaded', ...bounds }),
    },
    {
      name: 'mask-and-drain-hv1',
      description: 'The same client on OpenVMM with the emulated SynIC (hv1_emulator): post_message returns InvalidSynicState on the masked SINT and post_pending_messages drops the message.',
      expected: 'violated', expectedProperty: 'messageConservation',
      parameters: { client: 'mask-and-drain', host: 'hv1-emulator', ...bounds },
      system: () => vtl2ServicingSystem({ client: 'mask-and-drain', host: 'hv1-emulator', ...bounds }),
    },
    {
      name: 'mask-and-drain-hyperv',
      description: 'The same client on Hyper-V: the TLFS SynIC keeps nothing across the reset, but the Hyper-V VMBus server stops posting while the SINT is masked and retries after unmask (#962 commit text), so the restored client gets every message.',
      expected: 'verified',
      parameters: { client: 'mask-and-drain', host: 'hyperv', ...bounds },
      system: () => vtl2ServicingSystem({ client: 'mask-and-drain', host: 'hyperv', ...bounds }),
    },
    {
      name: 'mask-and-drain-tlfs-synic-only',
      description: 'Not a real host: a TLFS SynIC behind a server that posts while the SINT is masked. The message waits in the SynIC, and the VP reset empties its queues and clears the SIM page (TLFS), so the SynIC alone preserves nothing.',
      expected: 'violated', expectedProperty: 'messageConservation',
      parameters: { client: 'mask-and-drain', host: 'tlfs-synic-only', ...bounds },
      system: () => vtl2ServicingSystem({ client: 'mask-and-drain', host: 'tlfs-synic-only', ...bounds }),
    },
    {
      name: 'pause-resume-openvmm',
      description: 'The #962 fix: Pause and flush, Resume at the front of the queue, drain until PauseResponse, save; the server holds messages while paused.',
      expected: 'verified',
      parameters: { client: 'pause-resume', host: 'whp-offloaded', ...bounds },
      system: () => vtl2ServicingSystem({ client: 'pause-resume', host: 'whp-offloaded', ...bounds }),
    },
    {
      name: 'pause-resume-1100-openvmm',
      description: 'The client after #1100: Resume pushed onto the front of the queue, Pause sent before the messages already queued (which are saved), incoming messages read while Pause is posted.',
      expected: 'verified',
      parameters: { client: 'pause-resume', clientVersion: 'pr1100', host: 'whp-offloaded', ...bounds },
      system: () => vtl2ServicingSystem({ client: 'pause-resume', clientVersion: 'pr1100', host: 'whp-offloaded', ...bounds }),
    },
    {
      name: 'pause-resume-962-pause-path-deadlock',
      description: 'The #962 client on a host with back-pressure both ways (HvPostMessage refused while the guest\'s one message buffer or the server\'s one receive buffer is full): the client awaits its flush without reading, the server will not read until it has flushed to the unread SINT. The "theoretical deadlock in the pause path" #1100 fixed. OpenVMM\'s unbounded MessageQueues never refuse, so it does not happen there.',
      expected: 'violated', expectedProperty: 'messageDelivery',
      parameters: { client: 'pause-resume', clientVersion: 'pr962', host: 'tlfs-synic-only', synicQueueCapacity: 1, hostInboxCapacity: 1, ...bounds },
      system: () => vtl2ServicingSystem({ client: 'pause-resume', clientVersion: 'pr962', host: 'tlfs-synic-only', synicQueueCapacity: 1, hostInboxCapacity: 1, ...bounds }),
    },
    {
      name: 'pause-resume-1100-back-pressure',
      description: 'The #1100 client on the same host: it reads incoming messages while posting Pause, so the flush deadlock is gone; but the server sends PauseResponse through send_message, which queues it when the SynIC refuses it, and a paused server never flushes its queue (channels.rs handle_pause and poll_flush_pending_messages, at 7001a13 and at HEAD): the client drains for ever. Only a host whose post can be refused shows it; OpenVMM\'s unbounded MessageQueues never refuse.',
      expected: 'violated', expectedProperty: 'messageDelivery',
      parameters: { client: 'pause-resume', clientVersion: 'pr1100', host: 'tlfs-synic-only', synicQueueCapacity: 1, hostInboxCapacity: 1, ...bounds },
      system: () => vtl2ServicingSystem({ client: 'pause-resume', clientVersion: 'pr1100', host: 'tlfs-synic-only', synicQueueCapacity: 1, hostInboxCapacity: 1, ...bounds }),
    },
    {
      name: 'pause-resume-server-sends-while-paused',
      description: 'Wrong fix: the server answers Pause but keeps sending new messages; one lands after VTL2 saved and the reset wipes it.',
      expected: 'violated', expectedProperty: 'messageConservation',
      parameters: { client: 'pause-resume', host: 'whp-offloaded', serverWhilePaused: 'sends', ...bounds },
      system: () => vtl2ServicingSystem({ client: 'pause-resume', host: 'whp-offloaded', sendsWhilePaused: true, ...bounds }),
    },
    {
      name: 'pause-resume-save-before-response',
      description: 'Wrong fix: the client saves right after sending Pause, without draining until PauseResponse; a message the host committed before the Pause arrives after the save.',
      expected: 'violated', expectedProperty: 'messageConservation',
      parameters: { client: 'pause-resume', host: 'whp-offloaded', clientSaves: 'before-pause-response', ...bounds },
      system: () => vtl2ServicingSystem({ client: 'pause-resume', host: 'whp-offloaded', saveBeforePauseResponse: true, ...bounds }),
    },
    {
      name: 'pause-resume-resume-queued-last',
      description: 'Wrong fix: the client queues Resume at restore behind the messages queued during servicing instead of at the front; the paused server rejects the first of them.',
      expected: 'violated', expectedProperty: 'messageConservation',
      parameters: { client: 'pause-resume', host: 'whp-offloaded', resume: 'queued-last', ...bounds },
      system: () => vtl2ServicingSystem({ client: 'pause-resume', host: 'whp-offloaded', resumeQueuedAtRestore: true, ...bounds }),
    },
    {
      name: 'pause-resume-server-reads-while-flushing',
      description: 'Wrong change to the server loop: it reads the next Pause while messages queued during the last pause still wait to be flushed; PauseResponse queues behind them, the paused server flushes nothing, and the second servicing never finishes.',
      expected: 'violated', expectedProperty: 'messageDelivery',
      parameters: { client: 'pause-resume', host: 'whp-offloaded', serverReads: 'while-flushing', ...bounds },
      system: () => vtl2ServicingSystem({ client: 'pause-resume', host: 'whp-offloaded', readsWhileFlushing: true, ...bounds }),
    },
    {
      name: 'pause-resume-resends-flushed',
      description: 'Wrong fix: the client saves its outgoing queue as it was before the flush, so the messages flushed ahead of Pause are sent again after Resume and the host gets them twice.',
      expected: 'violated', expectedProperty: 'messageConservation',
      parameters: { client: 'pause-resume', host: 'whp-offloaded', savedQueue: 'keeps-flushed', ...bounds },
      system: () => vtl2ServicingSystem({ client: 'pause-resume', host: 'whp-offloaded', keepsFlushedMessages: true, ...bounds }),
    },
  ] satisfies Variant[]).map((v) => ({ ...v, description: v.description + boundNote })),
});
