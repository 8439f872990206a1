// The contract moved to src/core/sink.ts; kept here so existing imports keep working.
export type { Sink, SinkWriteResult, SinkWriteContext } from '../core/sink.js';
