export { createHandler, type HandlerOptions, type LambdaEvent, type LambdaResult, type SluiceHandler } from './handler.js';
export { EventSource } from './event-source.js';
export { toSourceRecords, shardOf } from './records.js';
export { STATE_LIMIT_BYTES } from './tumbling.js';
export { toEventRecord } from './event.js';
