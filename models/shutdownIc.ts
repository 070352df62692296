// The shutdown integration component on the host (OpenVMM vm/devices/hyperv_ic/src/shutdown.rs at the
// time of #715/#717; common.rs NegotiateState since #1153). The host speaks first: ShutdownChannel::new
// starts in SendVersion, and SimpleDeviceWrapper::open (vm/devices/vmbus/vmbus_channel/src/simple.rs)
// starts the device's runner at once, so the version request is written to the ring as soon as the
// device hears of the open, concurrently with the server's complete_open.
// Exchange: versionRequest -> (guest) versionResponse -> shutdownRequest -> (guest) shutdownResponse.
//
// Use: `shutdownIcActor({ server, writer })`; make it the consumer of the guest-to-host ring's reader.
// Events: { type: 'open' } (posted by the server channel), { type: 'packet', packet } (called by the
// reader). It posts { type: 'send', packet } to its ring writer and { type: 'completeOpen' } to the server.
// Simplified: message versions are not negotiated (one framework/message version), the shutdown request
// stands for "the test's shutdown after boot", and the IC never closes.
import { setup, enqueueActions } from 'xstate';
import type { AnyEventObject } from 'xstate';
import { fail, post } from '../checker/index.ts';
import type { ActorSpec } from '../checker/index.ts';

export interface ShutdownIcInput {
  server: string;
  /** The host-to-guest ring's writer. */
  writer: string;
}

type ShutdownIcEvent = { type: 'open' } | { type: 'packet'; packet: string };

const isPacket = (packet: string) => ({ event }: { event: ShutdownIcEvent }) => event.type === 'packet' && event.packet === packet;

export const shutdownIcMachine = setup({
  types: {} as { context: ShutdownIcInput; events: ShutdownIcEvent; input: ShutdownIcInput; emitted: AnyEventObject },
  actions: {
    open: enqueueActions(({ context, enqueue }) => {
      // The runner starts in SendVersion and writes at once; the open's completion goes back to the server.
      enqueue(post(context.writer, { type: 'send', packet: 'versionRequest' }));
      enqueue(post(context.server, { type: 'completeOpen' }));
    }),
    sendShutdown: enqueueActions(({ context, enqueue }) => { enqueue(post(context.writer, { type: 'send', packet: 'shutdownRequest' })); }),
  },
}).createMachine({
  id: 'shutdownIc',
  context: ({ input }) => input,
  initial: 'closed',
  on: { packet: { actions: fail(({ event }) => `shutdown IC got unexpected packet '${(event as { packet: string }).packet}'`) } },
  states: {
    closed: { on: { open: { target: 'waitVersion', actions: 'open' } } },
    waitVersion: { on: { packet: { guard: isPacket('versionResponse'), target: 'waitShutdown', actions: 'sendShutdown' } } },
    waitShutdown: { on: { packet: { guard: isPacket('shutdownResponse'), target: 'done' } } },
    done: { tags: ['end'] },
  },
});

export function shutdownIcActor(input: ShutdownIcInput): ActorSpec {
  return { machine: shutdownIcMachine, input };
}
