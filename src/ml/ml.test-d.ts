import { describe, expectTypeOf, it } from 'vitest';
import type { Operator } from '../engine/operator.js';
import {
  LinearRegression,
  LinearRegressionModel,
  createLinearRegressionScorer,
  createStreamingLinearRegression,
  type DataFrame,
  type LinearRegressionOptions,
  type LinearRegressionSummary,
  type StreamingLinearRegressionState,
} from './index.js';

describe('sluice/ml public types', () => {
  it('LinearRegression takes Spark-named optional params and fits a DataFrame into a model', () => {
    expectTypeOf<LinearRegressionOptions>().toMatchTypeOf<{ labelCol?: string; regParam?: number; solver?: 'auto' | 'normal' | 'l-bfgs' }>();
    expectTypeOf(new LinearRegression().fit).parameter(0).toEqualTypeOf<DataFrame>();
    expectTypeOf(new LinearRegression().fit).returns.resolves.toEqualTypeOf<LinearRegressionModel>();
    // @ts-expect-error solver names are a closed set
    new LinearRegression({ solver: 'sgd' });
  });

  it('model and summary expose numbers, not any', () => {
    expectTypeOf<LinearRegressionModel['coefficients']>().toEqualTypeOf<readonly number[]>();
    expectTypeOf<LinearRegressionSummary['devianceResiduals']>().toEqualTypeOf<[number, number]>();
    expectTypeOf<LinearRegressionSummary['pValues']>().toEqualTypeOf<number[]>();
    expectTypeOf<LinearRegressionModel['evaluate']>().returns.resolves.toEqualTypeOf<LinearRegressionSummary>();
  });

  it('the stream operators implement the engine contract', () => {
    expectTypeOf(createLinearRegressionScorer).returns.toEqualTypeOf<Operator>();
    expectTypeOf(createStreamingLinearRegression).returns.toMatchTypeOf<Operator>();
    expectTypeOf<ReturnType<ReturnType<typeof createStreamingLinearRegression>['onCheckpoint']>>().toEqualTypeOf<StreamingLinearRegressionState>();
  });
});
