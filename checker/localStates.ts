// Interns each actor's XState snapshots to small integers. Two snapshots are the same local state when
// their persisted form (value, context, status, history) is canonically equal.
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { canonicalJson, deepFreeze, deepRecursion, InternTable } from './canonical.ts';

export interface LocalStateInfo {
  /** Reached a final state, or is in a state tagged `end`: idle here is fine. */
  atEnd: boolean;
  /** In a state tagged `error`: the model asserts this never happens. */
  inError: boolean;
}

export class LocalStates {
  private readonly table = new InternTable<AnyMachineSnapshot>();
  readonly info: LocalStateInfo[] = [];
  /** Each id's canonical key: the same local state has the same key in every thread, whatever its id there. */
  readonly keys: string[] = [];

  constructor(private readonly machine: AnyStateMachine) {}

  /** Returns the id of `snapshot`, interning it if new. Throws on snapshots the checker cannot represent. */
  intern(snapshot: AnyMachineSnapshot): number {
    let persisted: Record<string, unknown>;
    try {
      persisted = this.machine.getPersistedSnapshot(snapshot) as Record<string, unknown>;
    } catch (e) {
      throw deepRecursion(e, snapshot.context);
    }
    const children = persisted.children as Record<string, unknown> | undefined;
    if (children && Object.keys(children).length > 0) {
      throw new Error('the machine spawned or invoked child actors; model each as its own actor in the system instead');
    }
    const key = canonicalJson({ ...persisted, children: undefined });
    const before = this.table.size;
    const id = this.table.intern(snapshot, key);
    if (id === before) {
      this.keys.push(key);
      deepFreeze(snapshot.context);
      this.info.push({
        atEnd: snapshot.status === 'done' || snapshot.hasTag('end'),
        inError: snapshot.hasTag('error'),
      });
    }
    return id;
  }

  snapshot(id: number): AnyMachineSnapshot {
    return this.table.values[id];
  }

  get size(): number {
    return this.table.size;
  }
}
