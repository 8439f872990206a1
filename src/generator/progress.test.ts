import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressReporter } from './progress.js';

const p = (sent: number, elapsedMs: number) => ({ generated: sent, sent, failed: 1, elapsedMs, ratePerSecond: (sent * 1000) / elapsedMs });

function capture(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  let out = '';
  stream.on('data', (d: Buffer) => (out += d.toString()));
  return { stream, text: () => out };
}

describe('createProgressReporter', () => {
  it('prints a plain line at most every interval when not a TTY, and a final line once', async () => {
    const { stream, text } = capture(false);
    let now = 0;
    const r = createProgressReporter({ stream, intervalMs: 5000, now: () => now });
    now = 1000;
    r.update(p(100, 1000));
    now = 5000;
    r.update(p(500, 5000));
    now = 7000;
    r.update(p(700, 7000));
    r.close({ ...p(800, 8000), failuresByCode: {} });
    r.close({ ...p(800, 8000), failuresByCode: {} });
    await new Promise((res) => setImmediate(res));
    expect(text()).toBe('produce: 500 sent, 1 failed, 100.0 records/s, 5.0s elapsed\nproduce: done: 800 sent, 1 failed, 100.0 records/s, 8.0s elapsed\n');
  });

  it('draws a bar on a TTY', async () => {
    const { stream, text } = capture(true);
    const r = createProgressReporter({ stream, total: 1000 });
    r.update(p(250, 1000));
    r.close({ ...p(1000, 4000), failuresByCode: {} });
    r.close();
    await new Promise((res) => setImmediate(res));
    expect(text()).toContain('100% | 1000/1000 sent | 250.0/s | 1 failed');
  });
});
