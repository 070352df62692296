// The model library: reusable XState machines for SynIC and VMBus, and their properties.
export { synicActor, synicMachine, synicStep, initialSynicContext, synicContext } from './synic.ts';
export type { SynicSemantics, SynicInput, SynicContext, SynicEvent, SynicMessage, SintState, DroppedMessage } from './synic.ts';
export { ringCells, ringCellNames, ringCell, ringDataCell, viewRing, ringUsed, ringFree } from './ringBuffer.ts';
export type { RingSpec, RingView, RingField } from './ringBuffer.ts';
export { ringWriterActor, ringWriterMachine } from './ringWriter.ts';
export type { RingWriterInput, Signal } from './ringWriter.ts';
export { ringReaderActor, ringReaderMachine } from './ringReader.ts';
export type { RingReaderInput } from './ringReader.ts';
export { guestEventPortActor, guestEventPortMachine } from './guestEventPort.ts';
export type { GuestEventPortInput } from './guestEventPort.ts';
export { serverChannelActor, serverChannelMachine } from './serverChannel.ts';
export type { ArmPortIn, ServerChannelInput } from './serverChannel.ts';
export { shutdownIcActor, shutdownIcMachine } from './shutdownIc.ts';
export type { ShutdownIcInput } from './shutdownIc.ts';
export { vmbusGuestActor, vmbusGuestMachine, BOOT_TIMEOUT_MS } from './vmbusGuest.ts';
export type { GuestStyle, VmbusGuestInput } from './vmbusGuest.ts';
export { lostInterrupt, lostMessage } from './properties.ts';
export { builtinScenarios } from './scenarios/index.ts';
