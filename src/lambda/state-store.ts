import type { CheckpointStore, ShardCheckpoint, ShardSnapshot, ShardState, Snapshot } from '../checkpoint/store.js';

/**
 * The checkpoint store of a Lambda handler. The ESM owns the shard positions, so checkpoints are
 * neither loaded (the event says where to read) nor saved on their own. Operator state (detector
 * models) goes to the same DynamoDB store `sluice run` uses, as one snapshot at the end of each
 * invocation; without stateful operators no table is touched at all.
 */
export class LambdaStateStore implements CheckpointStore {
  constructor(private readonly inner: CheckpointStore | undefined) {}

  async init(): Promise<void> {
    await this.inner?.init();
  }

  async load(): Promise<Map<string, ShardCheckpoint>> {
    // Loading folds the current snapshot in and clears torn chunks; the positions are the ESM's business.
    await this.inner?.load();
    return new Map();
  }

  async save(_checkpoints: ReadonlyMap<string, string>): Promise<{ lost: string[] }> {
    return { lost: [] };
  }

  async saveSnapshot(positions: ReadonlyMap<string, string>, state: ReadonlyMap<string, unknown>, shards?: ReadonlyMap<string, ShardState>): Promise<{ lost: string[] }> {
    if (!this.inner) return { lost: [] };
    return this.inner.saveSnapshot(positions, state, shards);
  }

  async loadSnapshot(): Promise<Snapshot | undefined> {
    return this.inner?.loadSnapshot();
  }

  async loadShardState(shardId: string): Promise<ShardSnapshot | undefined> {
    return this.inner?.loadShardState(shardId);
  }

  async loadState(name: string): Promise<unknown> {
    return this.inner?.loadState(name);
  }

  async saveState(name: string, state: unknown): Promise<void> {
    await this.inner?.saveState(name, state);
  }

  close(): void {
    this.inner?.close();
  }
}
