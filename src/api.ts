import type { AwsClients } from './aws/clients.js';
import type { ColumnSpec, ColumnType } from './engine/decode/schema.js';
import type { Operator } from './engine/operator.js';
import { StreamingQuery } from './engine/streaming-query.js';
import type { PipelineConfig, PipelineConfigInput, SinkConfig } from './pipeline/config.js';
import { parsePipelineConfig } from './pipeline/validate.js';
import type { DynamoSinkConfig } from './sinks/dynamodb/config.js';
import type { KinesisSinkConfig } from './sinks/kinesis/config.js';
import type { ConsoleSinkConfig } from './sinks/console/config.js';

/** A schema written as `{ column: type }`, in column order. */
export type SchemaShape = Readonly<Record<string, ColumnType>>;

type JsType<T extends ColumnType> = T extends 'string' ? string : T extends 'boolean' ? boolean : number;

/** The row type a schema decodes to (timestamps are epoch milliseconds), plus Sluice's metadata columns. */
export type RowOf<S extends SchemaShape> = { [K in keyof S]: JsType<S[K]> } & { _shard: string; _seq: string; _arrival: number };

export interface FormatSpec<S extends SchemaShape> {
  readonly shape: S;
  readonly format: PipelineConfigInput['format'];
}

function columns(shape: SchemaShape, nullable: readonly string[] = []): ColumnSpec[] {
  return Object.entries(shape).map(([name, type]) => ({ name, type, ...(nullable.includes(name) ? { nullable: true } : {}) }));
}

/** CSV records with these columns, in this order. */
export function csv<const S extends SchemaShape>(shape: S, options: { delimiter?: string; nullable?: (keyof S & string)[]; maxRecordBytes?: number } = {}): FormatSpec<S> {
  return {
    shape,
    format: {
      kind: 'csv',
      columns: columns(shape, options.nullable),
      ...(options.delimiter ? { delimiter: options.delimiter } : {}),
      ...(options.maxRecordBytes ? { maxRecordBytes: options.maxRecordBytes } : {}),
    },
  };
}

/** JSON object records checked against these fields. */
export function json<const S extends SchemaShape>(shape: S, options: { nullable?: (keyof S & string)[]; maxRecordBytes?: number } = {}): FormatSpec<S> {
  return { shape, format: { kind: 'json', columns: columns(shape, options.nullable), ...(options.maxRecordBytes ? { maxRecordBytes: options.maxRecordBytes } : {}) } };
}

export const dynamodb = (o: Omit<Partial<DynamoSinkConfig>, 'kind'> & { table: string }): SinkConfig => ({ kind: 'dynamodb', ...o }) as SinkConfig;
export const kinesis = (o: Omit<KinesisSinkConfig, 'kind'>): SinkConfig => ({ kind: 'kinesis', ...o });
export const consoleSink = (o: Omit<Partial<ConsoleSinkConfig>, 'kind'> = {}): SinkConfig => ({ kind: 'console', ...o }) as SinkConfig;

interface BuilderState {
  readonly config: PipelineConfigInput;
  readonly operators: readonly Operator[];
}

/**
 * A pipeline under construction, in Spark's vocabulary. Builders never mutate: each call returns
 * a new builder, so a half-built pipeline can be shared and extended in several ways.
 *
 * @example
 * const query = readStream({ app: 'anomaly-detector', stream: 'kinesis-stream' })
 *   .format(csv({ id: 'string', currentTemp: 'int', status: 'string' }))
 *   .window({ kind: 'sliding', length: '20s' })
 *   .createOrReplaceTempView('hot_sensors')
 *   .sql('SELECT * FROM hot_sensors WHERE currentTemp > 100')
 *   .writeStream(dynamodb({ table: 'data_anomaly' }), 'data_anomaly');
 */
export class StreamBuilder<S extends SchemaShape = SchemaShape> {
  constructor(private readonly state: BuilderState) {}

  private with(patch: Partial<PipelineConfigInput>, operators = this.state.operators): StreamBuilder<S> {
    return new StreamBuilder<S>({ config: { ...this.state.config, ...patch }, operators });
  }

  /** How records decode; the schema types the rows. */
  format<T extends SchemaShape>(spec: FormatSpec<T>): StreamBuilder<T> {
    return new StreamBuilder<T>({ config: { ...this.state.config, format: spec.format }, operators: this.state.operators });
  }

  batchInterval(duration: string | number): StreamBuilder<S> {
    return this.with({ batchInterval: duration });
  }

  window(spec: NonNullable<PipelineConfigInput['window']>): StreamBuilder<S> {
    return this.with({ window: spec });
  }

  createOrReplaceTempView(name: string): StreamBuilder<S> {
    return this.with({ view: name });
  }

  /** Adds an operator (anomaly scoring, model scoring, your own) before the window. */
  withOperator(op: Operator): StreamBuilder<S> {
    return this.with({}, [...this.state.operators, op]);
  }

  deadLetters(table: string): StreamBuilder<S> {
    return this.with({ deadLetter: { table } });
  }

  /** A query over the view; `.writeStream(sink)` makes it an output of the pipeline. */
  sql(query: string): { writeStream: (sink: SinkConfig, name?: string) => StreamBuilder<S> } {
    return {
      writeStream: (sink, name) => {
        const outputs = [...(this.state.config.outputs ?? [])];
        outputs.push({ name: name ?? `output_${outputs.length + 1}`, sql: query, sink });
        return this.with({ outputs });
      },
    };
  }

  /** The validated pipeline definition: the same shape as a pipeline file. */
  toConfig(): PipelineConfig {
    return parsePipelineConfig(this.state.config, 'pipeline');
  }

  /** Builds and starts the streaming query on the given clients. */
  async start(clients: AwsClients, options: { out?: (text: string) => void } = {}): Promise<StreamingQuery> {
    const query = new StreamingQuery({ config: this.toConfig(), clients, operators: [...this.state.operators], ...(options.out ? { out: options.out } : {}) });
    await query.start();
    return query;
  }
}

/** Starts a pipeline definition from a Kinesis stream, as Spark's `spark.readStream.format("kinesis")`. */
export function readStream(source: {
  app: string;
  stream: string;
  startingPosition?: string;
  createShards?: number;
}): StreamBuilder {
  const { app, ...src } = source;
  return new StreamBuilder({
    config: { app, source: src, format: { kind: 'csv', columns: [{ name: 'value', type: 'string' }] }, outputs: [] },
    operators: [],
  });
}
