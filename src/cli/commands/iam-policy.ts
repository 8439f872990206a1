import type { Command } from 'commander';
import { iamPolicy } from '../../aws/iam-policy.js';
import { invalidOption } from '../../errors.js';
import { planForLambda } from '../../lambda/plan.js';
import { createOperators } from '../../pipeline/operators.js';
import { loadPipelineFile } from '../../pipeline/validate.js';

export function register(program: Command): void {
  program
    .command('iam-policy <pipeline>')
    .description("print the least-privilege IAM policy (JSON) for sluice run of the pipeline, or with --lambda for the function's execution role")
    .option('--lambda', "the policy of the Lambda function (event source mapping reads, logs, the function's writes)")
    .option('--region <region>', 'region in the ARNs (default: the placeholder <region>)')
    .option('--account <id>', 'account id in the ARNs (default: the placeholder <account>)')
    .option('--partition <name>', 'AWS partition in the ARNs', 'aws')
    .option('--function-name <name>', "the function's name, for its log group (default: the pipeline's app)")
    .action(async (file: string, opts: { lambda?: boolean; region?: string; account?: string; partition: string; functionName?: string }) => {
      if (opts.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(opts.region)) throw invalidOption('--region', opts.region, 'use a region code such as eu-west-1');
      if (opts.account !== undefined && !/^\d{12}$/.test(opts.account)) throw invalidOption('--account', opts.account, 'use the 12-digit AWS account id');
      if (!/^aws(-[a-z]+)*$/.test(opts.partition)) throw invalidOption('--partition', opts.partition, 'use aws, aws-cn or aws-us-gov');
      const pipeline = loadPipelineFile(file);
      const operators = await createOperators(pipeline.operators);
      // On Lambda, outputs that need a pipeline window do not run: their sinks need no permission.
      const config = opts.lambda ? (await planForLambda(pipeline, operators)).config : pipeline;
      const policy = iamPolicy(config, {
        ...(opts.lambda ? { lambda: true } : {}),
        ...(opts.region ? { region: opts.region } : {}),
        ...(opts.account ? { account: opts.account } : {}),
        partition: opts.partition,
        ...(opts.functionName ? { functionName: opts.functionName } : {}),
        operatorState: { keyed: operators.some((op) => op.snapshotPartition), whole: operators.some((op) => op.onCheckpoint) },
      });
      process.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
    });
}
