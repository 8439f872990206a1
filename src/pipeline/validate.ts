import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { SluiceError, describeValue } from '../errors.js';
import { formatPath, valueAt } from '../validation.js';
import { pipelineConfigSchema, type PipelineConfig } from './config.js';
import { applySparkOptions } from './spark-options.js';

/** Formats a zod issue as "field: problem (value given)". */
function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const path = issue.path.length === 0 ? '(top level)' : formatPath(issue.path);
  const value = valueAt(input, issue.path);
  return `${path}: ${issue.message} (${value === undefined ? 'missing' : `got ${describeValue(value)}`})`;
}

/**
 * Validates a pipeline definition; errors name each field, the value given and what is expected.
 */
export function parsePipelineConfig(raw: unknown, source = 'pipeline'): PipelineConfig {
  const input = applySparkOptions(raw); // the Spark connector's kinesis.* option names, see spark-options.ts
  const r = pipelineConfigSchema.safeParse(input);
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  - ${describeIssue(i, input)}`);
    throw new SluiceError(`Invalid ${source}:\n${lines.join('\n')}\nFix the fields above; docs/pipelines.md lists every field.`, {
      domain: 'user',
      code: 'InvalidPipeline',
    });
  }
  const problems = [...duplicateOutputNames(r.data)];
  if (problems.length > 0) {
    throw new SluiceError(`Invalid ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}\nFix the fields above; docs/pipelines.md lists every field.`, {
      domain: 'user',
      code: 'InvalidPipeline',
    });
  }
  return r.data;
}

/** Output names identify sinks in metrics, events and dead letters: two outputs may not share one. */
function* duplicateOutputNames(config: PipelineConfig): Generator<string> {
  const first = new Map<string, number>();
  for (const [i, o] of config.outputs.entries()) {
    const j = first.get(o.name);
    if (j === undefined) first.set(o.name, i);
    else yield `outputs[${i}].name: ${JSON.stringify(o.name)} is already the name of outputs[${j}]; give each output its own name`;
  }
}

/** Reads a YAML or JSON pipeline file. */
export function loadPipelineFile(path: string): PipelineConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SluiceError(`Cannot read pipeline file ${path}: ${(error as Error).message}`, { domain: 'user', code: 'PipelineFileUnreadable', cause: error });
  }
  let data: unknown;
  try {
    data = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new SluiceError(`Pipeline file ${path} is not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`, {
      domain: 'user',
      code: 'InvalidPipeline',
      cause: error,
    });
  }
  return parsePipelineConfig(data, `pipeline file ${path}`);
}
