// The built-in properties of the model library, to attach to any system built from these components
// (besides the core's stall, deadlock and unhandledEvent):
//   lostInterrupt(ring, reader)  a ring holds data, its reader is idle with interrupt_mask clear and
//                                waits for an interrupt, and nothing can happen but timers
//   lostSpaceSignal(ring, writer) a writer waits for space (pending_send_sz set) while the ring has
//                                room and no signal will come, and nothing can happen but timers
//   lostMessage(synics)          a SynIC message was dropped, or sits in a slot or queue with nothing
//                                left to consume it
// e.g. properties: { lostInterrupt: lostInterrupt({ name: 'inbound', capacity: 2 }, 'guestReader'),
//                    lostMessage: lostMessage('synic') }
//   lostInterruptLiveness, lostSpaceSignalLiveness, lostMessageLiveness  their liveness twins (leadsTo under the system's
//                                fairness): found while other actors keep running, no watchdog needed
export { lostInterrupt, lostInterruptLiveness, lostSpaceSignal, lostSpaceSignalLiveness } from './ringBuffer.ts';
export { lostMessage, lostMessageLiveness } from './synic.ts';
