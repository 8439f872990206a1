import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoLeaseStore } from './dynamodb-lease-store.js';
import { crashPoint } from './crash-points.js';
import type { Lease, LeaseAsk, LeaseStore, LeaseStoreUsage, WorkerItem } from './lease-store.js';
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
  /** A lease whose owner's heartbeat (and the lease itself) has not moved for this long is taken over. Default 10 s. */
  failoverMs?: number;
  /**
   * Scan the table (to see expired, free and stealable leases) every this many rounds; the
   * rounds between write only the heartbeat (and loads that moved). Default 3 (with the
   * driver's round every third of the failover time: one Scan per failover time).
   */
  scanEvery?: number;
  /** Records per second this worker reads from a shard, published in its lease when it moves (see `publish`). */
  loadOf?: (shardId: string) => number;
  /**
   * `load` (default): once leases publish a load, a worker steals from the most loaded one while
   * that is above the average load by more than `loadMargin` (or we below it by more), if the move
   * leaves us below its load, after `loadPatience` scans in a row that saw the need. `count`: even
   * lease counts only.
   */
  balance?: 'count' | 'load';
  /** Hysteresis of balance by load, a fraction of the average load. Default 0.2. */
  loadMargin?: number;
  /** Scans in a row that must see a load imbalance before a lease moves for it. Default 3. */
  loadPatience?: number;
  /**
   * How a lease moves for balance from a live owner: `ask` (default) asks the owner to hand it over
   * (it does so between two batches, after its checkpoint: nothing is read twice), and takes it only
   * if the owner has not within a failover time; `steal` takes it at once (the owner learns at its
   * next heartbeat; up to a batch is read again).
   */
  balanceMoves?: 'ask' | 'steal';
  /**
   * Who hands over the leases other workers asked for: `round` (default), this coordinator at its
   * next round; `caller`, whoever calls {@link LeaseCoordinator.handOverAsked} (the engine does, between
   * two batches, once what it read of the shard is checkpointed).
   */
  asks?: 'round' | 'caller';
  /** Monotonic milliseconds (expiry is timed on it, never on the wall clock). Default `performance.now`. */
  now?: () => number;
}

/** Where one lease went on a clean stop: to a named worker (`handoff`) or back to the table (`release`). */
export interface HandoffResult {
  readonly shardId: string;
  readonly to: string | undefined;
}

/**
 * Shares a stream's shards among workers through a {@link LeaseStore}, the KCL's way, except that
 * liveness is per worker, not per lease: each worker bumps the counter of its own item
 * (`worker#<id>`) every round, and a lease is taken over only when its owner's heartbeat and the
 * lease itself have both stood still for `failoverMs` (timed on the observer's own monotonic clock,
 * so clocks need not agree and a wall-clock step changes nothing), with a conditional write on the
 * lease counter it saw. An idle lease costs no write. Each worker aims at an even share
 * (ceil(shards / live workers)) and steals at most one lease per round from the busiest worker
 * when it holds two or more than we do (so counts end at most one apart). A lease held without a
 * break is *kept*; one taken (free, expired, stolen, or ours again after another held it) is
 * *gained*, and its reader must start again from the stored checkpoint. Leases of ended shards
 * (SHARD_END) are given up. Once leases publish their shard's load, balance is by load instead
 * (`balance`, see `loadSteal`). The worker item also carries a stopping flag and an inbox, so a
 * clean stop can hand each lease to a named live worker ({@link handoff}).
 */
export class LeaseCoordinator {
  /** Leases this coordinator took from a live owner (count or load steals), for measurements. */
  steals = 0;
  /** Moves for balance this coordinator started (an ask, or a steal at once), for measurements. */
  moves = 0;
  /** Leases other workers asked us to hand over, not handed yet, by shard. */
  private readonly askedOf = new Map<string, LeaseAsk>();
  /** Whether our last Scan balanced by load (then asks are weighed by load, else by count). */
  private byLoad = false;
  /** Leases we asked their owners for: whom, and when. */
  private readonly asking = new Map<string, { owner: string; at: number; tries: number }>();
  private readonly workersSeen = new Map<string, { counter: number; since: number }>();
  private workers: WorkerItem[] = [];
  private pressure = 0;
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
  private asksBy: 'round' | 'caller';
  /** When the last round whose heartbeat landed started. */
  private lastBeat: number | undefined;
  /** The load last published in each lease held, and when. */
  private readonly published = new Map<string, { load: number; at: number }>();

  constructor(private readonly o: LeaseCoordinatorOptions) {
    if (o.store) this.store = o.store;
    else if (o.dynamodb && o.table) this.store = new DynamoLeaseStore({ dynamodb: o.dynamodb, table: o.table, streamName: o.streamName });
    else throw new TypeError('LeaseCoordinator needs a store, or dynamodb and table');
    this.failoverMs = o.failoverMs ?? 10_000;
    this.scanEvery = Math.max(1, o.scanEvery ?? 3);
    this.now = o.now ?? (() => performance.now());
    this.asksBy = o.asks ?? 'round';
  }

  /** From now on, leases asked for are handed over only by {@link handOverAsked} (the engine calls it between two batches). */
  handOverAskedByCaller(): void {
    this.asksBy = 'caller';
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
   * One round. The heartbeat (our worker item's counter) keeps every lease we hold alive: other
   * workers take a lease only once its owner's heartbeat has stood still for `failoverMs`, so
   * while ours lands at least once a failover time no lease is written to keep it. A lease is
   * renewed (its counter bumped, conditional on still being ours) only after a break: when the
   * previous heartbeat that landed was sent a failover time or more before this one returned,
   * another worker may have taken our leases in between, and the renewal both checks that and
   * makes any worker about to take one on what it saw fail. Every `scanEvery` rounds (or when a
   * shard has no lease yet, or we were handed some) the round also scans: creates leases for new
   * shards, gives up ended ones, takes expired or free ones up to our share, and steals one if we
   * are still below it (telling the owner, whose next heartbeat finds it). Returns the shards we hold.
   */
  async round(shardIds: readonly string[]): Promise<ReadonlySet<string>> {
    const started = this.now();
    const known = new Set(this.leases.map((l) => l.shardId));
    // The heartbeat says we are alive (our leases stay ours, handoffs may name us) and brings our mail.
    const beat = this.store.heartbeat(this.o.workerId);
    beat.catch(() => undefined); // awaited below; a failure fails the round there
    const scan = this.scanNext || this.rounds % this.scanEvery === 0 || shardIds.some((s) => !known.has(s));
    this.rounds++;
    const mail = await beat;
    const unbroken = this.lastBeat !== undefined && this.now() - this.lastBeat < this.failoverMs;
    this.lastBeat = started;
    for (const a of mail.asked) if (this.mine.has(a.shardId)) this.askedOf.set(a.shardId, a);
    if (this.asksBy === 'round' && this.askedOf.size > 0) await this.handOverAsked();
    if (!scan) {
      const held = await this.keepOnly(unbroken, mail.taken);
      if (mail.taken.length > 0 || mail.asked.length > 0) await this.store.clearInbox(this.o.workerId, { handed: [], taken: mail.taken, asked: mail.asked });
      // Handed to us: a scan now takes them (owner is us already: gained, read from their checkpoint).
      if (mail.handed.length === 0) return held;
    }
    this.scanNext = false;
    let table = await this.store.scan();
    const existing = new Set(table.leases.map((l) => l.shardId));
    const missing = shardIds.filter((s) => !existing.has(s));
    if (missing.length > 0) {
      for (const s of missing) await this.store.create(s);
      table = await this.store.scan();
    }
    const leases = table.leases;
    const now = this.now();
    this.observeWorkers(table.workers, now);
    const expired = this.expiredOf(leases, new Set(table.workers.map((w) => w.workerId)), now);
    const wanted = new Set(shardIds);
    // An ended shard's lease is given up, so no stopped worker stays its owner.
    for (const l of leases) if (l.owner === this.o.workerId && l.checkpoint === SHARD_END) await this.store.release(l.shardId, this.o.workerId);
    const open = leases.filter((l) => l.checkpoint !== SHARD_END && wanted.has(l.shardId));

    const held = new Set<string>();
    const gained = new Set<string>();
    const bumped = new Set<string>();
    for (const l of open) {
      if (l.owner !== this.o.workerId) continue;
      // Ours in the table but not held since the last round (handed to us, taken back, or a round
      // failed after taking it), or held across a break: renewed, and if not held before, a fresh
      // start from its checkpoint, as any gained lease.
      const kept = await this.keep(l.shardId, unbroken && this.mine.has(l.shardId), mail.taken);
      if (kept === 'lost') continue;
      held.add(l.shardId);
      if (kept === 'renewed') bumped.add(l.shardId);
      if (!this.mine.has(l.shardId)) gained.add(l.shardId);
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
      bumped.add(l.shardId);
      this.published.delete(l.shardId);
    };
    const steal = async (l: Lease) => {
      this.steals++;
      await take(l);
      // Its owner is alive and would not hear of it before its next Scan: its next heartbeat tells it.
      if (held.has(l.shardId) && l.owner) await this.store.tellTaken(l.owner, [l.shardId]).catch(() => false);
    };
    /**
     * A move for balance: asks the live owner to hand the lease over. An ask not answered within a
     * failover time is made again (the owner may have declined it: asked by others at once, a move
     * would no longer have evened the pair); a second one not answered either, the lease is taken.
     */
    const move = async (l: Lease) => {
      const asked = this.asking.get(l.shardId);
      if (asked && now - asked.at < this.failoverMs) return; // its owner hands it over between two of its batches
      if (!asked) this.moves++;
      const tries = asked?.tries ?? 0;
      if ((this.o.balanceMoves ?? 'ask') === 'ask' && l.owner && tries < 2) {
        const mine = [...held].reduce((n, s) => n + (this.o.loadOf?.(s) ?? 0), 0);
        if (await this.store.ask(l.owner, { shardId: l.shardId, to: this.o.workerId, held: held.size, load: mine })) {
          this.asking.set(l.shardId, { owner: l.owner, at: now, tries: tries + 1 });
          return;
        }
      }
      await steal(l); // the owner is stopping or gone, or did not answer twice
    };
    // Each worker walks the free leases from its own starting point, so joining workers do not all race for the same ones.
    const from = open.length > 0 ? hash(this.o.workerId) % open.length : 0;
    for (const l of [...open.slice(from), ...open.slice(0, from)]) {
      if (held.size >= target) break;
      if (held.has(l.shardId) || !expired.has(l.shardId)) continue;
      await take(l);
    }
    const loadOf = (l: Lease) => (l.owner === this.o.workerId ? (this.o.loadOf?.(l.shardId) ?? l.load) : l.load);
    const byLoad = (this.o.balance ?? 'load') === 'load' && open.some((l) => loadOf(l) > 0);
    this.byLoad = byLoad;
    if (byLoad) {
      const victim = this.loadSteal(open, held, expired, loadOf);
      if (victim) await move(victim);
    } else if (held.size < target) {
      // Move one lease from the busiest worker, if that narrows the gap (it holds 2 or more than we
      // do). Among equally busy ones each worker has its own order, and skips one it is waiting on
      // (asked within a failover time): workers below their share spread over the busiest instead of
      // all asking the same one, which hands over one and declines the rest.
      const ownerNow = new Map(open.map((l) => [l.shardId, l.owner]));
      const waiting = new Set([...this.asking].filter(([s, a]) => now - a.at < this.failoverMs && !held.has(s) && ownerNow.get(s) === a.owner).map(([, a]) => a.owner));
      const victims = [...live].filter(([w, count]) => count > held.size + 1 && !waiting.has(w)).sort((a, b) => b[1] - a[1] || hash(this.o.workerId + a[0]) - hash(this.o.workerId + b[0]));
      const victim = victims[0]?.[0];
      if (victim) {
        // From our own starting point among its leases, so workers joining together ask for different ones.
        const theirs = open.filter((l) => l.owner === victim);
        const lease = theirs[hash(this.o.workerId) % theirs.length];
        if (lease) await move(lease);
      }
    }
    // Our own writes, applied to what we scanned (no second Scan).
    this.leases = leases.map((l) => {
      if (held.has(l.shardId)) return { ...l, owner: this.o.workerId, counter: bumped.has(l.shardId) ? l.counter + 1 : l.counter };
      if (l.owner === this.o.workerId) return { ...l, owner: undefined };
      return l;
    });
    this.mine = held;
    this.fresh = gained;
    for (const s of this.published.keys()) if (!held.has(s)) this.published.delete(s);
    // Settled asks: handed to us, handed to another asker, or given up on (taken by now if still wanted).
    const ownerOf = new Map(leases.map((l) => [l.shardId, l.owner]));
    for (const [s, a] of this.asking) if (held.has(s) || ownerOf.get(s) !== a.owner || now - a.at >= 2 * this.failoverMs) this.asking.delete(s);
    for (const s of this.askedOf.keys()) if (!held.has(s)) this.askedOf.delete(s);
    // Handed to us: the scan above took them as ours (owner is us, not held before: gained).
    await this.store.clearInbox(this.o.workerId, mail);
    return held;
  }

  /**
   * Leases another worker may take now: free ones, and those whose owner and counter have not
   * changed for a failover time while their owner's heartbeat stood still as long (an owner with no
   * worker item: the lease's counter alone). Timed on our own clock, from when we saw each change.
   */
  private expiredOf(leases: readonly Lease[], workers: ReadonlySet<string>, now: number): Set<string> {
    const expired = new Set<string>();
    for (const l of leases) {
      const s = this.seen.get(l.shardId);
      const changed = !s || s.counter !== l.counter || s.owner !== l.owner;
      if (changed) this.seen.set(l.shardId, { counter: l.counter, owner: l.owner, since: now });
      if (!l.owner) expired.add(l.shardId);
      else if (!changed && now - s.since >= this.failoverMs && (!workers.has(l.owner) || now - (this.workersSeen.get(l.owner)?.since ?? now) >= this.failoverMs)) expired.add(l.shardId);
    }
    return expired;
  }

  /**
   * Keeps a lease of ours for another round: held without a break (`trusted`) and not reported
   * taken, only its load is published if it moved; otherwise it is renewed, which checks it is
   * still ours. `lost` when it is not.
   */
  private async keep(shardId: string, trusted: boolean, taken: readonly string[]): Promise<'kept' | 'renewed' | 'lost'> {
    if (trusted && !taken.includes(shardId)) return (await this.publish(shardId)) ? 'kept' : 'lost';
    return (await this.renew(shardId)) ? 'renewed' : 'lost';
  }

  /** Renews a lease of ours (bumps its counter, publishes its load). */
  private async renew(shardId: string): Promise<boolean> {
    const load = this.o.loadOf?.(shardId) ?? 0;
    if (!(await this.store.renew(shardId, this.o.workerId, load))) return false;
    this.published.set(shardId, { load, at: this.now() });
    return true;
  }

  /**
   * Publishes a held lease's load when it moved by more than a tenth (and half a record per
   * second), at most once a failover time unless it starts or stops: an idle shard costs no
   * write. False if the lease is not ours any more.
   */
  private async publish(shardId: string): Promise<boolean> {
    if (!this.o.loadOf) return true;
    const load = this.o.loadOf(shardId);
    const last = this.published.get(shardId);
    if (last) {
      if (Math.abs(load - last.load) <= Math.max(0.5, 0.1 * Math.max(load, last.load))) return true;
      if (this.now() - last.at < this.failoverMs && last.load > 0 === load > 0) return true;
    }
    if (!(await this.store.publishLoad(shardId, this.o.workerId, load))) return false;
    this.published.set(shardId, { load, at: this.now() });
    return true;
  }

  /**
   * Balance by load: the lease to steal this scan, if any, from the most loaded live worker that
   * has one that fits (the next most loaded if none of its leases does). That worker must be
   * above the average load by more than the margin, or we below it by more than the margin (so
   * loads within the margin never move a lease); the move must leave us below its load now (so the
   * larger of the two loads drops, and the sum of squared loads with it: no cycle while loads hold
   * still); and the same need must be seen `loadPatience` scans in a row, unless we are below the
   * average by more than twice the margin (a worker that just joined).
   */
  private loadSteal(open: readonly Lease[], held: ReadonlySet<string>, expired: ReadonlySet<string>, loadOf: (l: Lease) => number): Lease | undefined {
    const margin = this.o.loadMargin ?? 0.2;
    const loads = new Map<string, number>([[this.o.workerId, 0]]);
    for (const l of open) {
      const owner = held.has(l.shardId) ? this.o.workerId : l.owner;
      if (!owner || (owner !== this.o.workerId && expired.has(l.shardId))) continue;
      loads.set(owner, (loads.get(owner) ?? 0) + loadOf(l));
    }
    const mine = loads.get(this.o.workerId)!;
    const average = [...loads.values()].reduce((a, b) => a + b, 0) / loads.size;
    // The most loaded worker first; the next when none of its leases fits (e.g. it holds only hot ones).
    const victims = [...loads].filter(([w, load]) => w !== this.o.workerId && load > mine).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    let best: Lease | undefined;
    for (const [victim, top] of victims) {
      if (!(top > average * (1 + margin) || mine < average * (1 - margin))) break;
      for (const l of open) {
        if (l.owner !== victim || expired.has(l.shardId)) continue;
        const moved = loadOf(l);
        if (moved <= 0 || mine + moved >= top) continue;
        // The move that leaves the pair closest to even.
        if (!best || Math.abs(top - mine - 2 * moved) < Math.abs(top - mine - 2 * loadOf(best))) best = l;
      }
      if (best) break;
    }
    if (!best) {
      this.pressure = 0;
      return undefined;
    }
    // Far below the average (a worker that just joined holds nothing): no need to wait for noise to pass.
    const urgent = mine < average * (1 - 2 * margin);
    if (++this.pressure < (this.o.loadPatience ?? 3) && !urgent) return undefined;
    this.pressure = 0;
    return best;
  }

  /** Notes each worker item's heartbeat as scanned now (a worker whose counter has not moved for a failover time is gone). */
  private observeWorkers(workers: readonly WorkerItem[], now: number): void {
    this.workers = [...workers];
    for (const w of workers) {
      const s = this.workersSeen.get(w.workerId);
      if (!s || s.counter !== w.counter) this.workersSeen.set(w.workerId, { counter: w.counter, since: now });
    }
  }

  /** Live workers that may take a lease: heartbeat seen moving within a failover time, not stopping, not us. */
  private handoffTargets(): string[] {
    const now = this.now();
    return this.workers
      .filter((w) => w.workerId !== this.o.workerId && !w.stopping && now - (this.workersSeen.get(w.workerId)?.since ?? -Infinity) < this.failoverMs)
      .map((w) => w.workerId);
  }

  /** Leases other workers asked us to hand over (for balance), not handed yet. */
  asked(): ReadonlyMap<string, LeaseAsk> {
    return this.askedOf;
  }

  /**
   * Hands each lease another worker asked for (a move for balance) to that worker: transfers it
   * (conditional on our ownership) and tells it, as a clean stop's handoff does; the asker takes it
   * at its next round and reads on from the checkpoint. Call it when what was read of those shards
   * is checkpointed (the engine does, between two batches). A lease whose asker is stopping or gone
   * is taken back and counts as gained at the next round (read again from its checkpoint). An ask
   * whose move would no longer even the pair (we handed others over since) is dropped.
   */
  async handOverAsked(): Promise<HandoffResult[]> {
    const out: HandoffResult[] = [];
    const asked = [...this.askedOf.values()];
    this.askedOf.clear();
    const loadOf = (s: string) => this.o.loadOf?.(s) ?? this.leases.find((l) => l.shardId === s)?.load ?? 0;
    let load = [...this.mine].reduce((n, s) => n + loadOf(s), 0);
    for (const { shardId, to, held, load: theirs } of asked) {
      if (!this.mine.has(shardId)) continue;
      // Asked by several workers at once: each move must still even the pair, as it did when asked
      // (by count: we keep more than they would; by load: they stay below what we keep).
      const evens = this.byLoad ? theirs + loadOf(shardId) < load : held + 1 < this.mine.size;
      if (!evens) continue; // the asker asks elsewhere at its next Scan
      load -= loadOf(shardId);
      this.mine = new Set([...this.mine].filter((s) => s !== shardId));
      const result = await this.handTo(shardId, to, () => {
        this.leases = this.leases.map((l) => (l.shardId === shardId ? { ...l, owner: to, counter: l.counter + 1 } : l));
      });
      if (result === 'handed') out.push({ shardId, to });
      // Not ours any more, or the asker is stopping or gone (ours again): the next round scans, and gains it if ours.
      else this.scanNext = true;
    }
    return out;
  }

  /**
   * Clean stop, the KCL 3.x way: marks this worker stopping, then hands each lease held (its
   * checkpoint already written) to the least loaded live worker, which takes it at its next round
   * (its heartbeat finds it in its inbox) and reads on from the checkpoint. A lease that cannot be
   * handed (no live worker, the target stopped or is gone, `withinMs` spent, an error) is released
   * instead, as before: another worker takes it at its next Scan. The order per lease is: transfer
   * the lease (conditional on our ownership), then tell the target; a crash between the two leaves
   * the lease owned by the target, which finds it at its next Scan (or, if the target is gone too,
   * takes over after the failover time). Returns where each lease went.
   */
  async handoff(withinMs = this.failoverMs / 2, onHanded?: (r: HandoffResult) => void): Promise<HandoffResult[]> {
    const deadline = this.now() + withinMs;
    const out: HandoffResult[] = [];
    const pending = new Set(this.mine);
    this.mine = new Set();
    try {
      await this.store.markStopping(this.o.workerId);
      if (pending.size > 0) {
        await this.handEach(pending, deadline, (r) => {
          out.push(r);
          onHanded?.(r);
        });
      }
    } catch {
      // Whatever was not handed is released below.
    }
    for (const shardId of pending) {
      if (await this.store.release(shardId, this.o.workerId).catch(() => false)) out.push({ shardId, to: undefined });
    }
    await this.store.forget(this.o.workerId).catch(() => undefined);
    return out;
  }

  /** Hands each lease of `pending` (the most loaded first) to the least loaded live worker until `deadline`; removes from `pending` what is settled. */
  private async handEach(pending: Set<string>, deadline: number, handed: (r: HandoffResult) => void): Promise<void> {
    const table = await this.store.scan();
    this.observeWorkers(table.workers, this.now());
    const targets = new Map(this.handoffTargets().map((w) => [w, { load: 0, count: 0 }]));
    for (const l of table.leases) {
      const t = l.owner !== undefined && l.checkpoint !== SHARD_END ? targets.get(l.owner) : undefined;
      if (t) {
        t.load += l.load;
        t.count++;
      }
    }
    const loadOf = (s: string) => this.o.loadOf?.(s) ?? table.leases.find((l) => l.shardId === s)?.load ?? 0;
    for (const shardId of [...pending].sort((a, b) => loadOf(b) - loadOf(a))) {
      for (;;) {
        const [to, t] = [...targets].sort((a, b) => a[1].load - b[1].load || a[1].count - b[1].count || (a[0] < b[0] ? -1 : 1))[0] ?? [undefined, undefined];
        if (!to || !t || this.now() > deadline) return;
        const result = await this.handTo(shardId, to, () => crashPoint('handoff-transfer'));
        if (result === 'handed') {
          pending.delete(shardId);
          t.load += loadOf(shardId);
          t.count++;
          handed({ shardId, to });
          break;
        }
        if (result !== 'not ours') targets.delete(to); // stopping or gone
        if (result !== 'back') {
          pending.delete(shardId); // not ours any more: nothing to hand or release
          break;
        }
        // The lease is ours again: try the next target.
      }
    }
  }

  /**
   * Hands a lease of ours to `to`: transfers it (conditional on our ownership; `transferred` runs
   * right after), then puts the shard in `to`'s inbox. `not ours`: the transfer was refused. When
   * `to` is stopping or gone, takes the lease back: `back`, or `lost` if that was refused too.
   */
  private async handTo(shardId: string, to: string, transferred: () => void): Promise<'handed' | 'not ours' | 'back' | 'lost'> {
    if (!(await this.store.transfer(shardId, this.o.workerId, to))) return 'not ours';
    transferred();
    if (await this.store.notify(to, [shardId])) return 'handed';
    return (await this.store.transfer(shardId, to, this.o.workerId)) ? 'back' : 'lost';
  }

  /**
   * A round between scans: the leases held stay held with no write (the heartbeat keeps them),
   * publishing loads that moved; after a break, or for a lease another worker told us it took,
   * a renewal checks each one.
   */
  private async keepOnly(unbroken: boolean, taken: readonly string[]): Promise<ReadonlySet<string>> {
    const held = new Set<string>();
    for (const s of this.mine) if ((await this.keep(s, unbroken, taken)) !== 'lost') held.add(s);
    if (held.size < this.mine.size) this.scanNext = true;
    this.mine = held;
    this.fresh = new Set();
    return held;
  }

  /** Gives our leases back (clean stop), so other workers take them at their next Scan instead of after failover. */
  async release(): Promise<void> {
    for (const shardId of this.mine) await this.store.release(shardId, this.o.workerId);
    this.mine = new Set();
    await this.store.markStopping(this.o.workerId);
    await this.store.forget(this.o.workerId);
  }
}

/** FNV-1a of a string: a worker's fixed starting point among the leases. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
