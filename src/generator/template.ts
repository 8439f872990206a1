import { base, en, Faker } from '@faker-js/faker';
import { SluiceError } from '../errors.js';
import { TEMPLATE_FUNCTIONS, TemplateArgumentError, type FunctionContext, type ValueThunk } from './functions.js';

/**
 * Kinesis Data Generator templates: text with `{{ namespace.function(args) }}` placeholders.
 * A template is parsed and every placeholder validated once; rendering is a loop over
 * precompiled parts with no parsing left.
 *
 * @example
 * const t = compileTemplate('{{name.firstName}},{{random.number({"min":10,"max":550})}}', { seed: 42 });
 * t.render(); // e.g. "Ada,312"
 */
export interface TemplateOptions {
  /** Seeds this template's own faker instance: the same seed renders the same sequence. */
  seed?: number;
  /** The clock `date.*` reads, in epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** Where a placeholder sits in the template source. */
export interface Placeholder {
  /** The text between the braces, trimmed, e.g. `random.number(100)`. */
  readonly expression: string;
  /** The function name, e.g. `random.number`. */
  readonly name: string;
  /** 0-based character offset of the opening `{{`. */
  readonly offset: number;
  /** 1-based line and column of the opening `{{`. */
  readonly line: number;
  readonly column: number;
}

export interface RenderedRecord {
  readonly text: string;
  /** The value of each placeholder, in template order (used by the `template-field:N` partition key). */
  readonly values: readonly string[];
}

export interface CompiledTemplate {
  readonly source: string;
  readonly placeholders: readonly Placeholder[];
  render(): string;
  renderRecord(): RenderedRecord;
}

const SMART_QUOTES: Record<string, string> = { '\u201c': '"', '\u201d': '"', '\u201e': '"', '\u201f': '"', '\u2033': '"', '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u201b': "'", '\u2032': "'" };
const SMART_QUOTE_RE = /[\u201c-\u201f\u2033\u2018\u2019\u201a\u201b\u2032]/g;

/** Replaces typographic quotes (as word processors and the KDG docs produce) with ASCII ones. */
export function normaliseQuotes(text: string): string {
  return text.replace(SMART_QUOTE_RE, (q) => SMART_QUOTES[q] ?? q);
}

const CALL_RE = /^(?:faker\.)?([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)\s*(?:\(([\s\S]*)\))?$/;

function position(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

function templateError(p: Pick<Placeholder, 'expression' | 'line' | 'column' | 'offset'>, problem: string, fix: string): SluiceError {
  return new SluiceError(
    `Invalid template placeholder {{${p.expression}}} at line ${p.line}, column ${p.column} (offset ${p.offset}): ${problem}. Fix: ${fix}`,
    { domain: 'user', code: 'InvalidTemplate' },
  );
}

/** Finds the `}}` that closes the placeholder opened at `start`, skipping strings and nested brackets. */
function findClose(source: string, start: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < source.length; i++) {
    const c = normaliseQuotes(source[i] as string);
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if ((c === ')' || c === ']' || (c === '}' && depth > 0)) && depth > 0) depth--;
    else if (c === '}' && source[i + 1] === '}') return i;
  }
  return -1;
}

/** Parses `args` (the text inside the parentheses) as JSON values, with lenient fallbacks for KDG habits. */
function parseArgs(raw: string): unknown[] | undefined {
  const text = normaliseQuotes(raw).trim();
  if (text === '') return [];
  const attempts = [
    text,
    // single-quoted strings
    text.replace(/'((?:[^'\\]|\\.)*)'/g, (_m, s: string) => JSON.stringify(s.replace(/\\'/g, "'"))),
  ];
  // unquoted object keys: {min: 1, max: 2}
  attempts.push((attempts[1] as string).replace(/([{,]\s*)([A-Za-z_$][\w$]*)\s*:/g, '$1"$2":'));
  for (const candidate of attempts) {
    try {
      return JSON.parse(`[${candidate}]`) as unknown[];
    } catch {
      // try the next, more lenient reading
    }
  }
  return undefined;
}

function supportedNames(namespace?: string): string {
  const names = [...TEMPLATE_FUNCTIONS.keys()];
  const same = namespace === undefined ? [] : names.filter((n) => n.startsWith(`${namespace}.`));
  return (same.length > 0 ? same : names).join(', ');
}

/** Compiles a KDG template. Throws a user-domain {@link SluiceError} naming the first bad placeholder. */
export function compileTemplate(source: string, options: TemplateOptions = {}): CompiledTemplate {
  const faker = new Faker({ locale: [en, base] });
  if (options.seed !== undefined) faker.seed(options.seed);
  const ctx: FunctionContext = { faker, now: options.now ?? Date.now };

  const literals: string[] = [];
  const thunks: ValueThunk[] = [];
  const placeholders: Placeholder[] = [];
  let cursor = 0;
  for (;;) {
    const open = source.indexOf('{{', cursor);
    if (open === -1) break;
    // Bracket-aware first; if brackets or quotes are unbalanced, the plain `}}` still lets us report the real problem.
    let close = findClose(source, open + 2);
    if (close === -1) close = source.indexOf('}}', open + 2);
    const where = { offset: open, ...position(source, open) };
    if (close === -1) {
      throw templateError({ ...where, expression: source.slice(open + 2, open + 42) }, 'the placeholder is never closed', 'end it with "}}"');
    }
    const expression = source.slice(open + 2, close).trim();
    const call = CALL_RE.exec(expression);
    if (!call) {
      throw templateError({ ...where, expression }, 'not a function call', `write {{namespace.function}} or {{namespace.function(args)}}, e.g. {{random.number(100)}}`);
    }
    const name = call[1] as string;
    const fn = TEMPLATE_FUNCTIONS.get(name);
    if (!fn) {
      const namespace = name.split('.')[0];
      throw templateError({ ...where, expression }, `unknown function "${name}"`, `use one of: ${supportedNames(namespace)}`);
    }
    const args = call[2] === undefined ? [] : parseArgs(call[2]);
    if (args === undefined) {
      throw templateError({ ...where, expression }, `arguments ${JSON.stringify(call[2])} are not valid JSON`, `write JSON arguments, e.g. ${fn.usage}`);
    }
    try {
      thunks.push(fn.compile(args, ctx));
    } catch (error) {
      if (error instanceof TemplateArgumentError) throw templateError({ ...where, expression }, `bad arguments to ${name}: ${error.message}`, `call it as ${fn.usage}`);
      throw error;
    }
    literals.push(source.slice(cursor, open));
    placeholders.push({ expression, name, ...where });
    cursor = close + 2;
  }
  literals.push(source.slice(cursor));

  const n = thunks.length;
  const renderRecord = (): RenderedRecord => {
    const values = new Array<string>(n);
    let text = literals[0] as string;
    for (let i = 0; i < n; i++) {
      const v = (thunks[i] as ValueThunk)();
      values[i] = v;
      text += v + (literals[i + 1] as string);
    }
    return { text, values };
  };
  const render = (): string => {
    let text = literals[0] as string;
    for (let i = 0; i < n; i++) text += (thunks[i] as ValueThunk)() + (literals[i + 1] as string);
    return text;
  };
  return { source, placeholders, render, renderRecord };
}

/** The supported function names with their usage and faker v10 mapping, for docs and `--help`. */
export function templateFunctions(): { name: string; usage: string; mapsTo: string }[] {
  return [...TEMPLATE_FUNCTIONS].map(([name, f]) => ({ name, usage: f.usage, mapsTo: f.mapsTo }));
}
