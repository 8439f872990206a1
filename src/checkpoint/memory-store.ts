import type { CheckpointStore, ShardCheckpoint, Snapshot } from './store.js';

/**
 * Checkpoints and state in memory: for benchmarks of the engine alone and for embedding where
 * the caller persists nothing. A restart starts from scratch.
 */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly checkpoints = new Map<string, ShardCheckpoint>();
  private readonly state = new Map<string, unknown>();
  private snapshot: Snapshot | undefined;
  private versions = 0;

  async init(): Promise<void> {}

  async load(): Promise<Map<string, ShardCheckpoint>> {
    return new Map(this.checkpoints);
  }

  async save(checkpoints: ReadonlyMap<string, string>): Promise<{ lost: string[] }> {
    for (const [shardId, checkpoint] of checkpoints) this.checkpoints.set(shardId, { shardId, checkpoint, updatedAt: new Date() });
    return { lost: [] };
  }

  async saveSnapshot(positions: ReadonlyMap<string, string>, state: ReadonlyMap<string, unknown>): Promise<{ lost: string[] }> {
    this.snapshot = { version: String(++this.versions), positions: new Map(positions), state: new Map([...state].map(([k, v]) => [k, structuredClone(v)])) };
    return this.save(positions);
  }

  async loadSnapshot(): Promise<Snapshot | undefined> {
    if (!this.snapshot) return undefined;
    return { ...this.snapshot, state: new Map([...this.snapshot.state].map(([k, v]) => [k, structuredClone(v)])) };
  }

  async loadState(name: string): Promise<unknown> {
    return this.state.get(name);
  }

  async saveState(name: string, state: unknown): Promise<void> {
    this.state.set(name, structuredClone(state));
  }

  close(): void {}
}
