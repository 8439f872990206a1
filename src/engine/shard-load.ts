import type { EngineEventBus } from './events.js';

/**
 * Records per second each shard delivers to this worker, smoothed over about `windowMs` (an
 * exponential average of each batch's count over the time since the previous batch). The lease
 * coordinator publishes it in each lease at renewal (`shardLoad`), and balance by load reads it.
 */
export class ShardLoadMeter {
  private readonly rates = new Map<string, number>();
  private last: number | undefined;
  private readonly off: () => void;

  constructor(
    events: EngineEventBus,
    private readonly windowMs = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.off = events.on('batch.end', (b) => this.observe(b.byShard));
  }

  /** One batch's records per shard, counted since the previous batch. */
  observe(byShard: Readonly<Record<string, { records: number }>>): void {
    const now = this.now();
    const last = this.last;
    this.last = now;
    if (last === undefined || now <= last) return;
    const seconds = (now - last) / 1000;
    const alpha = 1 - Math.exp(-(now - last) / this.windowMs);
    for (const shard of new Set([...this.rates.keys(), ...Object.keys(byShard)])) {
      const rate = this.rates.get(shard) ?? 0;
      this.rates.set(shard, rate + alpha * ((byShard[shard]?.records ?? 0) / seconds - rate));
    }
  }

  /** Records per second of `shard` (0 when unknown). */
  loadOf(shard: string): number {
    return this.rates.get(shard) ?? 0;
  }

  close(): void {
    this.off();
  }
}
