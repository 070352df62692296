// Which messages of a step their receiver ignored: it handled the message with a transition that changed
// nothing (state and context as they were) and did nothing else. That is how a signal to an event port
// that is not armed yet is lost (OpenVMM #715), or a message posted to a closed channel: the diagram
// draws it as a lost arrow and the timeline says so.
import type { Happening } from '../checker/index.ts';

/** Whether the `event` happening at `i` was ignored by its actor. */
function ignoredAt(happenings: Happening[], i: number): boolean {
  const h = happenings[i];
  if (h.what !== 'event') return false;
  const t = happenings[i + 1];
  if (t?.what !== 'transition' || t.actor !== h.actor || !t.unchanged) return false;
  const next = happenings[i + 2];
  return next === undefined || !doneBy(next, h.actor);
}

/** A happening that is something `actor` did (a load, a store, a message, a failure). */
function doneBy(h: Happening, actor: string): boolean {
  switch (h.what) {
    case 'post': case 'call': case 'reply': return h.from === actor;
    case 'event': return false;
    default: return h.actor === actor;
  }
}

/**
 * For each message sentMessages lists (post, call and reply happenings, in order), whether its receiver
 * ignored it within the step. A call is handled at once; a post is handled in a later step, so only its
 * delivery step can say (`ignoredDelivery`). A reply is never called ignored.
 */
export function ignoredCalls(happenings: Happening[]): boolean[] {
  const out: boolean[] = [];
  happenings.forEach((h, i) => {
    if (h.what === 'post' || h.what === 'reply') out.push(false);
    else if (h.what === 'call') {
      const j = happenings.findIndex((e, k) => k > i && e.what === 'event' && e.actor === h.to && e.via === 'call');
      out.push(j >= 0 && ignoredAt(happenings, j));
    }
  });
  return out;
}

/** Whether a delivery step's actor ignored the message delivered to it. */
export function ignoredDelivery(happenings: Happening[], actor: string): boolean {
  const i = happenings.findIndex((h) => h.what === 'event' && h.actor === actor && h.via === 'deliver');
  return i >= 0 && ignoredAt(happenings, i);
}
