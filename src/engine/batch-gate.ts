/**
 * Orders batches and changes to what a worker reads (leases gained, lost or restarted) so that
 * neither runs inside the other: a shard's state is never swapped while a batch is adding that
 * shard's records to it, and positions a batch took are never committed with state loaded after
 * it. Tasks run one at a time, in the order they were queued.
 */
export class BatchGate {
  private tail: Promise<unknown> = Promise.resolve();
  private batches = 0;

  /** Runs `f` once everything queued before it has ended. */
  run<T>(f: () => Promise<T>): Promise<T> {
    const out = this.tail.then(f, f);
    this.tail = out.catch(() => undefined);
    return out;
  }

  /** Runs a batch (see {@link busy}). */
  batch<T>(f: () => Promise<T>): Promise<T> {
    this.batches++;
    const out = this.run(f);
    void out.then(
      () => this.batches--,
      () => this.batches--,
    );
    return out;
  }

  /**
   * Whether a batch is queued or running. A task queued now runs after it, so what such a batch
   * may await (a lease round the sink fence asks for) must not wait for that task.
   */
  get busy(): boolean {
    return this.batches > 0;
  }
}
