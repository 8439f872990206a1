import { describe, expect, it } from 'vitest';
import { ARRIVAL_MAX_PANES, arrivalTimeSpec, chooseArrivalTime } from './arrival-time.js';
import type { OutputPlan } from './outputs/plan.js';
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
