import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoLeaseStore } from './dynamodb-lease-store.js';
import type { Lease, LeaseStore, LeaseStoreUsage } from './lease-store.js';
import { SHARD_END } from './store.js';

export type { Lease } from './lease-store.js';

export interface LeaseCoordinatorOptions {
  /** Where the leases live. Default: the checkpoint table `table` in `dynamodb`. */
  store?: LeaseStore;
  dynamodb?: DynamoDBClient;
  /** The checkpoint table: leases and checkpoints share one item per shard, as in the KCL. */
  table?: string;
  streamName: string;
  workerId: string;
  /** A lease whose counter has not moved for this long is taken over. Default 10 s. */
  failoverMs?: number;
  /**
   * Scan the table (to see expired, free and stealable leases) every this many rounds; the
   * rounds between only renew the leases held, one conditional write each. Default 3 (with the
   * driver's round every third of the failover time: one Scan per failover time).
   */
  scanEvery?: number;
  /** Records per second this worker reads from a shard, published in its lease at each renewal. */
  loadOf?: (shardId: string) => number;
  /** Monotonic milliseconds (expiry is timed on it, never on the wall clock). Default `performance.now`. */
  now?: () => number;
}

/**
 * Shares a stream's shards among workers through a {@link LeaseStore}, the KCL's way: a worker
 * holds a lease by bumping its counter; a lease whose counter has not moved for `failoverMs`
 * (timed on the observer's own monotonic clock, so clocks need not agree and a wall-clock step
 * changes nothing) is taken with a conditional write on the counter it saw. Each worker aims at
 * an even share (ceil(shards / live workers)) and steals at most one lease per round from the
 * busiest worker when it holds two or more than we do (so counts end at most one apart). A lease renewed without a break is *kept*; one taken (free, expired, stolen, or
 * ours again after another held it) is *gained*, and its reader must start again from the
 * stored checkpoint. Leases of ended shards (SHARD_END) are given up.
 */
export class LeaseCoordinator {
  private readonly seen = new Map<string, { counter: number; owner: string | undefined; since: number }>();
  private mine = new Set<string>();
  private fresh = new Set<string>();
  private leases: Lease[] = [];
  private readonly store: LeaseStore;
  private readonly failoverMs: number;
  private readonly scanEvery: number;
  private readonly now: () => number;
  private rounds = 0;
  private scanNext = true;

  constructor(private readonly o: LeaseCoordinatorOptions) {
    if (o.store) this.store = o.store;
    else if (o.dynamodb && o.table) this.store = new DynamoLeaseStore({ dynamodb: o.dynamodb, table: o.table, streamName: o.streamName });
    else throw new TypeError('LeaseCoordinator needs a store, or dynamodb and table');
    this.failoverMs = o.failoverMs ?? 10_000;
    this.scanEvery = Math.max(1, o.scanEvery ?? 3);
    this.now = o.now ?? (() => performance.now());
  }

  /** Shards this worker holds after the last round. */
  owned(): ReadonlySet<string> {
    return this.mine;
  }

  /** Shards the last round took rather than renewed: their readers start again from the stored checkpoint. */
  gained(): ReadonlySet<string> {
    return this.fresh;
  }

  /** Every lease as last scanned (with this worker's own writes since), with its checkpoint. */
  all(): readonly Lease[] {
    return this.leases;
  }

  /** Every lease in the table, read now (no round, nothing written). */
  read(): Promise<Lease[]> {
    return this.store.list();
  }

  /** Capacity the lease calls consumed so far. */
  usage(): LeaseStoreUsage {
    return this.store.usage();
  }

  /**
   * Leases found lost outside a round (a checkpoint conditional on holding them was refused): no
   * longer held from now on, so nothing more of their shards is processed; the next round scans.
   */
  lost(shardIds: readonly string[]): void {
    this.mine = new Set([...this.mine].filter((s) => !shardIds.includes(s)));
    this.scanNext = true;
  }

  /** Makes the next round scan the table (e.g. to read a checkpoint another worker moved). */
  rescan(): void {
    this.scanNext = true;
  }

  /**
   * One round: renew ours; every `scanEvery` rounds (or when a shard has no lease yet) also scan,
   * create leases for new shards, give up ended ones, take expired or free ones up to our share,
   * and steal one if we are still below it. Returns the shards we hold.
   */
  async round(shardIds: readonly string[]): Promise<ReadonlySet<string>> {
    const known = new Set(this.leases.map((l) => l.shardId));
    const scan = this.scanNext || this.rounds % this.scanEvery === 0 || shardIds.some((s) => !known.has(s));
    this.rounds++;
    if (!scan) return this.renewOnly();
    this.scanNext = false;
    let leases = await this.store.list();
    const existing = new Set(leases.map((l) => l.shardId));
    const missing = shardIds.filter((s) => !existing.has(s));
    if (missing.length > 0) {
      for (const s of missing) await this.store.create(s);
      leases = await this.store.list();
    }
    const now = this.now();
    const expired = new Set<string>();
    for (const l of leases) {
      const s = this.seen.get(l.shardId);
      if (!s || s.counter !== l.counter || s.owner !== l.owner) this.seen.set(l.shardId, { counter: l.counter, owner: l.owner, since: now });
      else if (now - s.since >= this.failoverMs) expired.add(l.shardId);
      if (!l.owner) expired.add(l.shardId);
    }
    const wanted = new Set(shardIds);
    // An ended shard's lease is given up, so no stopped worker stays its owner.
    for (const l of leases) if (l.owner === this.o.workerId && l.checkpoint === SHARD_END) await this.store.release(l.shardId, this.o.workerId);
    const open = leases.filter((l) => l.checkpoint !== SHARD_END && wanted.has(l.shardId));

    const held = new Set<string>();
    const gained = new Set<string>();
    const wrote = new Map<string, string | undefined>();
    for (const l of open) {
      if (l.owner !== this.o.workerId) continue;
      // Ours in the table but not held since the last round (we took it back, or a round failed
      // after taking it): a fresh start from its checkpoint, as any gained lease.
      if (await this.store.renew(l.shardId, this.o.workerId, this.o.loadOf?.(l.shardId) ?? 0)) {
        held.add(l.shardId);
        if (!this.mine.has(l.shardId)) gained.add(l.shardId);
      }
    }
    const live = new Map<string, number>();
    for (const l of open) {
      if (l.owner && l.owner !== this.o.workerId && !expired.has(l.shardId)) live.set(l.owner, (live.get(l.owner) ?? 0) + 1);
    }
    const target = Math.ceil(open.length / (live.size + 1));
    const take = async (l: Lease) => {
      if (!(await this.store.take(l.shardId, this.o.workerId, l.counter))) return;
      held.add(l.shardId);
      gained.add(l.shardId);
      wrote.set(l.shardId, this.o.workerId);
    };
    // Each worker walks the free leases from its own starting point, so joining workers do not all race for the same ones.
    const from = open.length > 0 ? hash(this.o.workerId) % open.length : 0;
    for (const l of [...open.slice(from), ...open.slice(0, from)]) {
      if (held.size >= target) break;
      if (held.has(l.shardId) || !expired.has(l.shardId)) continue;
      await take(l);
    }
    if (held.size < target) {
      // Steal one lease from the busiest worker, if that narrows the gap (it holds 2 or more than we do).
      const [victim, count] = [...live].sort((a, b) => b[1] - a[1])[0] ?? [undefined, 0];
      if (victim && count > held.size + 1) {
        const lease = open.find((l) => l.owner === victim);
        if (lease) await take(lease);
      }
    }
    // Our own writes, applied to what we scanned (no second Scan).
    this.leases = leases.map((l) => {
      if (held.has(l.shardId)) return { ...l, owner: this.o.workerId, counter: l.counter + 1 };
      if (l.owner === this.o.workerId) return { ...l, owner: undefined };
      return l;
    });
    this.mine = held;
    this.fresh = gained;
    return held;
  }

  /** A round between scans: one conditional write per lease held. */
  private async renewOnly(): Promise<ReadonlySet<string>> {
    const held = new Set<string>();
    for (const s of this.mine) if (await this.store.renew(s, this.o.workerId, this.o.loadOf?.(s) ?? 0)) held.add(s);
    if (held.size < this.mine.size) this.scanNext = true;
    this.mine = held;
    this.fresh = new Set();
    return held;
  }

  /** Gives our leases back (clean stop), so other workers take them at once instead of after failover. */
  async release(): Promise<void> {
    for (const shardId of this.mine) await this.store.release(shardId, this.o.workerId);
    this.mine = new Set();
  }
}

/** FNV-1a of a string: a worker's fixed starting point among the leases. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
