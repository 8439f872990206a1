/**
 * The seed 001 tutorial ("Linear regression using Apache Spark MLlib"), step by step, in Sluice.
 *
 *   node --import tsx examples/ml/loan-regression.ts [path/to/loan-prediction-train.csv]
 *
 * Output is shaped like Spark's (printSchema trees, show() tables). The split uses seed 42 so the
 * run is reproducible; the tutorial used an unseeded split, so its residual and prediction rows differ.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isSluiceError } from '../../src/errors.js';
import {
  LinearRegression,
  LinearRegressionModel,
  VectorAssembler,
  createLinearRegressionScorer,
  createMlSession,
  type DataFrame,
} from '../../src/ml/index.js';

const csv = process.argv[2] ?? '../shared/data/loan-prediction-train.csv';
const say = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

// 1. creating a session
const spark = await createMlSession({ appName: 'lr_example' });
try {
  // 3. read the input data and see its structure
  let data: DataFrame = await spark.read.csv(csv, { inferSchema: true, header: true });
  say('# data.printSchema()');
  data.printSchema();

  // 4. a vector of the two numeric inputs
  const lassembler = new VectorAssembler({ inputCols: ['ApplicantIncome', 'CoapplicantIncome'], outputCol: 'features' });

  // 5. transform; handleInvalid "error" refuses nulls in the inputs, naming column and row
  say('\n# output = lassembler.transform(data)');
  try {
    await lassembler.transform(data);
    say('(no null or NaN in ApplicantIncome / CoapplicantIncome in this copy of the data: nothing to refuse)');
  } catch (e) {
    if (!isSluiceError(e)) throw e;
    say(`error: ${e.message}`);
  }
  let output = await lassembler.setHandleInvalid('skip').transform(data);
  say('\n# output.select("features").show()');
  await (await output.select('features')).show();

  // 6. features and the label
  let loanData = await output.select('features', 'LoanAmount');
  say('\n# loan_data.show()');
  await loanData.show();

  // 7. split 70/30 and fit: LoanAmount has nulls, so the fit is refused with a clear message
  let [trainData, testData] = await loanData.randomSplit([0.7, 0.3], 42);
  const lr = new LinearRegression({ labelCol: 'LoanAmount' });
  say('\n# lrModel = lr.fit(train_data)');
  try {
    await lr.fit(trainData!);
  } catch (e) {
    if (!isSluiceError(e)) throw e;
    say(`error: ${e.message}`);
  }

  // ... so filter out the null labels when reading, and repeat the steps
  data = await spark.read.csv(csv, { inferSchema: true, header: true });
  data = await data.filter('LoanAmount is not NULL');
  say('\n# data = data.filter("LoanAmount is not NULL"); data.printSchema()');
  data.printSchema();
  output = await lassembler.setHandleInvalid('skip').transform(data);
  loanData = await output.select('features', 'LoanAmount');
  [trainData, testData] = await loanData.randomSplit([0.7, 0.3], 42);
  say(`\ntrain_data.count() = ${await trainData!.count()}, test_data.count() = ${await testData!.count()}`);
  const lrModel = await lr.fit(trainData!);
  say(`Coefficients: [${lrModel.coefficients.join(',')}] Intercept: ${lrModel.intercept}`);
  const s = lrModel.summary;
  say(`RMSE: ${s.rootMeanSquaredError}  r2: ${s.r2}  r2adj: ${s.r2adj}  numInstances: ${s.numInstances}`);
  say(`coefficientStandardErrors: [${s.coefficientStandardErrors.join(',')}]`);
  say(`tValues: [${s.tValues.join(',')}]`);
  say(`pValues: [${s.pValues.join(',')}]`);

  // 8. residuals on the test data
  const testResults = await lrModel.evaluate(testData!);
  say('\n# test_results.residuals.show()');
  await testResults.residuals.show();
  say(`test RMSE: ${testResults.rootMeanSquaredError}  test r2: ${testResults.r2}`);

  // 9. predictions for the test features
  const predictionsData = await testData!.select('features');
  const predictions = await lrModel.transform(predictionsData);
  say('\n# predictions.show()');
  await predictions.show();

  // Beyond the tutorial: save the model and score a few records as a stream operator would.
  const path = join(tmpdir(), `loan-model-${process.pid}.json`);
  await lrModel.save(path, { overwrite: true });
  const scorer = createLinearRegressionScorer({
    model: (await LinearRegressionModel.load(path)).toJSON(),
    featureCols: ['ApplicantIncome', 'CoapplicantIncome'],
    labelCol: 'LoanAmount',
    residualThreshold: 150,
  });
  const records = [
    { ApplicantIncome: 4583, CoapplicantIncome: 1508, LoanAmount: 128 },
    { ApplicantIncome: 3000, CoapplicantIncome: 0, LoanAmount: 600 },
  ];
  const scored = await scorer.processBatch({ rows: records }, { batchId: 0, batchTime: new Date(), deadLetter: () => undefined });
  say(`\n# saved to ${path}; scored in a stream operator:`);
  for (const r of scored.rows) say(JSON.stringify(r));
} finally {
  spark.close();
}
