/** One sample of the Prometheus text exposition format (0.0.4), with the TYPE of its family. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
  type: string;
}

/**
 * Parses the text format strictly enough for tests: every non-comment line must be a sample
 * (`name{label="value",...} number`), or this throws naming the line.
 */
export function parseMetrics(text: string): Sample[] {
  const types = new Map<string, string>();
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    // As Prometheus parses values (Go's ParseFloat): NaN and Inf in any case. prom-client writes
    // "Nan" (the event-loop lag before its first sample, so whether it shows depends on timing).
    const raw = m[3]!;
    const value = /^[+]?inf$/i.test(raw) ? Infinity : /^-inf$/i.test(raw) ? -Infinity : /^nan$/i.test(raw) ? NaN : Number(raw);
    if (Number.isNaN(value) && !/^nan$/i.test(raw)) throw new Error(`bad value in ${JSON.stringify(line)}`);
    const name = m[1]!;
    const family = types.has(name) ? name : name.replace(/_(bucket|sum|count)$/, '');
    out.push({ name, labels, value, type: types.get(family) ?? 'untyped' });
  }
  return out;
}
