import type { Command } from 'commander';
import { invalidOption } from '../../errors.js';
import { quoteIdent } from '../../ml/dataframe.js';
import { javaDoubleToString } from '../../ml/format.js';
import { LinearRegression } from '../../ml/linear-regression.js';
import type { LinearRegressionSummary } from '../../ml/linear-regression-summary.js';
import { createMlSession } from '../../ml/session.js';
import { VectorAssembler } from '../../ml/vector-assembler.js';

interface LinregFlags {
  csv: string;
  label: string;
  features: string;
  regParam: string;
  elasticNetParam: string;
  standardization: string;
  fitIntercept: string;
  solver: string;
  weightCol?: string;
  split?: string;
  seed?: string;
  save?: string;
  json?: boolean;
}

function number(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw invalidOption(flag, value, 'give a number, e.g. 0.3');
  return n;
}

function bool(flag: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalidOption(flag, value, 'use true or false');
}

function summaryText(title: string, s: LinearRegressionSummary, withStats: boolean): string {
  const d = javaDoubleToString;
  const lines = [
    `${title}:`,
    `  numInstances: ${s.numInstances}`,
    `  degreesOfFreedom: ${s.degreesOfFreedom}`,
    `  rootMeanSquaredError: ${d(s.rootMeanSquaredError)}`,
    `  meanSquaredError: ${d(s.meanSquaredError)}`,
    `  meanAbsoluteError: ${d(s.meanAbsoluteError)}`,
    `  r2: ${d(s.r2)}`,
    `  r2adj: ${d(s.r2adj)}`,
    `  explainedVariance: ${d(s.explainedVariance)}`,
    `  devianceResiduals: [${s.devianceResiduals.map(d).join(',')}]`,
  ];
  if (withStats) {
    const stats = s.toJSON();
    if (stats.coefficientStandardErrors !== undefined) {
      lines.push(`  coefficientStandardErrors: [${s.coefficientStandardErrors.map(d).join(',')}]`);
      lines.push(`  tValues: [${s.tValues.map(d).join(',')}]`);
      lines.push(`  pValues: [${s.pValues.map(d).join(',')}]`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function linreg(flags: LinregFlags): Promise<void> {
  const features = flags.features.split(',').map((f) => f.trim()).filter((f) => f !== '');
  if (features.length === 0) throw invalidOption('--features', flags.features, 'list the feature columns, e.g. --features ApplicantIncome,CoapplicantIncome');
  const lr = new LinearRegression({
    labelCol: flags.label,
    featuresCol: 'features',
    regParam: number('--reg-param', flags.regParam),
    elasticNetParam: number('--elastic-net-param', flags.elasticNetParam),
    standardization: bool('--standardization', flags.standardization),
    fitIntercept: bool('--fit-intercept', flags.fitIntercept),
    solver: flags.solver as 'auto',
    ...(flags.weightCol === undefined ? {} : { weightCol: flags.weightCol }),
  });
  const weights = flags.split?.split(',').map((w) => number('--split', w));
  if (weights !== undefined && weights.length !== 2) throw invalidOption('--split', flags.split, 'give two weights, e.g. --split 0.7,0.3');
  const seed = flags.seed === undefined ? undefined : number('--seed', flags.seed);

  const spark = await createMlSession({ appName: 'sluice ml linreg' });
  try {
    const data = await spark.read.csv(flags.csv, { header: true, inferSchema: true });
    const used = [flags.label, ...features, ...(flags.weightCol === undefined ? [] : [flags.weightCol])].map((c) => data.field(c).name);
    const complete = await data.filter(used.map((c) => `${quoteIdent(c)} IS NOT NULL`).join(' AND '));
    const assembled = await new VectorAssembler({ inputCols: features, outputCol: 'features', handleInvalid: 'skip' }).transform(complete);
    const [train, test] = weights === undefined ? [assembled, undefined] : await assembled.randomSplit(weights, seed);
    const model = await lr.fit(train!);
    const testSummary = test === undefined ? undefined : await model.evaluate(test);
    if (flags.save !== undefined) await model.save(flags.save, { overwrite: true });
    if (flags.json === true) {
      const out = {
        csv: flags.csv,
        label: flags.label,
        features,
        params: model.params,
        rowsRead: await data.count(),
        rowsUsed: await assembled.count(),
        coefficients: model.coefficients,
        intercept: model.intercept,
        solver: model.summary.solverMethod,
        iterations: model.summary.totalIterations,
        training: model.summary.toJSON(),
        ...(testSummary === undefined ? {} : { test: testSummary.toJSON(), split: weights, seed: seed ?? null }),
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return;
    }
    let text = `rows read: ${await data.count()}, rows used (no nulls in label and features): ${await assembled.count()}\n`;
    text += `solver: ${model.summary.solverMethod}\n`;
    text += `Coefficients: [${model.coefficients.map(javaDoubleToString).join(',')}] (${features.join(', ')})\n`;
    text += `Intercept: ${javaDoubleToString(model.intercept)}\n`;
    text += summaryText('Training summary', model.summary, true);
    if (testSummary !== undefined) text += summaryText('Test evaluation', testSummary, false);
    process.stdout.write(text);
  } finally {
    spark.close();
  }
}

/** `sluice ml linreg ...`: fit Spark's LinearRegression on a CSV and print the summary. */
export function register(program: Command): void {
  const ml = program.command('ml').description('Spark-MLlib-style machine learning on CSV files');
  ml.command('linreg')
    .description('Fit a linear regression (Spark LinearRegression semantics) on the rows without nulls in the label and features')
    .requiredOption('--csv <path>', 'CSV file with a header row (Spark schema inference)')
    .requiredOption('--label <col>', 'label column')
    .requiredOption('--features <cols>', 'comma-separated feature columns')
    .option('--reg-param <x>', 'regularisation strength (regParam)', '0')
    .option('--elastic-net-param <y>', 'L1 share of the penalty, 0 = ridge, 1 = lasso', '0')
    .option('--standardization <bool>', 'penalise in standardized feature space', 'true')
    .option('--fit-intercept <bool>', 'fit an intercept', 'true')
    .option('--solver <name>', 'auto | normal | l-bfgs', 'auto')
    .option('--weight-col <col>', 'instance weight column')
    .option('--split <weights>', 'randomSplit weights, train on the first split and evaluate on the second, e.g. 0.7,0.3')
    .option('--seed <n>', 'seed of the split')
    .option('--save <path>', 'save the fitted model as JSON (overwrites)')
    .option('--json', 'print the summary as JSON, numbers at full precision')
    .action(async (flags: LinregFlags) => linreg(flags));
}
