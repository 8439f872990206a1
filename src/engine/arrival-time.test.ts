import { describe, expect, it } from 'vitest';
import { CaptureSink } from '../../test/helpers/capture-sink.js';
import { LeaseCoordinator } from '../checkpoint/leases.js';
import { MemoryLeaseStore, MemoryLeaseTable } from '../checkpoint/memory-lease-store.js';
import { MemoryCheckpointStore } from '../checkpoint/memory-store.js';
import type { PipelineConfigInput } from '../pipeline/config.js';
import { parsePipelineConfig } from '../pipeline/validate.js';
import { MemorySource } from '../sources/memory.js';
import { ARRIVAL_MAX_PANES, arrivalTimeSpec, chooseArrivalTime } from './arrival-time.js';
import type { OutputPlan } from './outputs/plan.js';
import { StreamingQuery } from './streaming-query.js';
import { planWindow } from './window.js';

const kinds: Record<string, OutputPlan['kind'] | 'batch'> = { agg: 'aggregate', agg2: 'aggregate', rows: 'incremental', now: 'batch', top: 'topk', console: 'aggregate' };
const planOf = (name: string): OutputPlan | undefined => {
  const k = kinds[name];
  if (k === undefined) return undefined;
  return (k === 'batch' ? { kind: 'window', scope: 'batch' } : { kind: k, scope: 'window' }) as OutputPlan;
};
const out = (name: string, sink = 'dynamodb') => ({ name, sink: { kind: sink } });
const tumbling = planWindow({ kind: 'tumbling', lengthMs: 1000 }, 100);

describe('which processing-time outputs run on arrival-time windows (issue 18)', () => {
  it('GROUP BY outputs into dynamodb, with leases, when the others are projections, filters or current_batch queries', () => {
    expect(chooseArrivalTime([out('agg'), out('agg2'), out('rows', 'kinesis'), out('now', 'console')], tumbling, planOf, true)).toEqual({ outputs: ['agg', 'agg2'], kept: new Map() });
    expect(arrivalTimeSpec(tumbling)).toEqual({ column: '_arrival', delayMs: 0, idleMs: 1000, mode: 'append', lengthMs: 1000, slideMs: 1000, monotone: true });
  });

  it('none without leases, without a window, or for event-time windows', () => {
    expect(chooseArrivalTime([out('agg')], tumbling, planOf, false).outputs).toEqual([]);
    expect(chooseArrivalTime([out('agg')], planWindow({ kind: 'none' }, 100), planOf, true).outputs).toEqual([]);
    const et = planWindow({ kind: 'tumbling', lengthMs: 1000, eventTime: { column: 't', delayMs: 0, idleMs: 1, mode: 'append' } }, 100);
    expect(chooseArrivalTime([out('agg')], et, planOf, true).outputs).toEqual([]);
  });

  it('an output that needs the processing-time window keeps the pipeline on it, and the GROUP BY outputs are told why, naming it', () => {
    for (const other of [out('top', 'console'), out('console', 'console')]) {
      const c = chooseArrivalTime([out('agg'), other], tumbling, planOf, true);
      expect(c.outputs).toEqual([]);
      expect(c.kept.get('agg')).toContain(`output ${other.name} (sink console`);
    }
    const sliding = planWindow({ kind: 'sliding', lengthMs: 100 * (ARRIVAL_MAX_PANES + 1), slideMs: 100 }, 100);
    expect(chooseArrivalTime([out('agg')], sliding, planOf, true).kept.get('agg')).toContain(`${ARRIVAL_MAX_PANES + 1} slides per window`);
  });
});

describe('said at start, naming the output (StreamingQuery with leases)', () => {
  const config = (outputs: PipelineConfigInput['outputs']): PipelineConfigInput => ({
    app: 'unit-arrival',
    source: { stream: 'unit' },
    format: { kind: 'csv', columns: [{ name: 'type', type: 'string' }, { name: 'v', type: 'int' }] },
    batchInterval: '100ms',
    window: { kind: 'tumbling', length: '1s' },
    outputs,
  });
  const run = async (outputs: PipelineConfigInput['outputs']) => {
    const parsed = parsePipelineConfig(config(outputs));
    const leases = new LeaseCoordinator({ store: new MemoryLeaseStore(new MemoryLeaseTable('unit')), streamName: 'unit', workerId: 'w0', failoverMs: 1000 });
    const query = new StreamingQuery({
      config: parsed,
      source: new MemorySource(['p0']),
      leases,
      sinks: Object.fromEntries(parsed.outputs.map((o) => [o.name, new CaptureSink(o.name)])),
      checkpointStore: new MemoryCheckpointStore(),
      deadLetters: { write: async (l) => l.length },
      clock: 'manual',
    });
    const said: string[] = [];
    query.events.on('pipeline.info', (e) => said.push(`info: ${e.message}`));
    query.events.on('pipeline.warning', (e) => said.push(`warning: ${e.message}`));
    try {
      await query.start();
      return { said, plans: query.outputPlans() };
    } finally {
      await query.stop();
    }
  };
  const groups = { name: 'groups', sql: 'SELECT type, count(*) AS n, sum(v) AS total FROM events GROUP BY type', sink: { kind: 'dynamodb' as const, table: 'groups-table', keyColumns: ['type'] } };

  it('a GROUP BY into dynamodb runs on arrival time (info), a projection beside it is unchanged', async () => {
    const { said, plans } = await run([groups, { name: 'rows', sql: 'SELECT type, v FROM events WHERE v > 1', sink: { kind: 'console' } }]);
    expect(plans).toEqual({ groups: 'aggregate', rows: 'incremental' });
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^info: output groups \(sink dynamodb\): the processing-time window runs on arrival-time windows/);
  });

  it('a top-k beside it keeps processing time: warnings name each output, and the GROUP BY is told which output needs the window', async () => {
    const { said } = await run([groups, { name: 'top', sql: 'SELECT type, v FROM events ORDER BY v DESC LIMIT 3', sink: { kind: 'console' } }]);
    expect(said.filter((s) => s.startsWith('info'))).toEqual([]);
    expect(said.find((s) => s.startsWith('warning: output groups (sink dynamodb)'))).toContain('it cannot run on arrival-time windows: output top (sink console, a topk query) needs the processing-time window');
    expect(said.some((s) => s.startsWith('warning: output top (sink console)'))).toBe(true);
  });

  it('keyColumns the merge cannot key by keep processing time, with the reason', async () => {
    const { said, plans } = await run([{ ...groups, sink: { ...groups.sink, keyColumns: ['n'] } }]);
    expect(plans).toEqual({ groups: 'aggregate' });
    expect(said).toHaveLength(1);
    expect(said[0]).toContain('warning: output groups (sink dynamodb)');
    expect(said[0]).toContain('cannot be merged per item (a LIMIT, or keyColumns not computed from the GROUP BY alone)');
  });
});

describe('a clean stop sends what arrival-time windows still open hold (StreamingQuery with leases, real clock)', () => {
  it('the records read and checkpointed in a window that has not closed reach the sink at the stop, counted once', async () => {
    // A minute-long window: it closes on a minute of silence, so only the stop can send it here.
    const parsed = parsePipelineConfig({
      app: 'unit-arrival-stop',
      source: { stream: 'unit' },
      format: { kind: 'csv', columns: [{ name: 'type', type: 'string' }, { name: 'v', type: 'int' }] },
      batchInterval: '50ms',
      stateInterval: '50ms',
      window: { kind: 'tumbling', length: '1m' },
      outputs: [{ name: 'groups', sql: 'SELECT type, count(*) AS n, sum(v) AS total FROM events GROUP BY type', sink: { kind: 'dynamodb', table: 'groups-table', keyColumns: ['type'] } }],
    });
    const source = new MemorySource(['p0', 'p1']);
    const sink = new CaptureSink('groups');
    const leases = new LeaseCoordinator({ store: new MemoryLeaseStore(new MemoryLeaseTable('unit')), streamName: 'unit', workerId: 'w0', failoverMs: 10_000 });
    const query = new StreamingQuery({ config: parsed, source, leases, sinks: { groups: sink }, checkpointStore: new MemoryCheckpointStore(), deadLetters: { write: async (l) => l.length } });
    const committed = new Set<string>();
    query.events.on('checkpoint.commit', (e) => {
      for (const s of Object.keys(e.shards)) committed.add(s);
    });
    await query.start();
    try {
      const now = Date.now();
      const line = (s: string) => new TextEncoder().encode(s);
      source.push('p0', [line('a,1'), line('a,2'), line('b,5')], now);
      source.push('p1', [line('a,10')], now);
      // Both shards' records taken in and checkpointed: nothing is pending but the open window.
      for (const deadline = Date.now() + 10_000; !(committed.has('p0') && committed.has('p1')); ) {
        if (Date.now() > deadline) throw new Error('the records were never checkpointed');
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(sink.rows).toEqual([]);
    } finally {
      await query.stop();
    }
    // Each shard's partial of each group, once; merged in the item they give a: 3 records (13), b: 1 (5).
    const sent = sink.rows.map((r) => [r.type, r.__part, Number(r.n), Number(r.total)]).sort((x, y) => String(x).localeCompare(String(y)));
    expect(sent).toEqual([
      ['a', 'p0', 2, 3],
      ['a', 'p1', 1, 10],
      ['b', 'p0', 1, 5],
    ]);
  }, 30_000);
});
