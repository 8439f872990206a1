import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { awsEvents } from '../aws/aws-events.js';
import type { EngineEventBus } from '../engine/events.js';
import type { Lease } from '../checkpoint/leases.js';

export interface PipelineMetricsOptions {
  events: EngineEventBus;
  /** Labels every series carries (`app`, `stream`). */
  app: string;
  stream: string;
  /** The lease table as last read, for `sluice_leases{worker}` (any worker's view). */
  leases?: () => readonly Lease[];
  /** Adds Node's process metrics (CPU, memory, event-loop lag). Default true. */
  processMetrics?: boolean;
}

/**
 * Prometheus series for one pipeline, fed only by the engine's events and the process-wide AWS
 * retry notices (prom-client does the exposition format). One registry per pipeline, not the
 * global one, so two pipelines in one process (tests) do not mix.
 */
export class PipelineMetrics {
  readonly registry = new Registry();
  private readonly lastCommit = new Map<string, number>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(o: PipelineMetricsOptions) {
    const r = this.registry;
    r.setDefaultLabels({ app: o.app, stream: o.stream });
    // Event-loop lag sampled every 100 ms, not prom-client's default 10 ms: a timer 100 times a second costs the pipeline CPU.
    if (o.processMetrics ?? true) collectDefaultMetrics({ register: r, prefix: 'sluice_process_', eventLoopMonitoringPrecision: 100 });
    const records = new Counter({ name: 'sluice_records_in_total', help: 'Records read from Kinesis and handed to a batch', registers: [r] });
    const shardRecords = new Counter({ name: 'sluice_shard_records_in_total', help: 'Records read from each shard and handed to a batch', labelNames: ['shard'], registers: [r] });
    const shardBytes = new Counter({ name: 'sluice_shard_bytes_in_total', help: 'Payload bytes read from each shard and handed to a batch', labelNames: ['shard'], registers: [r] });
    const rows = new Counter({ name: 'sluice_rows_decoded_total', help: 'Records that decoded into rows', registers: [r] });
    const deadLetters = new Counter({ name: 'sluice_dead_letters_total', help: 'Records sent to the dead-letter destination (decode, operator or sink refusals)', registers: [r] });
    const deadLettersWritten = new Counter({ name: 'sluice_dead_letters_written_total', help: 'Items written to the dead-letter table', registers: [r] });
    const batches = new Counter({ name: 'sluice_batches_total', help: 'Micro-batches run', labelNames: ['fired'], registers: [r] });
    const batchDuration = new Histogram({
      name: 'sluice_batch_duration_seconds',
      help: 'Processing time of one micro-batch: decode, operators, window, SQL, sinks, checkpoint',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [r],
    });
    const schedulingDelay = new Histogram({
      name: 'sluice_batch_scheduling_delay_seconds',
      help: 'Time from a batch being due to its processing starting',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
      registers: [r],
    });
    const outputRows = new Counter({ name: 'sluice_output_rows_total', help: "Rows each output's SQL returned when the window fired", labelNames: ['output'], registers: [r] });
    const sinkRows = new Counter({ name: 'sluice_sink_rows_total', help: 'Rows a sink handled, by result (written, skipped as duplicates, failed to dead letters)', labelNames: ['sink', 'result'], registers: [r] });
    const sinkDuration = new Histogram({ name: 'sluice_sink_flush_duration_seconds', help: 'Time one sink write took', labelNames: ['sink'], buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [r] });
    const checkpoints = new Counter({ name: 'sluice_checkpoints_total', help: 'Checkpoint commits', registers: [r] });
    const checkpointDuration = new Histogram({ name: 'sluice_checkpoint_duration_seconds', help: 'Time one checkpoint commit took', buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers: [r] });
    const lastCommit = this.lastCommit;
    new Gauge({
      name: 'sluice_checkpoint_age_seconds',
      help: "Seconds since this worker last checkpointed each shard",
      labelNames: ['shard'],
      registers: [r],
      collect() {
        this.reset();
        const now = Date.now();
        for (const [shard, at] of lastCommit) this.set({ shard }, (now - at) / 1000);
      },
    });
    const millisBehind = new Gauge({ name: 'sluice_shard_millis_behind_latest', help: 'MillisBehindLatest the service reported for the last GetRecords of each shard this worker reads', labelNames: ['shard'], registers: [r] });
    const arrivalLag = new Gauge({ name: 'sluice_shard_arrival_lag_seconds', help: 'Age of the newest record of the last non-empty read, per shard', labelNames: ['shard'], registers: [r] });
    const buffered = new Gauge({ name: 'sluice_shard_buffered_records', help: 'Records read but not yet taken by a batch, per shard', labelNames: ['shard'], registers: [r] });
    const retries = new Counter({ name: 'sluice_aws_retries_total', help: 'AWS calls retried after a retriable error, by service, operation and error', labelNames: ['service', 'operation', 'error'], registers: [r] });
    const throttles = new Counter({ name: 'sluice_aws_throttles_total', help: 'AWS calls throttled (then retried), by service and operation', labelNames: ['service', 'operation'], registers: [r] });
    const consumerErrors = new Counter({ name: 'sluice_consumer_errors_total', help: 'Errors the consumer reported (and retried or stopped on)', registers: [r] });
    const checkpointsRefused = new Counter({ name: 'sluice_checkpoints_refused_total', help: 'Shard checkpoints the table refused although this worker held the lease (another worker had checkpointed further): read again from the stored one', registers: [r] });
    const leasesLost = new Counter({ name: 'sluice_leases_lost_total', help: 'Leases this worker lost to another worker at checkpoint time', registers: [r] });
    const leasesOwned = new Gauge({ name: 'sluice_leases_owned', help: 'Leases this worker held after its last lease round', labelNames: ['worker'], registers: [r] });
    const leaseView = o.leases;
    new Gauge({
      name: 'sluice_leases',
      help: 'Leases held per worker, as the lease table says (every worker of the app, seen from this one)',
      labelNames: ['worker'],
      registers: [r],
      collect() {
        if (!leaseView) return;
        this.reset();
        const counts = new Map<string, number>();
        for (const l of leaseView()) if (l.owner && l.checkpoint !== 'SHARD_END') counts.set(l.owner, (counts.get(l.owner) ?? 0) + 1);
        for (const [worker, n] of counts) this.set({ worker }, n);
      },
    });

    const ev = o.events;
    this.unsubscribe.push(
      ev.on('batch.end', (b) => {
        records.inc(b.records);
        for (const [shard, v] of Object.entries(b.byShard)) {
          shardRecords.inc({ shard }, v.records);
          shardBytes.inc({ shard }, v.bytes);
        }
        rows.inc(b.rows);
        deadLetters.inc(b.deadLetters);
        batches.inc({ fired: String(b.fired) });
        batchDuration.observe(b.durationMs / 1000);
        schedulingDelay.observe(Math.max(0, Date.now() - b.durationMs - b.batchTime.getTime()) / 1000);
        for (const [output, n] of Object.entries(b.outputs)) outputRows.inc({ output }, n);
      }),
      ev.on('sink.flush', (f) => {
        sinkRows.inc({ sink: f.sink, result: 'written' }, f.written);
        sinkRows.inc({ sink: f.sink, result: 'skipped' }, f.skipped);
        sinkRows.inc({ sink: f.sink, result: 'failed' }, f.failed);
        sinkDuration.observe({ sink: f.sink }, f.durationMs / 1000);
      }),
      ev.on('deadletter.flush', (d) => deadLettersWritten.inc(d.written)),
      ev.on('checkpoint.commit', (c) => {
        checkpoints.inc();
        checkpointDuration.observe(c.durationMs / 1000);
        const now = Date.now();
        for (const shard of Object.keys(c.shards)) lastCommit.set(shard, now);
      }),
      ev.on('shard.lag', (l) => {
        millisBehind.reset();
        arrivalLag.reset();
        buffered.reset();
        for (const s of l.shards) {
          millisBehind.set({ shard: s.shardId }, s.millisBehindLatest);
          arrivalLag.set({ shard: s.shardId }, s.arrivalLagMs / 1000);
          buffered.set({ shard: s.shardId }, s.buffered);
        }
      }),
      ev.on('consumer.error', () => consumerErrors.inc()),
      ev.on('lease.round', (l) => {
        leasesOwned.reset();
        leasesOwned.set({ worker: l.workerId }, l.owned.length);
      }),
      ev.on('lease.lost', (l) => leasesLost.inc(l.shards.length)),
      ev.on('checkpoint.refused', (c) => checkpointsRefused.inc(Object.keys(c.shards).length)),
      awsEvents.on('aws.retry', (a) => {
        retries.inc({ service: a.service, operation: a.operation, error: a.errorName });
        if (a.throttled) throttles.inc({ service: a.service, operation: a.operation });
      }),
    );
  }

  /** The exposition text for `GET /metrics`. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    for (const u of this.unsubscribe.splice(0)) u();
    this.registry.clear();
  }
}
