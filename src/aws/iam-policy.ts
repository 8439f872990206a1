import type { PipelineConfig } from '../pipeline/config.js';
import type { SinkConfig } from '../sinks/registry.js';

/** Where the policy's ARNs point: real values, or placeholders to fill in. */
export interface PolicyScope {
  /** Default `${AWS::Region}`-style placeholder `<region>`. */
  region?: string;
  /** Default placeholder `<account>`. */
  account?: string;
  /** AWS partition. Default `aws`. */
  partition?: string;
}

export interface PolicyOptions extends PolicyScope {
  /** The function's policy (its execution role) instead of `sluice run`'s. */
  lambda?: boolean;
  /** The Lambda function's name, for its log group. Default: the pipeline's `app`. */
  functionName?: string;
  /**
   * The pipeline's operator state (the function keeps it in the app's table): `keyed` (per shard
   * and key, e.g. the anomaly operator) and/or `whole` (one state, e.g. an online learner).
   */
  operatorState?: { keyed: boolean; whole: boolean };
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/** What a table or stream is used for, with the actions that use needs. */
interface Grant {
  sid: string;
  service: 'kinesis' | 'dynamodb' | 'logs';
  actions: string[];
  resources: string[];
}

const CREATE_TABLE = ['CreateTable', 'DescribeTable'];
/** ensureStream: CreateStream, then DescribeStreamSummary until it is active. */
const CREATE_STREAM = ['CreateStream', 'DescribeStreamSummary'];

/** The (sorted, unique) actions of a sink on its table or stream. */
function sinkGrant(sink: SinkConfig, name: string, arn: Arns): Grant | undefined {
  switch (sink.kind) {
    case 'dynamodb':
      return { sid: name, service: 'dynamodb', actions: ['BatchWriteItem', ...(sink.createTable ? CREATE_TABLE : [])], resources: [arn.table(sink.table)] };
    case 'dynamodb-counter':
      // GetItem reads a bucket's last counted position after a restart; UpdateItem adds.
      return { sid: name, service: 'dynamodb', actions: ['GetItem', 'UpdateItem', ...(sink.createTable ? CREATE_TABLE : [])], resources: [arn.table(sink.table)] };
    case 'kinesis':
      return { sid: name, service: 'kinesis', actions: ['PutRecords', ...(sink.createShards ? CREATE_STREAM : [])], resources: [arn.stream(sink.stream)] };
    case 'console':
      return undefined;
  }
}

interface Arns {
  stream(name: string): string;
  consumer(stream: string, consumer: string): string;
  table(name: string): string;
  logGroup(name: string): string;
}

function arns(scope: PolicyScope): Arns {
  const p = scope.partition ?? 'aws';
  const r = scope.region ?? '<region>';
  const a = scope.account ?? '<account>';
  return {
    stream: (name) => `arn:${p}:kinesis:${r}:${a}:stream/${name}`,
    // A consumer's ARN ends with its creation time: any consumer of that name on the stream.
    consumer: (stream, consumer) => `arn:${p}:kinesis:${r}:${a}:stream/${stream}/consumer/${consumer}:*`,
    table: (name) => `arn:${p}:dynamodb:${r}:${a}:table/${name}`,
    logGroup: (name) => `arn:${p}:logs:${r}:${a}:log-group:${name}:*`,
  };
}

function camel(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/**
 * The least-privilege IAM policy of a pipeline: for `sluice run`, or (`lambda`) for the function's
 * execution role. Each statement is one use of one resource (the source stream, the app's lease
 * and checkpoint table, a sink, the dead letters) with only the actions Sluice sends for it, and
 * ARNs scoped by region and account (placeholders unless given). See docs/lambda.md#iam.
 *
 * - `sluice run` reads the source (ListShards, GetShardIterator, GetRecords; with enhanced fan-out
 *   DescribeStreamSummary, RegisterStreamConsumer, DescribeStreamConsumer, SubscribeToShard) and
 *   keeps leases, checkpoints and operator state in the table named `app`, which it creates.
 * - On Lambda the event source mapping reads the stream with the function's role (the actions
 *   Lambda's documentation lists), the function writes its logs, and the app table is used only
 *   for operator state.
 */
export function iamPolicy(config: PipelineConfig, options: PolicyOptions = {}): PolicyDocument {
  const arn = arns(options);
  const src = config.source;
  const grants: Grant[] = [];
  const efo = src.consumerType === 'SubscribeToShard';
  const consumer = src.consumerName ?? config.app;
  if (options.lambda) {
    // The event source mapping's reads, with the function's execution role (Lambda's documented
    // set for Kinesis; the local driver sends ListShards, GetShardIterator, GetRecords and
    // DescribeStreamSummary, the real ESM also DescribeStream).
    grants.push({ sid: 'EventSourceMappingReadsSource', service: 'kinesis', actions: ['DescribeStream', 'DescribeStreamSummary', 'GetRecords', 'GetShardIterator', 'ListShards'], resources: [arn.stream(src.stream)] });
    grants.push({ sid: 'FunctionLogs', service: 'logs', actions: ['CreateLogGroup', 'CreateLogStream', 'PutLogEvents'], resources: [arn.logGroup(`/aws/lambda/${options.functionName ?? config.app}`)] });
    const state = options.operatorState;
    if (state && (state.keyed || state.whole)) {
      // LambdaStateStore: the table is created if missing and read at the start (Scan, GetItem);
      // state chunks are written with BatchWriteItem and committed with UpdateItem; whole
      // state's snapshot head is written with PutItem.
      grants.push({ sid: 'OperatorStateTable', service: 'dynamodb', actions: [...CREATE_TABLE, 'BatchWriteItem', 'GetItem', 'Scan', 'UpdateItem', ...(state.whole ? ['PutItem'] : [])], resources: [arn.table(config.app)] });
    }
  } else {
    const reads = efo ? ['ListShards', 'DescribeStreamSummary', 'RegisterStreamConsumer'] : ['GetRecords', 'GetShardIterator', 'ListShards'];
    grants.push({ sid: 'ReadSource', service: 'kinesis', actions: [...reads, ...(src.createShards ? CREATE_STREAM : [])], resources: [arn.stream(src.stream)] });
    if (efo) grants.push({ sid: 'EnhancedFanOutConsumer', service: 'kinesis', actions: ['DescribeStreamConsumer', 'SubscribeToShard'], resources: [arn.consumer(src.stream, consumer)] });
    // Leases, checkpoints, the `latest` origin and operator state: one table named by `app`, created
    // at start, read whole (Scan), leases taken (PutItem) and renewed, checkpoints written
    // (UpdateItem). GetItem reads the `latest` origin, operator state, and who holds a lease after
    // a refused checkpoint (a lease moved): any run may need it. Each worker's own item
    // (`worker#<id>`: heartbeat, handoff inbox) is written with UpdateItem and deleted with
    // DeleteItem when the worker stops. State chunks (and clearing chunks of snapshots that never
    // became current) are BatchWriteItem: only with operator state.
    const state = options.operatorState;
    const chunks = state !== undefined && (state.keyed || state.whole);
    grants.push({ sid: 'LeaseAndCheckpointTable', service: 'dynamodb', actions: [...CREATE_TABLE, 'DeleteItem', 'GetItem', 'PutItem', 'Scan', 'UpdateItem', ...(chunks ? ['BatchWriteItem'] : [])], resources: [arn.table(config.app)] });
  }
  for (const o of config.outputs) {
    const g = sinkGrant(o.sink, `Output${camel(o.name)}`, arn);
    if (g) grants.push(g);
  }
  const late = config.window.kind !== 'none' ? config.window.eventTime?.lateSink : undefined;
  if (late && !options.lambda) {
    const g = sinkGrant(late, 'LateRecords', arn);
    if (g) grants.push(g);
  }
  if (config.deadLetter) grants.push({ sid: 'DeadLetters', service: 'dynamodb', actions: ['BatchWriteItem', ...CREATE_TABLE], resources: [arn.table(config.deadLetter.table)] });
  return { Version: '2012-10-17', Statement: merge(grants) };
}

/** One statement per (service, actions) and resource set; two sinks on one table get one statement. */
function merge(grants: readonly Grant[]): PolicyStatement[] {
  const out: PolicyStatement[] = [];
  for (const g of grants) {
    const actions = [...new Set(g.actions)].sort().map((a) => `${g.service}:${a}`);
    const same = out.find((s) => s.Resource.join() === g.resources.join() && s.Action[0]?.startsWith(`${g.service}:`));
    if (same) {
      same.Action = [...new Set([...same.Action, ...actions])].sort();
      continue;
    }
    out.push({ Sid: g.sid, Effect: 'Allow', Action: actions, Resource: [...g.resources] });
  }
  return out;
}

/** True when `policy` allows `action` (`service:Action`) on `resource` (an ARN); `*` in a resource matches any run of characters. */
export function allows(policy: PolicyDocument, action: string, resource: string): boolean {
  return policy.Statement.some((s) => s.Action.includes(action) && s.Resource.some((r) => new RegExp(`^${r.split('*').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`).test(resource)));
}
