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
  readonly info: LocalStateInfo[] = [];
  readonly table = new InternTable<AnyMachineSnapshot>(false, (snapshot) => {
    deepFreeze(snapshot.context);
    this.info.push({
      atEnd: snapshot.status === 'done' || snapshot.hasTag('end'),
      inError: snapshot.hasTag('error'),
    });
  });

  constructor(private readonly machine: AnyStateMachine) {}

  /** Each id's canonical key: the same local state has the same key in every thread. */
  get keys(): readonly string[] {
    return this.table.keys;
  }

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
    return this.table.intern(snapshot, canonicalJson({ ...persisted, children: undefined }));
  }

  /**
   * The local state of canonical key `key`, rebuilt with XState's restoreSnapshot (for a state another
   * thread interned); throws when it does not come back as the same state.
   */
  rebuild(key: string): AnyMachineSnapshot {
    const snapshot = this.machine.restoreSnapshot!({ ...JSON.parse(key), children: {} }, { self: undefined } as any) as AnyMachineSnapshot;
    const again = canonicalJson({ ...(this.machine.getPersistedSnapshot(snapshot) as object), children: undefined });
    if (again !== key) throw new Error(`it came back as another state (${key} became ${again})`);
    return snapshot;
  }

  snapshot(id: number): AnyMachineSnapshot {
    return this.table.values[id];
  }

  get size(): number {
    return this.table.size;
  }
}
