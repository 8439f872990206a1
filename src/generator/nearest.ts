/** Edit distance (insert, delete, substitute: 1 each), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[t.length] as number;
}

/**
 * The known names nearest to `name`, best first: by edit distance of the whole name, or of the
 * part after the dot (so `address.firstName` still finds `name.firstName`). At most `limit`.
 */
export function nearestNames(name: string, known: Iterable<string>, limit = 3): string[] {
  const method = name.slice(name.lastIndexOf('.') + 1);
  const scored = [...known].map((k) => {
    const whole = editDistance(name, k);
    const tail = editDistance(method, k.slice(k.lastIndexOf('.') + 1)) + 1;
    return { k, d: Math.min(whole, tail) };
  });
  const cutoff = Math.max(2, Math.ceil(name.length / 3));
  return scored
    .filter((s) => s.d <= cutoff)
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, limit)
    .map((s) => s.k);
}
