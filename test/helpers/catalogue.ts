import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const GENERATOR_DOC = join(import.meta.dirname, '..', '..', 'docs', 'generator.md');

/** The templates of docs/generator.md's "Catalogue" section: each `### name` and its first code block. */
export function catalogue(): { name: string; source: string }[] {
  const doc = readFileSync(GENERATOR_DOC, 'utf8');
  const start = doc.indexOf('\n## Catalogue\n');
  if (start === -1) throw new Error(`${GENERATOR_DOC} has no "## Catalogue" section`);
  const end = doc.indexOf('\n## ', start + 1);
  const section = doc.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/\n### (\S+)\n[\s\S]*?\n```\n([\s\S]*?)\n```\n/g)].map((m) => ({ name: m[1]!, source: m[2]! }));
}

/** The rows of docs/generator.md's function table: name, usage, maps-to. */
export function documentedFunctions(): { name: string; usage: string; mapsTo: string }[] {
  const doc = readFileSync(GENERATOR_DOC, 'utf8');
  return [...doc.matchAll(/^\| `([\w.]+)` \| `(.*?)` \| (.*) \|$/gm)].map((m) => ({ name: m[1]!, usage: m[2]!.replace(/\\\|/g, '|'), mapsTo: m[3]! }));
}
