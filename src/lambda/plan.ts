import type { Field } from '../core/batch.js';
import type { Operator } from '../core/operator.js';
import { METADATA_FIELDS } from '../engine/decode/decoder.js';
import { OutputExecutor } from '../engine/outputs/executor.js';
import type { OutputPlan } from '../engine/outputs/plan.js';
import { windowSpec } from '../engine/streaming-query.js';
import { parseDuration, planWindow } from '../engine/window.js';
import { SluiceError } from '../errors.js';
import type { PipelineConfig } from '../pipeline/config.js';
import { SqlEngine, sqlLimitsFrom } from '../sql/engine.js';

/** An output that does not run on Lambda, and why. */
export interface SkippedOutput {
  output: string;
  reason: string;
}

/** What a pipeline becomes on Lambda: the config the handler runs, and the outputs left out. */
export interface LambdaPlan {
  /** The pipeline without its window and without the skipped outputs. */
  config: PipelineConfig;
  skipped: SkippedOutput[];
  /** Each output's plan kind under the pipeline's own window (incremental, topk, aggregate, window). */
  plans: Record<string, OutputPlan['kind']>;
}

function skipReason(kind: OutputPlan['kind'], window: string): string {
  const what = kind === 'topk' ? 'a top-k (ORDER BY ... LIMIT) over the window' : kind === 'aggregate' ? 'an aggregate over the window' : "a query over the window's rows";
  return (
    `planned as ${kind}: ${what}, which needs the ${window} window's rows kept between batches; on Lambda one invocation is one ` +
    "micro-batch and containers come and go, so no window lives in memory. Fix: run this output with sluice run, or in a pipeline " +
    "without window: where a GROUP BY with count/sum/min/max is combined over the event source mapping's TumblingWindowInSeconds (see docs/lambda.md)"
  );
}

/**
 * Plans a pipeline for Lambda with the planner of `sluice run` (which also checks every output's
 * SQL against the view). Without a window it runs as it is. With one, outputs planned
 * `incremental` (a projection or filter: each record's row once, no window state) run per
 * invocation, unchanged; outputs that need the window's rows (top-k, aggregates, whole-window
 * queries) are skipped, each with its reason. Event-time windows are refused: their watermark
 * and lateness are state across batches that even an incremental output depends on.
 */
export async function planForLambda(config: PipelineConfig, operators: readonly Operator[] = []): Promise<LambdaPlan> {
  const w = config.window;
  if (w.kind !== 'none' && w.eventTime) {
    throw new SluiceError(
      `window.eventTime is set (column ${JSON.stringify(w.eventTime.column)}), but on Lambda one invocation is one micro-batch: there is no watermark across invocations to decide which records are late; fix: remove window.eventTime (and window) for Lambda, or run this pipeline with sluice run`,
      { domain: 'user', code: 'LambdaEventTime' },
    );
  }
  const fields: Field[] = config.format.columns.map((c) => ({ name: c.name, type: c.type }));
  for (const c of operators.flatMap((op) => op.outputColumns ?? [])) if (!fields.some((f) => f.name === c.name)) fields.push({ name: c.name, type: c.type });
  fields.push(...METADATA_FIELDS);
  const sql = await SqlEngine.create(sqlLimitsFrom(config.sql));
  let plans: Record<string, OutputPlan['kind']>;
  try {
    const windowPlan = planWindow(windowSpec(config), parseDuration(config.batchInterval, 'batchInterval'));
    const exec = await OutputExecutor.create(sql, fields, windowPlan, config.view, config.outputs);
    plans = Object.fromEntries(exec.outputs.map((o) => [o.spec.name, o.plan.kind]));
  } finally {
    await sql.close();
  }
  if (w.kind === 'none') return { config, skipped: [], plans };
  const described = `${w.kind} ${w.length}`;
  const skipped = config.outputs.filter((o) => plans[o.name] !== 'incremental').map((o) => ({ output: o.name, reason: skipReason(plans[o.name]!, described) }));
  const kept = config.outputs.filter((o) => plans[o.name] === 'incremental');
  if (kept.length === 0) {
    throw new SluiceError(
      `no output of this pipeline can run on Lambda: ${skipped.map((s) => `outputs.${s.output} is ${s.reason}`).join('; ')}`,
      { domain: 'user', code: 'LambdaNothingRuns' },
    );
  }
  return { config: { ...config, window: { kind: 'none' }, outputs: kept }, skipped, plans };
}
