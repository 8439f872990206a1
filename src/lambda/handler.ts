import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamStateResponse, KinesisStreamTumblingWindowEvent } from 'aws-lambda';
import { createAwsClients, type AwsClients, type AwsConnection } from '../aws/clients.js';
import { DynamoCheckpointStore } from '../checkpoint/dynamodb-store.js';
import type { Operator } from '../core/operator.js';
import type { Sink } from '../core/sink.js';
import { StreamingQuery } from '../engine/streaming-query.js';
import { SluiceError } from '../errors.js';
import type { PipelineConfig, PipelineConfigInput } from '../pipeline/config.js';
import { createOperators } from '../pipeline/operators.js';
import { loadPipelineFile, parsePipelineConfig } from '../pipeline/validate.js';
import { createSink } from '../sinks/registry.js';
import { SqlEngine } from '../sql/engine.js';
import { EventSource } from './event-source.js';
import { toSourceRecords } from './records.js';
import { planForLambda, type SkippedOutput } from './plan.js';
import { LambdaStateStore } from './state-store.js';
import { checkStateSize, combinePlan, TumblingSink, type Combine, type WindowState } from './tumbling.js';

export type LambdaEvent = KinesisStreamEvent | KinesisStreamTumblingWindowEvent;
export type LambdaResult = KinesisStreamBatchResponse | KinesisStreamStateResponse;

export interface HandlerOptions {
  /** AWS clients for sinks, dead letters and operator state. Default: from the Lambda environment (region, role). */
  clients?: AwsClients;
  /** Operators instead of those `config.operators` describes (built once per container). */
  operators?: () => Operator[];
  /** Where console sinks and errors print. Default: stdout / stderr (CloudWatch Logs). */
  out?: (text: string) => void;
  /** Outputs `sluice lambda package` left out of the config (they need a window): said at each cold start. */
  skipped?: readonly SkippedOutput[];
}

/** A Lambda handler for Kinesis events, plus `close()` to release the warm query (tests, `sluice lambda invoke`). */
export interface SluiceHandler {
  (event: LambdaEvent): Promise<LambdaResult>;
  close(): Promise<void>;
  /** The warm query's totals, for tests and the local driver. */
  readonly totals: { invocations: number; records: number; failures: number; coldStarts: number };
}

/**
 * The connection on Lambda: region and credentials from the function's environment (the SDK's
 * chain); endpoints only when the standard `AWS_ENDPOINT_URL_*` variables say so (local testing).
 */
function connectionFromEnv(): AwsConnection {
  const env = process.env;
  const dynamodb = env.AWS_ENDPOINT_URL_DYNAMODB ?? env.AWS_ENDPOINT_URL;
  const kinesis = env.AWS_ENDPOINT_URL_KINESIS ?? env.AWS_ENDPOINT_URL;
  return { ...(dynamodb ? { dynamodbEndpoint: dynamodb } : {}), ...(kinesis ? { kinesisEndpoint: kinesis } : {}) };
}

function resolveConfig(pipeline: PipelineConfig | PipelineConfigInput | string): PipelineConfig {
  return typeof pipeline === 'string' ? loadPipelineFile(pipeline) : parsePipelineConfig(pipeline);
}

/** One warm pipeline per container: built on the first invocation, rebuilt after a failed one. */
class WarmQuery {
  private constructor(
    readonly query: StreamingQuery,
    readonly source: EventSource,
    readonly tumbling: TumblingSink[],
    /** The pipeline as it runs here: no window, only the outputs that run on Lambda. */
    readonly config: PipelineConfig,
  ) {}

  static async create(pipeline: PipelineConfig, clients: AwsClients, options: HandlerOptions, combines: Map<string, readonly Combine[]>, err: (text: string) => void): Promise<WarmQuery> {
    const operators = options.operators ? options.operators() : await createOperators(pipeline.operators);
    // A pipeline window: its incremental outputs run per invocation, the others are skipped (said once per container).
    let config = pipeline;
    let skipped = options.skipped ?? [];
    if (pipeline.window.kind !== 'none') {
      const plan = await planForLambda(pipeline, operators);
      config = plan.config;
      skipped = [...skipped, ...plan.skipped];
    }
    for (const s of skipped) err(`sluice: output ${s.output} is skipped on Lambda: ${s.reason}\n`);
    const stateful = operators.some((op) => op.onCheckpoint ?? op.snapshotPartition);
    const store = new LambdaStateStore(
      stateful ? new DynamoCheckpointStore({ dynamodb: clients.dynamodb, appName: config.app, streamName: config.source.stream, workerId: 'lambda', leased: false }) : undefined,
    );
    const sinks: Record<string, Sink> = {};
    const tumbling: TumblingSink[] = [];
    for (const o of config.outputs) {
      const inner = await createSink(o.sink, { clients, name: o.name, ...(options.out ? { out: options.out } : {}) });
      const t = new TumblingSink(inner, o.name, () => combines.get(o.name));
      tumbling.push(t);
      sinks[o.name] = t;
    }
    const source = new EventSource();
    const query = new StreamingQuery({ config, clients, operators, source, leases: false, sinks, checkpointStore: store, clock: 'manual', workerId: 'lambda' });
    await query.start();
    return new WarmQuery(query, source, tumbling, config);
  }
}

/**
 * Builds a handler for the Kinesis event source mapping from a pipeline (a file path, or the
 * config `sluice run` takes). Each invocation is one micro-batch through the same decode,
 * operators, SQL and sinks as `sluice run`; the query stays warm across invocations of a container.
 *
 * Returns `batchItemFailures` (ReportBatchItemFailures): when the batch's outputs could not all be
 * made durable, the first record of the event, so the ESM retries the event from there (nothing is
 * known durable before it). Records that do not decode go to the dead-letter table and are not
 * failures. With `TumblingWindowInSeconds`, GROUP BY outputs are combined in the event's `state`
 * and written on the window's final invocation. A pipeline `window:` is not kept: outputs planned
 * incremental run per invocation, the others are skipped and said at the cold start (docs/lambda.md).
 *
 * @example
 * // index.mjs of the function (`sluice lambda package` writes one with the pipeline inlined):
 * // import { createHandler } from 'sluice/lambda'; export const handler = createHandler('./pipeline.yaml');
 * const handler = createHandler('./pipeline.yaml');
 * const { batchItemFailures } = await handler({ Records: [] });
 */
export function createHandler(pipeline: PipelineConfig | PipelineConfigInput | string, options: HandlerOptions = {}): SluiceHandler {
  const config = resolveConfig(pipeline);
  const err = (text: string) => (options.out ?? ((t: string) => process.stderr.write(t)))(text);
  let clients = options.clients;
  let warm: Promise<WarmQuery> | undefined;
  let combines: Promise<Map<string, readonly Combine[]>> | undefined;
  const totals = { invocations: 0, records: 0, failures: 0, coldStarts: 0 };

  // How each GROUP BY output combines across a tumbling window's invocations (parsed once, on the first tumbling event).
  const combinePlans = (running: PipelineConfig): Promise<Map<string, readonly Combine[]>> =>
    (combines ??= (async () => {
      const sql = await SqlEngine.create();
      try {
        const out = new Map<string, readonly Combine[]>();
        for (const o of running.outputs) {
          const plan = await combinePlan(sql, o.name, o.sql);
          if (plan) out.set(o.name, plan);
        }
        return out;
      } finally {
        sql.close();
      }
    })());
  const active = new Map<string, readonly Combine[]>();

  const discard = async () => {
    const w = warm;
    warm = undefined;
    if (w) await (await w.catch(() => undefined))?.query.stop('invocation failed').catch(() => undefined);
  };

  // Lambda never runs two invocations at once in a container; a caller that does (a local driver,
  // a test) gets them one after another, as they share the warm query.
  let turn: Promise<unknown> = Promise.resolve();
  const handler = (event: LambdaEvent): Promise<LambdaResult> => {
    const run = turn.then(() => invoke(event));
    turn = run.catch(() => undefined);
    return run;
  };
  const invoke = async (event: LambdaEvent): Promise<LambdaResult> => {
    totals.invocations++;
    const records = Array.isArray(event?.Records) ? event.Records : [];
    const tumblingEvent = 'window' in event && event.window ? (event as KinesisStreamTumblingWindowEvent) : undefined;
    if (!warm) {
      totals.coldStarts++;
      clients ??= createAwsClients(connectionFromEnv());
      warm = WarmQuery.create(config, clients, options, active, err);
    }
    let w: WarmQuery;
    try {
      w = await warm;
    } catch (error) {
      warm = undefined;
      throw error;
    }
    // Tumbling state: this window's partials so far (state of an earlier window is not merged).
    let state: WindowState | undefined;
    active.clear();
    if (tumblingEvent) {
      for (const [k, v] of await combinePlans(w.config)) active.set(k, v);
      const given = tumblingEvent.state as Partial<WindowState> | undefined;
      state = given && given.window === tumblingEvent.window.start && given.outputs ? structuredClone(given as WindowState) : { window: tumblingEvent.window.start, outputs: {} };
      for (const t of w.tumbling) t.current = { state, final: tumblingEvent.isFinalInvokeForWindow };
    } else {
      for (const t of w.tumbling) t.current = undefined;
    }
    const failed = (): LambdaResult => {
      totals.failures++;
      const first = records[0]?.kinesis.sequenceNumber;
      const batchItemFailures = first ? [{ itemIdentifier: first }] : [];
      return tumblingEvent ? { state: tumblingEvent.state ?? {}, batchItemFailures } : { batchItemFailures };
    };
    try {
      w.source.load(toSourceRecords(records));
      totals.records += w.source.buffered();
      // One micro-batch; `final` makes stateful operators snapshot now, before we return.
      await w.query.step(new Date(), true);
      if (state) {
        if (tumblingEvent!.isFinalInvokeForWindow) state = { window: tumblingEvent!.window.start, outputs: {} };
        checkStateSize(state);
        return { state: state as unknown as Record<string, unknown>, batchItemFailures: [] };
      }
      return { batchItemFailures: [] };
    } catch (error) {
      if (error instanceof SluiceError && error.domain === 'user' && error.code === 'TumblingStateTooLarge') throw error;
      // Nothing of this batch is known durable: the ESM retries from its first record. The warm
      // query may hold half a batch (operator state, pending positions): rebuild it next time.
      err(`sluice: batch of ${records.length} records failed, reporting ${records[0]?.kinesis.sequenceNumber ?? '(none)'} for retry: ${(error as Error).message}\n`);
      await discard();
      return failed();
    } finally {
      for (const t of w.tumbling) t.current = undefined;
    }
  };
  return Object.assign(handler, {
    close: async () => {
      await discard();
      if (!options.clients) clients?.close();
    },
    totals,
  });
}
