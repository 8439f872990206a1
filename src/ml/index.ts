/**
 * `sluice/ml`: Spark-MLlib-style DataFrames (on DuckDB), VectorAssembler, LinearRegression with
 * Spark's objective and summary, JSON persistence, and stream operators that score or learn online.
 */
export { MlSession, createMlSession } from './session.js';
export { DataFrame } from './dataframe.js';
export type { Row as DataFrameRow } from './dataframe.js';
export type { CsvOptions } from './csv-reader.js';
export { javaDoubleToString, schemaTreeString, showString } from './format.js';
export type { DataType, Field } from './format.js';
export { VectorAssembler, HandleInvalid, vectorAssemblerOptionsSchema } from './vector-assembler.js';
export type { VectorAssemblerOptions } from './vector-assembler.js';
export { LinearRegression } from './linear-regression.js';
export { linearRegressionParamsSchema, parseLinearRegressionParams } from './linear-regression-params.js';
export type { LinearRegressionOptions, LinearRegressionParams } from './linear-regression-params.js';
export { LinearRegressionModel, MODEL_FORMAT, savedModelSchema } from './linear-regression-model.js';
export type { SavedLinearRegressionModel } from './linear-regression-model.js';
export { LinearRegressionSummary, LinearRegressionTrainingSummary } from './linear-regression-summary.js';
export { Solver, solveLinearRegression, coordinateDescent } from './solver.js';
export type { SolverParams, SolveResult, SolveMethod } from './solver.js';
export { gramStats } from './gram.js';
export type { Design, GramStats } from './gram.js';
export { regressionMetrics } from './regression-metrics.js';
export type { RegressionMetrics } from './regression-metrics.js';
export { studentTTwoSidedP } from './student-t.js';
export { XORShiftRandom } from './xorshift-random.js';
export { createLinearRegressionScorer, linearRegressionScorerOptionsSchema } from './linear-regression-scorer.js';
export { ML_OPERATOR_KINDS } from './pipeline-operators.js';
export { registerMlOperators } from './register-operators.js';
export type { LinearRegressionScorerOptions } from './linear-regression-scorer.js';
export {
  createStreamingLinearRegression,
  streamingLinearRegressionOptionsSchema,
} from './streaming-linear-regression.js';
export type {
  StreamingLinearRegression,
  StreamingLinearRegressionOptions,
  StreamingLinearRegressionState,
} from './streaming-linear-regression.js';
