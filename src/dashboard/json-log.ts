import type { EngineEventBus, EngineEventName, EngineEvents } from '../engine/events.js';

const EVENTS: readonly EngineEventName[] = ['batch.end', 'output.rows', 'sink.flush', 'deadletter.flush', 'checkpoint.commit', 'checkpoint.refused', 'shard.lag', 'consumer.error', 'lease.round', 'lease.lost', 'lease.handoff', 'pipeline.stop'];

/**
 * `--log-format json`: one JSON object per engine event, one per line, for log shippers.
 * `output.rows` logs its row count and columns, not the rows (a window can hold thousands).
 */
export function attachJsonLog(events: EngineEventBus, write: (line: string) => void, now: () => Date = () => new Date()): () => void {
  const offs = EVENTS.map((name) => events.on(name, (payload) => write(`${JSON.stringify({ ts: now().toISOString(), event: name, ...shape(name, payload) })}\n`)));
  return () => offs.forEach((off) => off());
}

function shape<K extends EngineEventName>(name: K, payload: EngineEvents[K]): Record<string, unknown> {
  if (name === 'output.rows') {
    const p = payload as EngineEvents['output.rows'];
    return { output: p.output, batchId: p.batchId, rowCount: p.total, columns: p.columns };
  }
  if (name === 'consumer.error') {
    const e = (payload as EngineEvents['consumer.error']).error;
    return { error: { name: e.name, message: e.message, ...('code' in e ? { code: (e as { code: unknown }).code } : {}) } };
  }
  return payload as Record<string, unknown>;
}
