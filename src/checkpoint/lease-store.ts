/** One shard's lease as stored: who holds it, its heartbeat counter, its checkpoint and published load. */
export interface Lease {
  readonly shardId: string;
  readonly owner: string | undefined;
  readonly counter: number;
  readonly checkpoint: string | undefined;
  /** Records per second the owner read from the shard, as it last published it (0 when unknown). */
  readonly load: number;
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
  /** Every lease item (a consistent Scan of the table). */
  list(): Promise<Lease[]>;
  /** Creates the lease of a shard that has none. False if it exists already. */
  create(shardId: string): Promise<boolean>;
  /** Takes a lease as last seen: succeeds only if its counter is still `seenCounter`; sets the owner and bumps the counter. */
  take(shardId: string, owner: string, seenCounter: number): Promise<boolean>;
  /** Renews a lease held by `owner` (bumps the counter, publishes `load`). False if another owns it now. */
  renew(shardId: string, owner: string, load: number): Promise<boolean>;
  /** Gives a lease up (no owner; the counter moves so observers see it free at once). False if `owner` does not hold it. */
  release(shardId: string, owner: string): Promise<boolean>;
  /** Capacity consumed by this store's calls so far. */
  usage(): LeaseStoreUsage;
}
