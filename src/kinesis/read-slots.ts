/**
 * A bound on the GetRecords calls in flight across one source's shard readers, first come first
 * served. Without it, 256 readers queue their calls inside the HTTP agent (50 sockets), and a call
 * that waits there for a socket longer than the connection timeout (5 s) fails as a timeout; a
 * reader waiting here for a slot has sent nothing, so nothing times out.
 */
export class ReadSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    this.free = size;
  }

  /** Resolves once a slot is held; give it back with {@link release}. */
  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}
