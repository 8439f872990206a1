/** Shared by the benchmarks: medians, the process's CPU time, and `key=value` result lines. */
export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU ms of this process (user + system, DuckDB's threads included): steadier than wall time on a shared machine. */
export const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One result line, `key=value` pairs, for people and scripts. */
export function line(fields: Record<string, string | number>): void {
  process.stdout.write(`${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
}
