import type { CheckpointStore, ShardCheckpoint } from './store.js';

/**
 * Checkpoints and state in memory: for benchmarks of the engine alone and for embedding where
 * the caller persists nothing. A restart starts from scratch.
 */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly checkpoints = new Map<string, ShardCheckpoint>();
  private readonly state = new Map<string, unknown>();

  async init(): Promise<void> {}

  async load(): Promise<Map<string, ShardCheckpoint>> {
    return new Map(this.checkpoints);
  }

  async save(checkpoints: ReadonlyMap<string, string>): Promise<{ lost: string[] }> {
    for (const [shardId, checkpoint] of checkpoints) this.checkpoints.set(shardId, { shardId, checkpoint, updatedAt: new Date() });
    return { lost: [] };
  }

  async loadState(name: string): Promise<unknown> {
    return this.state.get(name);
  }

  async saveState(name: string, state: unknown): Promise<void> {
    this.state.set(name, structuredClone(state));
  }

  close(): void {}
}
