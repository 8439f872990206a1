import type { z } from 'zod';
import { invalidOption, type SluiceError } from './errors.js';

/** `a.b[0].c` for a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/** The value found at `path` inside `input`, or undefined. */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** The user error for a zod issue: the field (as `label` names it), the value given there, the rule. */
export function issueError(issue: z.core.$ZodIssue, input: unknown, label: (path: string) => string, hint?: string): SluiceError {
  return invalidOption(label(formatPath(issue.path)), valueAt(input, issue.path), hint ? `${issue.message}; ${hint}` : issue.message);
}

/**
 * Parses options with a zod schema; the first problem becomes a user error naming the field,
 * the value given and the rule it broke.
 *
 * @example
 * const o = parseOptions(schema, options, (field) => `LinearRegression.${field}`);
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, label: (path: string) => string, hint?: string): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw issueError(r.error.issues[0]!, input, label, hint);
  return r.data;
}
