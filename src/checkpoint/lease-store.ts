/**
 * One shard's lease as stored: who holds it, its counter (bumped when it changes hands, and by a
 * renewal after a break in its owner's heartbeats), its checkpoint and published load.
 */
export interface Lease {
  readonly shardId: string;
  readonly owner: string | undefined;
  readonly counter: number;
  readonly checkpoint: string | undefined;
  /** Records per second the owner read from the shard, as it last published it (0 when unknown). */
  readonly load: number;
}

/** Key prefix of the workers' items in the lease table (`worker#<id>`): not shards, skipped wherever shards are read. */
export const WORKER_KEY_PREFIX = 'worker#';

/**
 * A worker's own item in the lease table (`worker#<id>`): its heartbeat counter (bumped every
 * round: while it moves, the worker's leases are alive), whether it is stopping (then no lease is
 * handed to it), and its inbox: shards another worker handed to it on a clean stop, which it
 * takes at its next round.
 */
export interface WorkerItem {
  readonly workerId: string;
  readonly counter: number;
  readonly stopping: boolean;
  readonly inbox: readonly string[];
}

/**
 * A live worker's request that `shardId`'s lease be handed to it (a move for balance), with what
 * the asker held when it asked (leases and records per second), so an owner asked by several
 * workers at once hands over only while each move still evens the pair.
 */
export interface LeaseAsk {
  readonly shardId: string;
  readonly to: string;
  readonly held: number;
  readonly load: number;
}

/** An ask as the owner's item stores it (`<shard> <worker> <held> <load>`; neither id holds a space). */
export function askKey(a: LeaseAsk): string {
  return `${a.shardId} ${a.to} ${a.held} ${Math.round(a.load * 1000) / 1000}`;
}

export function parseAsk(key: string): LeaseAsk {
  const [shardId = '', to = '', held = '0', load = '0'] = key.split(' ');
  return { shardId, to, held: Number(held), load: Number(load) };
}

/**
 * What a heartbeat brings back from the worker's item: shards handed to it (take them at the next
 * Scan), shards another worker took from it for balance (no longer its own), and leases other
 * workers asked it to hand over (for balance, between two batches).
 */
export interface WorkerMail {
  readonly handed: readonly string[];
  readonly taken: readonly string[];
  readonly asked: readonly LeaseAsk[];
}

/** What one consistent Scan of the lease table holds: the shards' leases and the workers' items. */
export interface LeaseTableScan {
  readonly leases: Lease[];
  readonly workers: WorkerItem[];
}

/** Read and write capacity units a lease store consumed so far (DynamoDB's accounting). */
export interface LeaseStoreUsage {
  readUnits: number;
  writeUnits: number;
}

/**
 * Where leases live. One small contract with two implementations: the checkpoint table in
 * DynamoDB ({@link DynamoLeaseStore}) and an in-memory table with the same conditional-write
 * semantics ({@link MemoryLeaseStore}, for simulations at fleet scale). Every write is
 * conditional; a refused condition is `false`, never an error.
 */
export interface LeaseStore {
  /** Every shard's lease (a consistent Scan of the table; worker, state and snapshot items are skipped). */
  list(): Promise<Lease[]>;
  /** The same Scan, with the workers' items too. */
  scan(): Promise<LeaseTableScan>;
  /** Creates the lease of a shard that has none. False if it exists already. */
  create(shardId: string): Promise<boolean>;
  /** Takes a lease as last seen: succeeds only if its counter is still `seenCounter`; sets the owner and bumps the counter. */
  take(shardId: string, owner: string, seenCounter: number): Promise<boolean>;
  /** Renews a lease held by `owner` (bumps the counter, publishes `load`). False if another owns it now. */
  renew(shardId: string, owner: string, load: number): Promise<boolean>;
  /** Publishes the load of a lease held by `owner` without bumping its counter. False if another owns it now. */
  publishLoad(shardId: string, owner: string, load: number): Promise<boolean>;
  /** Gives a lease up (no owner; the counter moves so observers see it free at once). False if `owner` does not hold it. */
  release(shardId: string, owner: string): Promise<boolean>;
  /**
   * Bumps `workerId`'s heartbeat (creating its item, clearing a stale stopping flag) and returns
   * its mail: shards handed to it, and shards taken from it, since it last cleared them.
   */
  heartbeat(workerId: string): Promise<WorkerMail>;
  /** Marks `workerId` as stopping: no worker hands it a lease from now on. */
  markStopping(workerId: string): Promise<void>;
  /** Hands a lease held by `from` to `to` (sets the owner, bumps the counter). False if `from` does not hold it. */
  transfer(shardId: string, from: string, to: string): Promise<boolean>;
  /** Puts shards in `to`'s inbox. False if `to` has no item or is stopping (then the lease must be taken back). */
  notify(to: string, shardIds: readonly string[]): Promise<boolean>;
  /** Asks `owner` to hand `ask.shardId`'s lease to `ask.to` (a move for balance). False if `owner` has no item or is stopping. */
  ask(owner: string, ask: LeaseAsk): Promise<boolean>;
  /** Tells `from` that these shards' leases were taken from it (a steal for balance). False if `from` has no item. */
  tellTaken(from: string, shardIds: readonly string[]): Promise<boolean>;
  /** Deletes `workerId`'s item once it stopped (only if it is marked stopping), so items of gone workers do not pile up. */
  forget(workerId: string): Promise<void>;
  /** Removes what `workerId` has read from its mail. */
  clearInbox(workerId: string, mail: WorkerMail): Promise<void>;
  /** Capacity consumed by this store's calls so far. */
  usage(): LeaseStoreUsage;
}
