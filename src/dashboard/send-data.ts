import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { z } from 'zod';
import { SluiceError } from '../errors.js';
import { generate, type GenerateProgress } from '../generator/index.js';
import { compileTemplate } from '../generator/template.js';
import { KinesisProducer } from '../kinesis/producer.js';

/** The Kinesis Data Generator's form. */
export const sendRequestSchema = z
  .object({
    templates: z.array(z.string().min(1).max(10_000)).min(1).max(5),
    ratePerSecond: z.number().positive().max(10_000),
    count: z.number().int().positive().max(10_000_000).optional(),
    durationSeconds: z.number().positive().max(24 * 3600).optional(),
    partitionKey: z.string().min(1).max(256).default('random'),
  })
  .strict()
  .refine((r) => r.count !== undefined || r.durationSeconds !== undefined, { message: 'give count or durationSeconds (how long to send)' });

export type SendRequest = z.input<typeof sendRequestSchema>;

export interface SendStatus {
  running: boolean;
  stream: string;
  templates: number;
  generated: number;
  sent: number;
  failed: number;
  ratePerSecond: number;
  elapsedMs: number;
  target: { count?: number; durationSeconds?: number };
  error?: string;
  failuresByCode?: Record<string, number>;
}

/**
 * "Send data" from the page: the same generator and producer as `sluice produce`, one job at a
 * time; several templates split the rate evenly (KDG sends each template's records in turn).
 */
export class SendDataJobs {
  private abort: AbortController | undefined;
  private status: SendStatus | undefined;
  private readonly listeners = new Set<(s: SendStatus) => void>();

  constructor(private readonly kinesis: KinesisClient, private readonly stream: string) {}

  start(body: unknown): SendStatus {
    if (this.abort) throw new SluiceError('a send is already running; stop it first', { domain: 'user', code: 'SendRunning' });
    const parsed = sendRequestSchema.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new SluiceError(`Invalid ${issue.path.join('.') || 'request'}: ${issue.message}`, { domain: 'user', code: 'InvalidOption' });
    }
    const req = parsed.data;
    const compiled = req.templates.map((t, i) => {
      try {
        return compileTemplate(t);
      } catch (error) {
        throw new SluiceError(`Invalid templates[${i}]: ${(error as Error).message}`, { domain: 'user', code: 'InvalidOption', cause: error });
      }
    });
    const abort = new AbortController();
    this.abort = abort;
    const producer = new KinesisProducer(this.kinesis, this.stream, { concurrency: 2, signal: abort.signal });
    const share = req.ratePerSecond / compiled.length;
    const progress: GenerateProgress[] = compiled.map(() => ({ generated: 0, sent: 0, failed: 0, elapsedMs: 0, ratePerSecond: 0 }));
    const target = { ...(req.count !== undefined ? { count: req.count } : {}), ...(req.durationSeconds !== undefined ? { durationSeconds: req.durationSeconds } : {}) };
    const update = (running: boolean, extra: Partial<SendStatus> = {}) => {
      this.status = {
        running,
        stream: this.stream,
        templates: compiled.length,
        generated: sum(progress, 'generated'),
        sent: sum(progress, 'sent'),
        failed: sum(progress, 'failed'),
        ratePerSecond: sum(progress, 'ratePerSecond'),
        elapsedMs: Math.max(...progress.map((p) => p.elapsedMs)),
        target,
        ...extra,
      };
      for (const l of this.listeners) l(this.status);
    };
    update(true);
    let last = 0;
    void Promise.all(
      compiled.map((template, i) => {
        // Counts split so that their total is exactly `count`.
        const count = req.count === undefined ? undefined : Math.floor(req.count / compiled.length) + (i < req.count % compiled.length ? 1 : 0);
        if (count === 0) return Promise.resolve(undefined);
        return generate({
          template,
          rate: share,
          ...(count !== undefined ? { count } : {}),
          ...(req.durationSeconds !== undefined ? { durationMs: req.durationSeconds * 1000 } : {}),
          partitionKey: req.partitionKey,
          producer,
          signal: abort.signal,
          onProgress: (p) => {
            progress[i] = p;
            if (Date.now() - last >= 250) {
              last = Date.now();
              update(true);
            }
          },
        });
      }),
    )
      .then((summaries) => {
        const failuresByCode: Record<string, number> = {};
        for (const s of summaries) for (const [code, n] of Object.entries(s?.failuresByCode ?? {})) failuresByCode[code] = (failuresByCode[code] ?? 0) + n;
        summaries.forEach((s, i) => {
          if (s) progress[i] = s;
        });
        update(false, { failuresByCode });
      })
      .catch((error: unknown) => update(false, { error: (error as Error).message }))
      .finally(() => {
        producer.close();
        this.abort = undefined;
      });
    return this.status!;
  }

  stop(): SendStatus | undefined {
    this.abort?.abort();
    return this.status;
  }

  current(): SendStatus | undefined {
    return this.status;
  }

  onStatus(listener: (s: SendStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.abort?.abort();
    this.listeners.clear();
  }
}

function sum(progress: readonly GenerateProgress[], key: 'generated' | 'sent' | 'failed' | 'ratePerSecond'): number {
  return progress.reduce((a, p) => a + p[key], 0);
}
