import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Every `@example` in the sources' TSDoc must compile against the real API. Each example is put in
 * an async function in a file that imports every name its module exports; identifiers the example
 * takes from its surroundings (`data`, `client`, ...) are declared `any`, so what is checked is
 * the use of Sluice's own API: names, argument shapes, return types.
 */
const root = join(import.meta.dirname, '..');
const srcDir = join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.endsWith('.test-d.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

interface Example {
  file: string;
  line: number;
  code: string;
}

function examples(): Example[] {
  const out: Example[] = [];
  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(file, 'utf8');
    const re = /\/\*\*([\s\S]*?)\*\//g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const body = m[1]!;
      const at = body.indexOf('@example');
      if (at === -1) continue;
      const lines = body.slice(at + '@example'.length).split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
      const end = lines.findIndex((l, i) => i > 0 && l.startsWith('@'));
      const code = (end === -1 ? lines : lines.slice(0, end)).join('\n').replace(/```\w*/g, '').trim();
      if (code) out.push({ file, line: text.slice(0, m.index).split('\n').length, code });
    }
  }
  return out;
}

function exportedNames(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const names = new Set<string>();
  for (const s of sf.statements) {
    const exported = ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (exported && (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s) || ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s)) && s.name) names.add(s.name.text);
    if (exported && ts.isVariableStatement(s)) for (const d of s.declarationList.declarations) if (ts.isIdentifier(d.name)) names.add(d.name.text);
    if (ts.isExportDeclaration(s) && s.exportClause && ts.isNamedExports(s.exportClause)) for (const e of s.exportClause.elements) names.add(e.name.text);
  }
  return [...names];
}

interface Diagnostic {
  code: number;
  fileName: string | undefined;
  text: string;
}

/** Type-checks the files in a worker thread (test/helpers/tsdoc-compile.mjs), keeping this thread free. */
function compiler(): { compile: (files: Map<string, string>) => Promise<Diagnostic[]>; close: () => Promise<number> } {
  const worker = new Worker(join(import.meta.dirname, 'helpers', 'tsdoc-compile.mjs'));
  return {
    compile: (files) =>
      new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.postMessage([...files]);
      }),
    close: () => worker.terminate(),
  };
}

describe('TSDoc @example blocks', () => {
  const all = examples();

  it('finds the examples', () => expect(all.length).toBeGreaterThanOrEqual(8));

  it('all compile against the API they document', async () => {
    const files = new Map<string, string>();
    const free = new Map<string, Set<string>>();
    const render = (e: Example, i: number) => {
      const dir = dirname(e.file);
      const spec = `./${relative(dir, e.file).replace(/\.ts$/, '.js')}`;
      const names = exportedNames(e.file);
      const declared = [...(free.get(e.file + i) ?? [])].map((n) => `declare const ${n}: any;`).join('\n');
      return `import { ${names.join(', ')} } from '${spec}';\n${declared}\nexport async function __example(): Promise<void> {\n${e.code}\n}\n`;
    };
    const path = (e: Example, i: number) => join(dirname(e.file), `__example_${i}.ts`);
    let diagnostics: Diagnostic[] = [];
    const { compile, close } = compiler();
    try {
      for (let round = 0; round < 3; round++) {
        files.clear();
        all.forEach((e, i) => files.set(path(e, i), render(e, i)));
        diagnostics = await compile(files);
        const unknown = diagnostics.filter((d) => d.code === 2304 || d.code === 2552);
        if (unknown.length === 0) break;
        for (const d of unknown) {
          const i = all.findIndex((e, j) => path(e, j) === d.fileName);
          const name = /'([^']+)'/.exec(d.text)?.[1];
          if (i >= 0 && name) free.set(all[i]!.file + i, (free.get(all[i]!.file + i) ?? new Set()).add(name));
        }
      }
    } finally {
      await close();
    }
    const problems = diagnostics
      .filter((d) => d.code !== 6133 && d.code !== 6192 && d.code !== 6196 && d.code !== 6198)
      .map((d) => {
        const i = all.findIndex((e, j) => path(e, j) === d.fileName);
        const e = all[i];
        return `${e ? `${relative(root, e.file)}:${e.line}` : d.fileName}: ${d.text}`;
      });
    expect(problems).toEqual([]);
  }, 300_000);
});
