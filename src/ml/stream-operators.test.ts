import { describe, expect, it } from 'vitest';
import type { DeadLetter, OperatorContext, Row } from '../engine/operator.js';
import { LinearRegressionModel } from './linear-regression-model.js';
import { parseLinearRegressionParams } from './linear-regression-params.js';
import { createLinearRegressionScorer } from './linear-regression-scorer.js';
import { createStreamingLinearRegression } from './streaming-linear-regression.js';

function context(): OperatorContext & { letters: DeadLetter[] } {
  const letters: DeadLetter[] = [];
  return { batchId: 1, batchTime: new Date(0), deadLetter: (l) => letters.push(l), letters };
}

const model = new LinearRegressionModel([2, -0.5], 10, parseLinearRegressionParams({ labelCol: 'y' }));

describe('createLinearRegressionScorer', () => {
  it('adds prediction, residual and is_anomaly, and dead-letters rows without numeric features', async () => {
    const op = createLinearRegressionScorer({ model: model.toJSON(), featureCols: ['a', 'b'], residualThreshold: 5 });
    const ctx = context();
    const rows: Row[] = [
      { a: 1, b: 2, y: 11, _shard: 's', _seq: '1' },
      { a: '3', b: 0, y: 30 },
      { a: 4, b: 4 },
      { a: 'x', b: 1, y: 1, _shard: 's', _seq: '9' },
    ];
    const out = (await op.processBatch({ rows }, ctx)).rows;
    expect(out).toEqual([
      { a: 1, b: 2, y: 11, _shard: 's', _seq: '1', prediction: 11, residual: 0, is_anomaly: false },
      { a: '3', b: 0, y: 30, prediction: 16, residual: 14, is_anomaly: true },
      { a: 4, b: 4, prediction: 16, residual: null, is_anomaly: false },
    ]);
    expect(ctx.letters).toHaveLength(1);
    expect(ctx.letters[0]!.reason).toMatch(/feature column "a" is "x"/);
    expect(ctx.letters[0]!.position?.sequenceNumber).toBe('9');
  });

  it('refuses a feature list that does not match the model', () => {
    expect(() => createLinearRegressionScorer({ model: model.toJSON(), featureCols: ['a'] })).toThrow(/the model has 2 features/);
    expect(() => createLinearRegressionScorer({ model: '/nonexistent/model.json', featureCols: ['a', 'b'] })).toThrow(/Cannot read model file/);
  });
});

describe('createStreamingLinearRegression', () => {
  it('one batch of one iteration is exactly one gradient step from the warm start', async () => {
    const op = createStreamingLinearRegression({ featureCols: ['x'], labelCol: 'y', initialWeights: [1], stepSize: 0.5, numIterations: 1, fitIntercept: true });
    // rows (x=1,y=3), (x=3,y=5); w=1, b=0: errors -2, -2; grad_w = (-2*1 + -2*3)/2 = -4; grad_b = -2.
    const out = (await op.processBatch({ rows: [{ x: 1, y: 3 }, { x: 3, y: 5 }] }, context())).rows;
    expect(out.map((r) => r.prediction)).toEqual([1, 3]);
    expect(op.state).toEqual({ weights: [3], intercept: 1, batchesTrained: 1, rowsTrained: 2 });
  });

  it('learns y = 2 a - 3 b over batches, and a restored checkpoint continues identically', async () => {
    let seed = 12345;
    const rand = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31 - 0.5;
    };
    const batch = (): Row[] => Array.from({ length: 50 }, () => {
      const a = rand() * 2;
      const b = rand() * 2;
      return { a, b, y: 2 * a - 3 * b };
    });
    const batches = Array.from({ length: 60 }, batch);
    const op = createStreamingLinearRegression({ featureCols: ['a', 'b'], labelCol: 'y', stepSize: 1, numIterations: 20, convergenceTol: 0 });
    for (const rows of batches.slice(0, 30)) await op.processBatch({ rows }, context());
    const saved = JSON.parse(JSON.stringify(op.onCheckpoint())) as unknown;
    const twin = createStreamingLinearRegression({ featureCols: ['a', 'b'], labelCol: 'y', stepSize: 1, numIterations: 20, convergenceTol: 0 });
    twin.restore(saved);
    for (const rows of batches.slice(30)) {
      const x = await op.processBatch({ rows }, context());
      const y = await twin.processBatch({ rows }, context());
      expect(y).toEqual(x);
    }
    expect(op.state.weights[0]).toBeCloseTo(2, 3);
    expect(op.state.weights[1]).toBeCloseTo(-3, 3);
    expect(() => twin.restore({ weights: [1] })).toThrow(/checkpoint state/);
  });
});

describe('registerMlOperators (pipeline file wiring)', () => {
  it('builds the scorer and the learner from operator configs and names bad fields by position', async () => {
    const { createOperators } = await import('../pipeline/operators.js');
    const [score, sgd] = await createOperators([
      { kind: 'linreg-score', model: model.toJSON(), featureCols: ['a', 'b'], residualThreshold: 1 },
      { kind: 'linreg-sgd', featureCols: ['a'], labelCol: 'y' },
    ]);
    expect(score!.name).toBe('linreg-score-0');
    expect(sgd!.name).toBe('linreg-sgd-1');
    const out = await score!.processBatch({ rows: [{ a: 1, b: 2, y: 20 }] }, context());
    expect(out.rows[0]).toMatchObject({ prediction: 11, residual: 9, is_anomaly: true });
    await expect(createOperators([{ kind: 'linreg-score', model: model.toJSON(), featureCols: 'a' }])).rejects.toThrow(/operators\[0\]\.featureCols/);
  });
});
