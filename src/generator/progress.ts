import { Presets, SingleBar } from 'cli-progress';
import type { GenerateProgress, GenerateSummary } from './generate.js';

export interface ProgressReporterOptions {
  /** Records expected in all, when known (a count, or rate x duration); draws a bar with a percentage. */
  total?: number;
  /** Default `process.stderr`. A bar is drawn only when `isTTY`; otherwise a plain line every `intervalMs`. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Default 5000. */
  intervalMs?: number;
  /** Clock for the line interval, in ms. Default `Date.now`. */
  now?: () => number;
}

export interface ProgressReporter {
  update(progress: GenerateProgress): void;
  /** Stops the bar (or prints a last line) with the summary. Safe to call twice. */
  close(summary?: GenerateSummary): void;
}

export function formatProgressLine(p: GenerateProgress): string {
  return `${p.sent} sent, ${p.failed} failed, ${p.ratePerSecond.toFixed(1)} records/s, ${(p.elapsedMs / 1000).toFixed(1)}s elapsed`;
}

/** The progress display `sluice produce` and `sluice demo` use. */
export function createProgressReporter(options: ProgressReporterOptions = {}): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  let closed = false;
  if (stream.isTTY) {
    const known = options.total !== undefined && options.total > 0;
    const bar = new SingleBar(
      {
        stream: stream as NodeJS.WriteStream,
        format: known
          ? 'produce [{bar}] {percentage}% | {value}/{total} sent | {rate}/s | {failed} failed'
          : 'produce {value} sent | {rate}/s | {failed} failed',
        hideCursor: true,
        etaBuffer: 50,
      },
      Presets.shades_classic,
    );
    bar.start(known ? (options.total as number) : 0, 0, { rate: '0.0', failed: 0 });
    return {
      update(p) {
        if (!closed) bar.update(p.sent, { rate: p.ratePerSecond.toFixed(1), failed: p.failed });
      },
      close(summary) {
        if (closed) return;
        closed = true;
        if (summary) bar.update(summary.sent, { rate: summary.ratePerSecond.toFixed(1), failed: summary.failed });
        bar.stop();
      },
    };
  }
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 5000;
  let lastPrint = now();
  return {
    update(p) {
      if (closed || now() - lastPrint < intervalMs) return;
      lastPrint = now();
      stream.write(`produce: ${formatProgressLine(p)}\n`);
    },
    close(summary) {
      if (closed) return;
      closed = true;
      if (summary) stream.write(`produce: done: ${formatProgressLine(summary)}\n`);
    },
  };
}
