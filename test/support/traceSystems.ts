// Small systems that make the kinds of counterexample the examples do not: a violation raised by a
// step itself (unhandled event), deadlocks (after a step, and at the start), and actor names Mermaid
// would misread.
import { setup } from 'xstate';
import { defineSystem, post } from '../../checker/index.ts';

/** The sender posts `ping` to a receiver whose machine has no transition for it at all. */
// Payload events are declared apart: `post` is typed with plain EventObject, which has no payload fields.
const ping = { type: 'ping', seq: 7 };
const awkwardNote = { type: 'note', text: 'x; y # %% <z>' };

export function unhandledPing() {
  const sender = setup({}).createMachine({
    id: 'sender',
    initial: 'idle',
    states: { idle: { on: { go: { target: 'sent', actions: post('receiver', ping) } } }, sent: { type: 'final' } },
  });
  const receiver = setup({}).createMachine({ id: 'receiver', initial: 'listening', states: { listening: { tags: ['end'] } } });
  return defineSystem({
    name: 'unhandled-ping',
    actors: { sender: { machine: sender, spontaneous: [{ type: 'go' }] }, receiver: { machine: receiver } },
  });
}

/** One actor that steps into a state with no way out and no `end` tag; `atStart` is stuck from the start. */
export function stuck(atStart = false) {
  const machine = setup({}).createMachine({
    id: 'stuck',
    initial: atStart ? 'stuck' : 'idle',
    states: { idle: { on: { go: 'stuck' } }, stuck: { on: { never: 'idle' } } },
  });
  return defineSystem({ name: 'stuck', actors: { worker: { machine, spontaneous: [{ type: 'go' }] } } });
}

/** Actors named `end` (a Mermaid keyword) and `rx-ring` (a dash, read as an arrow), exchanging a message
 *  whose payload holds Mermaid syntax characters; the receiver's machine has no such event. */
export function awkwardNames() {
  const end = setup({}).createMachine({
    id: 'end',
    initial: 'a',
    states: { a: { on: { go: { target: 'b', actions: post('rx-ring', awkwardNote) } } }, b: { type: 'final' } },
  });
  const ring = setup({}).createMachine({ id: 'ring', initial: 'idle', states: { idle: { tags: ['end'] } } });
  return defineSystem({
    name: 'awkward-names',
    actors: { end: { machine: end, spontaneous: [{ type: 'go' }] }, 'rx-ring': { machine: ring } },
  });
}

/** A sender whose message carries markup that would run script if a page wrote it as HTML. */
export function markupPayload() {
  const payload = { type: 'note', text: '</script><script>window.injected = 1</script><img src=x onerror="window.injected = 2">' };
  const sender = setup({}).createMachine({
    id: 'sender',
    initial: 'idle',
    states: { idle: { on: { go: { target: 'sent', actions: post('receiver', payload) } } }, sent: { type: 'final' } },
  });
  const receiver = setup({}).createMachine({ id: 'receiver', initial: 'listening', states: { listening: { tags: ['end'] } } });
  return defineSystem({
    name: '<b>markup</b>',
    actors: { sender: { machine: sender, spontaneous: [{ type: 'go' }] }, receiver: { machine: receiver } },
  });
}
