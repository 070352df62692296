// Runs tasks several at a time and hands their results over in the order the tasks were given, as if
// they had run one after another: task i's result is delivered only once every earlier one has been.

type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Starts tasks 0, 1, ... of `count`, at most `width` at once, each while `mayStart()` holds, and
 * delivers each result in order. A task that fails stops further starts; once every earlier task is
 * delivered its error is thrown (an earlier task's failure, found later, comes first), as running them
 * in order would. Resolves with how many tasks were started (a prefix: the rest never ran).
 */
export function runInOrder<R>(count: number, width: number, task: (i: number) => Promise<R>, deliver: (value: R, i: number) => void, mayStart: () => boolean): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const settled = new Map<number, Settled<R>>();
    let next = 0;
    let running = 0;
    let delivered = 0;
    let failing = false;
    let ended = false;
    const end = (e?: { error: unknown }) => {
      ended = true;
      if (e) reject(e.error);
      else resolve(next);
    };
    const flush = () => {
      for (let s = settled.get(delivered); !ended && s !== undefined; s = settled.get(delivered)) {
        settled.delete(delivered);
        if (!s.ok) return end({ error: s.error });
        try {
          deliver(s.value, delivered++);
        } catch (error) {
          return end({ error });
        }
      }
    };
    const launch = () => {
      while (!ended && !failing && running < width && next < count && mayStart()) {
        const i = next++;
        running++;
        let started: Promise<R>;
        try {
          started = task(i);
        } catch (error) {
          started = Promise.reject(error);
        }
        started.then((value): Settled<R> => ({ ok: true, value }), (error): Settled<R> => ({ ok: false, error })).then((s) => {
          running--;
          if (ended) return;
          settled.set(i, s);
          if (!s.ok) failing = true;
          flush();
          launch();
          if (!ended && running === 0 && delivered === next) end();
        });
      }
    };
    launch();
    if (!ended && running === 0) end();
  });
}
