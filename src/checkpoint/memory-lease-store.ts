import { askKey, parseAsk, type Lease, type LeaseAsk, type LeaseStore, type LeaseStoreUsage, type LeaseTableScan, type WorkerItem, type WorkerMail } from './lease-store.js';

interface Worker {
  counter: number;
  stopping: boolean;
  inbox: Set<string>;
  taken: Set<string>;
  /** Asks as `<shard> <worker>`, as DynamoDB stores them. */
  asks: Set<string>;
}

interface Item {
  owner: string | undefined;
  counter: number;
  checkpoint: string | undefined;
  load: number;
}

/** Provisioned capacity of the simulated table, per second of the store's clock; a call over it is throttled. */
export interface MemoryLeaseCapacity {
  readUnitsPerSecond: number;
  writeUnitsPerSecond: number;
}

/**
 * A lease table in memory, shared by every {@link MemoryLeaseStore} client of it, with DynamoDB's
 * semantics for the calls leases make: each conditional write is atomic and checked against the
 * item as it is at that moment; a condition on a missing item fails. Capacity is counted the way
 * DynamoDB bills it (a consistent Scan: 1 read unit per 4 KB scanned; a write, refused or not: 1
 * unit per started KB of the item, counting up to 64 bytes the write may add), and optionally limited (throttling).
 */
export class MemoryLeaseTable {
  readonly items = new Map<string, Item>();
  /** The workers' own items (`worker#<id>` in DynamoDB), by worker id. */
  readonly workers = new Map<string, Worker>();
  private readonly buckets = { read: { level: 0, at: 0 }, write: { level: 0, at: 0 } };

  constructor(
    readonly streamName: string,
    private readonly capacity?: MemoryLeaseCapacity,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Sets a shard's checkpoint (what a worker's checkpoint write would do), for simulations and tests. */
  setCheckpoint(shardId: string, checkpoint: string): void {
    const item = this.items.get(shardId);
    if (item) item.checkpoint = checkpoint;
  }

  /** Whether a call costing `units` fits the capacity now (a token bucket refilled per second, one second of burst). */
  admit(kind: 'read' | 'write', units: number): boolean {
    if (!this.capacity) return true;
    const rate = kind === 'read' ? this.capacity.readUnitsPerSecond : this.capacity.writeUnitsPerSecond;
    const b = this.buckets[kind];
    const t = this.now();
    b.level = Math.max(0, b.level - ((t - b.at) / 1000) * rate);
    b.at = t;
    if (b.level + units > rate) return false;
    b.level += units;
    return true;
  }

  /** Bytes of a worker's item as DynamoDB would size it. */
  workerSizeOf(workerId: string, w: Worker | undefined): number {
    if (!w) return 0;
    let size = 'leaseKey'.length + 'worker#'.length + workerId.length + 'workerCounter'.length + 1 + Math.ceil(String(w.counter).length / 2) + 'stopping'.length + 1;
    if (w.inbox.size > 0) size += 'inbox'.length + [...w.inbox].reduce((n, s) => n + s.length, 0);
    if (w.taken.size > 0) size += 'takenAway'.length + [...w.taken].reduce((n, s) => n + s.length, 0);
    if (w.asks.size > 0) size += 'asks'.length + [...w.asks].reduce((n, s) => n + s.length, 0);
    return size;
  }

  /** Bytes of an item as DynamoDB sizes it: attribute names plus values. */
  sizeOf(shardId: string, item: Item | undefined): number {
    if (!item) return 0;
    const num = (n: number) => 1 + Math.ceil(String(n).replace(/[-.]/g, '').length / 2);
    let size = 'leaseKey'.length + shardId.length + 'leaseCounter'.length + num(item.counter) + 'streamName'.length + this.streamName.length;
    if (item.owner !== undefined) size += 'leaseOwner'.length + item.owner.length;
    if (item.checkpoint !== undefined) size += 'checkpoint'.length + item.checkpoint.length;
    if (item.load !== 0) size += 'shardLoad'.length + num(item.load);
    return size;
  }
}

export interface MemoryLeaseStoreOptions {
  /** Simulated time one call takes (the store waits it through `sleep` before the call takes effect). Default 0. */
  latencyMs?: number | (() => number);
  /** How to wait: a simulated clock's sleep in simulations. Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Wait before retrying a throttled call (the SDK's backoff). Default 50 ms, doubling to 1.6 s. */
  throttleBackoffMs?: number;
}

/** One worker's client of a {@link MemoryLeaseTable}: its own latency, usage and throttle count. */
export class MemoryLeaseStore implements LeaseStore {
  private readonly used: LeaseStoreUsage = { readUnits: 0, writeUnits: 0 };
  /** Calls refused for capacity and retried. */
  throttled = 0;
  /** Conditional writes refused (another worker wrote first, or the lease is not ours). */
  conflicts = 0;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly table: MemoryLeaseTable,
    private readonly o: MemoryLeaseStoreOptions = {},
  ) {
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  usage(): LeaseStoreUsage {
    return { ...this.used };
  }

  private async call<T>(kind: 'read' | 'write', units: () => number, apply: () => T): Promise<T> {
    const latency = typeof this.o.latencyMs === 'function' ? this.o.latencyMs() : (this.o.latencyMs ?? 0);
    let backoff = this.o.throttleBackoffMs ?? 50;
    for (;;) {
      if (latency > 0) await this.sleep(latency);
      const u = units();
      if (this.table.admit(kind, u)) {
        if (kind === 'read') this.used.readUnits += u;
        else this.used.writeUnits += u;
        return apply();
      }
      this.throttled++;
      await this.sleep(backoff);
      backoff = Math.min(backoff * 2, 1600);
    }
  }

  async list(): Promise<Lease[]> {
    return (await this.scan()).leases;
  }

  scan(): Promise<LeaseTableScan> {
    const bytes = () =>
      [...this.table.items].reduce((n, [k, i]) => n + this.table.sizeOf(k, i), 0) + [...this.table.workers].reduce((n, [k, w]) => n + this.table.workerSizeOf(k, w), 0);
    return this.call(
      'read',
      () => Math.max(1, Math.ceil(bytes() / 4096)),
      () => ({
        leases: [...this.table.items].map(([shardId, i]) => ({ shardId, owner: i.owner, counter: i.counter, checkpoint: i.checkpoint, load: i.load })),
        workers: [...this.table.workers].map(([workerId, w]): WorkerItem => ({ workerId, counter: w.counter, stopping: w.stopping, inbox: [...w.inbox].sort() })),
      }),
    );
  }

  heartbeat(workerId: string): Promise<WorkerMail> {
    return this.workerWrite(workerId, () => {
      const w = this.table.workers.get(workerId) ?? newWorker();
      w.counter++;
      w.stopping = false;
      this.table.workers.set(workerId, w);
      return { handed: [...w.inbox].sort(), taken: [...w.taken].sort(), asked: [...w.asks].sort().map(parseAsk) };
    });
  }

  markStopping(workerId: string): Promise<void> {
    return this.workerWrite(workerId, () => {
      const w = this.table.workers.get(workerId) ?? newWorker();
      w.stopping = true;
      this.table.workers.set(workerId, w);
    });
  }

  transfer(shardId: string, from: string, to: string): Promise<boolean> {
    return this.write(shardId, (item) => {
      if (!item || item.owner !== from) return false;
      item.owner = to;
      item.counter++;
      return true;
    });
  }

  notify(to: string, shardIds: readonly string[]): Promise<boolean> {
    return this.addToWorker(to, true, (w) => shardIds.forEach((s) => w.inbox.add(s)));
  }

  ask(owner: string, ask: LeaseAsk): Promise<boolean> {
    return this.addToWorker(owner, true, (w) => w.asks.add(askKey(ask)));
  }

  tellTaken(from: string, shardIds: readonly string[]): Promise<boolean> {
    return this.addToWorker(from, false, (w) => shardIds.forEach((s) => w.taken.add(s)));
  }

  /** A write to a worker's item that exists (and, with `live`, is not stopping); refused otherwise. */
  private addToWorker(workerId: string, live: boolean, add: (w: Worker) => void): Promise<boolean> {
    return this.workerWrite(workerId, () => {
      const w = this.table.workers.get(workerId);
      if (!w || (live && w.stopping)) {
        this.conflicts++;
        return false;
      }
      add(w);
      return true;
    });
  }

  forget(workerId: string): Promise<void> {
    return this.workerWrite(workerId, () => {
      if (this.table.workers.get(workerId)?.stopping) this.table.workers.delete(workerId);
    });
  }

  async clearInbox(workerId: string, mail: WorkerMail): Promise<void> {
    if (mail.handed.length === 0 && mail.taken.length === 0 && mail.asked.length === 0) return;
    await this.workerWrite(workerId, () => {
      const w = this.table.workers.get(workerId);
      for (const s of mail.handed) w?.inbox.delete(s);
      for (const s of mail.taken) w?.taken.delete(s);
      for (const a of mail.asked) w?.asks.delete(askKey(a));
    });
  }

  /** A write to a worker's item, billed on its size plus what the write may add. */
  private workerWrite<T>(workerId: string, apply: () => T): Promise<T> {
    return this.call('write', () => Math.max(1, Math.ceil((this.table.workerSizeOf(workerId, this.table.workers.get(workerId)) + 64) / 1024)), apply);
  }

  create(shardId: string): Promise<boolean> {
    return this.write(shardId, (item) => {
      if (item) return false;
      this.table.items.set(shardId, { owner: undefined, counter: 0, checkpoint: undefined, load: 0 });
      return true;
    });
  }

  take(shardId: string, owner: string, seenCounter: number): Promise<boolean> {
    return this.write(shardId, (item) => {
      if (!item || item.counter !== seenCounter) return false;
      item.owner = owner;
      item.counter++;
      return true;
    });
  }

  renew(shardId: string, owner: string, load: number): Promise<boolean> {
    return this.write(shardId, (item) => {
      if (!item || item.owner !== owner) return false;
      item.counter++;
      item.load = Math.round(load * 1000) / 1000;
      return true;
    });
  }

  publishLoad(shardId: string, owner: string, load: number): Promise<boolean> {
    return this.write(shardId, (item) => {
      if (!item || item.owner !== owner) return false;
      item.load = Math.round(load * 1000) / 1000;
      return true;
    });
  }

  release(shardId: string, owner: string): Promise<boolean> {
    return this.write(shardId, (item) => {
      if (!item || item.owner !== owner) return false;
      item.owner = undefined;
      item.counter++;
      return true;
    });
  }

  /** A conditional write, billed on the item's size plus what the write may add (refused or not). */
  private write(shardId: string, apply: (item: Item | undefined) => boolean): Promise<boolean> {
    return this.call(
      'write',
      () => Math.max(1, Math.ceil((this.table.sizeOf(shardId, this.table.items.get(shardId)) + 64) / 1024)),
      () => {
        const ok = apply(this.table.items.get(shardId));
        if (!ok) this.conflicts++;
        return ok;
      },
    );
  }
}

function newWorker(): Worker {
  return { counter: 0, stopping: false, inbox: new Set(), taken: new Set(), asks: new Set() };
}

