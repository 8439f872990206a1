import type { LeaseCoordinator } from '../checkpoint/leases.js';
import type { PartitionStates } from '../checkpoint/partition-states.js';
import { SHARD_END } from '../checkpoint/store.js';
import { compareSequence } from '../kinesis/position.js';
import type { Source } from '../core/source.js';
import { BatchGate } from './batch-gate.js';
import type { EngineEventBus } from './events.js';

/** What the engine lends the driver: the gate its batches run through, and its checkpointer's pending positions. */
export interface LeaseDriverHooks {
  gate?: BatchGate;
  /**
   * Partitions dropped or read again from their stored checkpoint: positions taken from them and
   * not committed yet belong to state that is gone, and must never be committed with the state
   * loaded now; `checkpoints` holds the checkpoint each one that is still held resumes after.
   */
  reset?: (partitions: readonly string[], checkpoints: ReadonlyMap<string, string>) => void;
  /** Commits now what the batches written so far took (before a lease is handed over for balance). */
  flush?: () => Promise<void>;
}

/**
 * Keeps this worker's leases: renews, takes and steals them every third of the failover time,
 * then points the source at the partitions held. A round never overlaps the previous one. When
 * no round has succeeded for a whole failover time, others may own our partitions: stop reading
 * them all (self-fencing), and {@link current} says so before a batch reads anything. A partition
 * gained, or held again after another worker held it, is read again from its stored checkpoint
 * (its reader and buffered records are dropped). With partitioned state, a gained partition's
 * state is loaded as of its checkpoint before the source reads it (and reading resumes after that
 * same checkpoint); a lost partition's state is dropped. All timing is on a monotonic clock.
 *
 * A round renews and takes leases at once (the sink fence reads the leases it holds right away),
 * but applies what changed to the source, the partitions' state and the checkpointer's pending
 * positions through the engine's {@link BatchGate}: between batches, never in the middle of one.
 * A round run while a batch is queued or running (the fence renewing a lease in doubt) leaves
 * that part queued behind the batch instead of waiting for it.
 */
export class LeaseDriver {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** When the last successful round started (its renewals are at least this recent). */
  private lastRound: number;
  /** Positions known to be durable at start (a snapshot's may be ahead of the lease items'). */
  private floor = new Map<string, string>();
  private partitions: PartitionStates | undefined;
  /** Partitions whose leases the last round held. */
  private held = new Set<string>();
  /** Partitions to read again from their stored checkpoint at the next round (a checkpoint of ours was refused). */
  private stale = new Set<string>();
  /** Partitions gained (or to restart) by rounds whose changes are not applied yet. */
  private restartPending = new Set<string>();
  private hooks: LeaseDriverHooks = {};
  private gate = new BatchGate();
  /** The change queued behind a batch and not started yet. */
  private queued: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly leases: LeaseCoordinator,
    private readonly source: Source,
    private readonly events: EngineEventBus,
    private readonly workerId: string,
    private readonly failoverMs: number,
    private readonly onError: (error: unknown) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastRound = now();
    // A lease asked for (a move for balance) leaves between two batches, after its checkpoint: sync does it.
    leases.handOverAskedByCaller();
  }

  async start(floor: ReadonlyMap<string, string> = new Map(), partitions?: PartitionStates, hooks: LeaseDriverHooks = {}): Promise<void> {
    this.floor = new Map(floor);
    this.partitions = partitions;
    this.hooks = hooks;
    if (hooks.gate) this.gate = hooks.gate;
    await this.round();
    this.timer = setInterval(() => void this.round(), Math.max(200, Math.floor(this.failoverMs / 3)));
    this.timer.unref();
  }

  owned(): string[] {
    return [...this.leases.owned()].sort();
  }

  /**
   * Whether our leases were renewed less than a failover time ago. After a freeze (SIGSTOP, a
   * long GC pause) they may be another's: run a round before reading anything.
   */
  current(): boolean {
    return this.now() - this.lastRound < this.failoverMs;
  }

  /**
   * Until when (on this driver's monotonic clock, by default performance.now) no other worker can
   * have taken this partition's lease: the start of the last round that renewed it plus the
   * failover time (another worker waits that long after seeing the renewal). -Infinity when not held.
   */
  validUntil(partition: string): number {
    return this.leases.owned().has(partition) ? this.lastRound + this.failoverMs : -Infinity;
  }

  /**
   * Leases a checkpoint found lost: not held from this moment (the fence drops their records from
   * the next batch on, before any state sees them), then a round.
   */
  lost(partitions: readonly string[]): Promise<void> {
    this.leases.lost(partitions);
    return this.round();
  }

  /** Reads these partitions again from their stored checkpoint (ours was refused: another worker moved it on). */
  restart(partitions: readonly string[]): Promise<void> {
    for (const p of partitions) this.stale.add(p);
    this.leases.rescan();
    return this.round();
  }

  round(): Promise<void> {
    this.running ??= (async () => {
      const started = this.now();
      try {
        const owned = await this.leases.round(this.source.partitionIds());
        const gained = [...new Set([...this.leases.gained(), ...this.stale])].filter((s) => owned.has(s));
        for (const s of gained) this.restartPending.add(s);
        this.stale.clear();
        this.lastRound = started;
        await this.apply();
        this.events.emit('lease.round', { workerId: this.workerId, owned: [...owned].sort(), gained: gained.sort() });
      } catch (error) {
        this.onError(error);
        // Self-fencing (see sync): no round renewed our leases for a failover time.
        if (this.now() - this.lastRound > this.failoverMs) await this.apply().catch(() => undefined);
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /**
   * Applies the leases held now to the source, the partitions' state and the checkpointer's pending
   * positions, through the gate (one queued change at a time: it reads the leases when it runs);
   * waits for it unless a batch is queued or running (then it follows that batch, and a round the
   * batch awaits must not wait for it).
   */
  private apply(): Promise<void> {
    this.queued ??= this.gate.run(async () => {
      this.queued = undefined;
      await this.sync();
    });
    const done = this.queued;
    if (!this.gate.busy) return done;
    done.catch((error: unknown) => this.onError(error));
    return Promise.resolve();
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    // Self-fencing: no round renewed our leases for a failover time; others may hold them.
    const fenced = this.now() - this.lastRound > this.failoverMs;
    // Leases other workers asked for: every batch before this point is written and checkpointed, so
    // the asker reads on from where we stopped (nothing read twice), as after a clean stop's handoff.
    if (!fenced && this.leases.asked().size > 0) {
      const started = this.now();
      // With a checkpoint interval the last batches' positions may not be committed yet.
      await this.hooks.flush?.();
      for (const r of await this.leases.handOverAsked()) this.events.emit('lease.handoff', { workerId: this.workerId, shard: r.shardId, to: r.to ?? null, ms: Math.round(this.now() - started), reason: 'balance' });
    }
    const owned = fenced ? new Set<string>() : new Set(this.leases.owned());
    // Every partition whose state is loaded now is read from the checkpoint that state is as of.
    const fresh = new Set([...owned].filter((s) => !this.held.has(s) || this.restartPending.has(s)));
    this.restartPending.clear();
    const cps = new Map(this.leases.all().map((l) => [l.shardId, latest(l.checkpoint ?? '', this.floor.get(l.shardId) ?? '')]));
    const gone = [...this.held].filter((s) => !owned.has(s) || fresh.has(s));
    if (this.partitions?.active) {
      this.partitions.drop(gone);
      // Gained: state as of the checkpoint it was committed with, and reading resumes right after it.
      const loaded = await this.partitions.ensure(fresh);
      for (const [s, cp] of loaded) if (cp) cps.set(s, cp);
    }
    const reset = [...new Set([...gone, ...fresh])];
    if (reset.length > 0) this.hooks.reset?.(reset, new Map([...fresh].map((s) => [s, cps.get(s) ?? ''])));
    this.held = owned;
    await this.source.assign?.(owned, fenced ? new Map() : cps, fresh);
  }

  /** Stops the rounds (waiting for one in flight). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
    this.stopped = true;
  }

  /** Hands the leases back so other workers need not wait for the failover time. */
  async release(): Promise<void> {
    await this.leases.release().catch(() => undefined);
  }

  /**
   * Clean stop (after the final checkpoint): with `named`, hands each lease to the least loaded
   * live worker, which takes it at its next round; what cannot be handed within half the failover
   * time is released. Without, releases them all. Each lease's fate is a `lease.handoff` event.
   */
  async handOver(named: boolean): Promise<void> {
    if (!named) return this.release();
    const started = this.now();
    const results = await this.leases.handoff(this.failoverMs / 2).catch(() => []);
    for (const r of results) this.events.emit('lease.handoff', { workerId: this.workerId, shard: r.shardId, to: r.to ?? null, ms: Math.round(this.now() - started), reason: 'stop' });
  }
}

/** The later of two checkpoints ('' = none). */
function latest(a: string, b: string): string {
  if (!a || !b) return a || b;
  if (a === SHARD_END || b === SHARD_END) return SHARD_END;
  return compareSequence(a, b) >= 0 ? a : b;
}
