import { describe, expect, it } from 'vitest';
import { BatchGate } from './batch-gate.js';

/** A promise and the function that settles it. */
function latch(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('BatchGate, batches in two stages', () => {
  it('the next batch prepares while the one before writes; writes run in batch order, a change after both', async () => {
    const gate = new BatchGate();
    const log: string[] = [];
    const firstWrite = latch();
    const a = gate.pipelined(async () => {
      log.push('prepare 1');
      return async () => {
        log.push('write 1 starts');
        await firstWrite.promise;
        log.push('write 1 ends');
      };
    });
    await a.prepared;
    const b = gate.pipelined(async () => {
      log.push('prepare 2');
      return async () => void log.push('write 2');
    });
    await b.prepared;
    const change = gate.run(async () => void log.push('change'));
    // A third batch prepares only after the first has ended (at most one batch waits to write).
    const c = gate.pipelined(async () => {
      log.push('prepare 3');
      return async () => void log.push('write 3');
    });
    await tick();
    expect(log).toEqual(['prepare 1', 'write 1 starts', 'prepare 2']);
    expect(gate.busy).toBe(true);
    firstWrite.open();
    await Promise.all([a.done, b.done, change, c.done]);
    expect(log).toEqual(['prepare 1', 'write 1 starts', 'prepare 2', 'write 1 ends', 'write 2', 'change', 'prepare 3', 'write 3']);
    expect(gate.busy).toBe(false);
  });

  it('a batch queued behind one whose write fails neither writes nor lets a later one write; the failure is kept', async () => {
    const gate = new BatchGate();
    const writes: number[] = [];
    const failing = latch();
    const a = gate.pipelined(async () => async () => {
      await failing.promise;
      throw new Error('sink down');
    });
    await a.prepared;
    const b = gate.pipelined(async () => async () => void writes.push(2));
    await b.prepared;
    failing.open();
    await expect(a.done).rejects.toThrow('sink down');
    await expect(b.done).rejects.toThrow('sink down');
    expect(writes).toEqual([]);
    expect((gate.failure?.error as Error).message).toBe('sink down');
    await gate.idle();
    expect(gate.busy).toBe(false);
  });

  it('a batch in one stage starts once everything queued before it has ended', async () => {
    const gate = new BatchGate();
    const log: string[] = [];
    const write = latch();
    const a = gate.pipelined(async () => async () => {
      await write.promise;
      log.push('write 1');
    });
    await a.prepared;
    const b = gate.batch(async () => void log.push('batch 2'));
    await tick();
    expect(log).toEqual([]);
    write.open();
    await b;
    expect(log).toEqual(['write 1', 'batch 2']);
  });
});
