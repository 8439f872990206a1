import type { CheckpointStore, ShardCheckpoint, ShardSnapshot, ShardState, Snapshot } from './store.js';

/**
 * Checkpoints and state in memory: for benchmarks of the engine alone and for embedding where
 * the caller persists nothing. A restart starts from scratch.
 */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly checkpoints = new Map<string, ShardCheckpoint>();
  private readonly state = new Map<string, unknown>();
  private snapshot: Snapshot | undefined;
  private readonly shards = new Map<string, { checkpoint: string; buckets: Map<number, { version: string; state: Map<string, [string, unknown][]> }> }>();
  private versions = 0;

  async init(): Promise<void> {}

  async load(): Promise<Map<string, ShardCheckpoint>> {
    return new Map(this.checkpoints);
  }

  async save(checkpoints: ReadonlyMap<string, string>): Promise<{ lost: string[] }> {
    for (const [shardId, checkpoint] of checkpoints) this.checkpoints.set(shardId, { shardId, checkpoint, updatedAt: new Date() });
    return { lost: [] };
  }

  async saveSnapshot(positions: ReadonlyMap<string, string>, state: ReadonlyMap<string, unknown>, shards?: ReadonlyMap<string, ShardState>): Promise<{ lost: string[] }> {
    const version = String(++this.versions);
    if (state.size > 0) this.snapshot = { version, positions: new Map(positions), state: new Map([...state].map(([k, v]) => [k, structuredClone(v)])) };
    for (const [shardId, buckets] of shards ?? []) {
      const checkpoint = positions.get(shardId);
      if (checkpoint === undefined) continue;
      const next = new Map(this.shards.get(shardId)?.buckets);
      for (const [b, holders] of buckets) {
        const state = new Map([...holders].map(([h, entries]) => [h, [...entries].map(([k, v]) => [k, structuredClone(v)] as [string, unknown])]));
        if ([...state.values()].some((e) => e.length > 0)) next.set(b, { version, state });
        else next.delete(b);
      }
      this.shards.set(shardId, { checkpoint, buckets: next });
    }
    return this.save(shards ? new Map([...positions].filter(([s]) => shards.has(s))) : positions);
  }

  async loadSnapshot(): Promise<Snapshot | undefined> {
    if (!this.snapshot) return undefined;
    return { ...this.snapshot, state: new Map([...this.snapshot.state].map(([k, v]) => [k, structuredClone(v)])) };
  }

  async loadShardState(shardId: string): Promise<ShardSnapshot | undefined> {
    const s = this.shards.get(shardId);
    if (!s) return undefined;
    const state = new Map<string, [string, unknown][]>();
    for (const b of s.buckets.values()) {
      for (const [h, entries] of b.state) state.set(h, [...(state.get(h) ?? []), ...entries.map(([k, v]) => [k, structuredClone(v)] as [string, unknown])]);
    }
    return { checkpoint: s.checkpoint, refs: [...s.buckets].map(([b, v]) => `${b}#${v.version}`), state };
  }

  async loadState(name: string): Promise<unknown> {
    return this.state.get(name);
  }

  async saveState(name: string, state: unknown): Promise<void> {
    this.state.set(name, structuredClone(state));
  }

  close(): void {}
}
