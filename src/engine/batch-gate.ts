/**
 * Orders batches and changes to what a worker reads (leases gained, lost or restarted) so that
 * neither runs inside the other: a shard's state is never swapped while a batch is adding that
 * shard's records to it, and positions a batch took are never committed with state loaded after
 * it. Changes ({@link run}) run one at a time, in the order they were queued, each after every
 * batch queued before it has ended, written and checkpointed.
 *
 * A batch may run in two stages ({@link pipelined}): it prepares (reads, processes, updates state), then
 * writes (sinks, checkpoint). The next batch may prepare while the one before it writes, never
 * sooner: preparations run in batch order, writes in batch order, and a batch's write starts only
 * once the write before it succeeded.
 */
export class BatchGate {
  /** When everything queued so far has ended. */
  private tail: Promise<unknown> = Promise.resolve();
  /** When the next batch may start preparing: the last batch prepared, and all before it ended. */
  private next: Promise<unknown> = Promise.resolve();
  /** The last batch's end (rejected if it failed), while it may still be running. */
  private last: Promise<unknown> = Promise.resolve();
  private batches = 0;
  /** The first failure of a batch queued with {@link pipelined}, if any. */
  failure: { error: unknown } | undefined;

  /** Runs `f` once everything queued before it has ended. */
  run<T>(f: () => Promise<T>): Promise<T> {
    const out = this.tail.then(f, f);
    this.tail = this.next = out.catch(() => undefined);
    return out;
  }

  /** Runs a batch in one stage: `f` starts once everything queued before it has ended. */
  batch<T>(f: () => Promise<T>): Promise<T> {
    return this.pipelined(async () => f).done;
  }

  /**
   * Queues a batch in two stages: `prepare` starts once the batch before it has prepared and
   * everything queued before that has ended; the stage it returns starts once everything queued before this batch
   * has ended, and not at all if the batch before it failed. `prepared` settles when the first
   * stage does, `done` when the batch has ended (with the second stage's result).
   */
  pipelined<T>(prepare: () => Promise<() => Promise<T>>): { prepared: Promise<void>; done: Promise<T> } {
    this.batches++;
    const before = this.tail;
    const previous = this.last;
    const stage = this.next.then(prepare);
    const done = stage.then(async (write) => {
      await before;
      await previous; // a failed write before this one: this one must not write (or checkpoint) past it
      return write();
    });
    // First to hear of it (before `last` is let go below): a caller that queues the next batch
    // after this one failed sees `failure`; one that queued it before, sees that batch fail.
    done.catch((error: unknown) => (this.failure ??= { error }));
    const ended = done.finally(() => this.batches--);
    this.last = ended;
    this.tail = ended.catch(() => undefined);
    // Once it has ended, a failed batch no longer stops those queued after it (a later step).
    void this.tail.then(() => {
      if (this.last === ended) this.last = Promise.resolve();
    });
    this.next = Promise.all([stage, before]).catch(() => undefined);
    const prepared = stage.then(() => undefined);
    prepared.catch(() => undefined); // a caller that awaits only `done` hears of a failure there
    return { prepared, done };
  }

  /** Resolves once everything queued so far has ended. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }

  /**
   * Whether a batch is queued or running (either stage). A task queued now runs after it, so what
   * such a batch may await (a lease round the sink fence asks for) must not wait for that task.
   */
  get busy(): boolean {
    return this.batches > 0;
  }
}
