// Worker thread for test/tsdoc-examples.test.ts: type-checks in-memory example files against the
// real sources, off the test's thread (a whole-program check takes long on a loaded machine, and a
// test thread blocked that long misses vitest's RPC deadline). Parsed files are cached across
// rounds, and each round's program is built from the last one, so later rounds reuse the sources.
import { parentPort } from 'node:worker_threads';
import ts from 'typescript';

const options = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  esModuleInterop: true,
  types: ['node'],
};
const parsed = new Map();
let oldProgram;

parentPort.on('message', (entries) => {
  const files = new Map(entries);
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (f) => files.get(f) ?? readFile(f);
  host.fileExists = (f) => files.has(f) || fileExists(f);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (f, lang, onError) => {
    if (files.has(f)) return ts.createSourceFile(f, files.get(f), lang);
    if (!parsed.has(f)) parsed.set(f, getSourceFile(f, lang, onError));
    return parsed.get(f);
  };
  const program = ts.createProgram([...files.keys()], options, host, oldProgram);
  oldProgram = program;
  const diagnostics = [...files.keys()].flatMap((f) => ts.getPreEmitDiagnostics(program, program.getSourceFile(f)));
  parentPort.postMessage(diagnostics.map((d) => ({ code: d.code, fileName: d.file?.fileName, text: ts.flattenDiagnosticMessageText(d.messageText, '\n') })));
});
