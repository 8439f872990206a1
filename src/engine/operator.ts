// The contracts moved to src/core; kept here so existing imports keep working.
export type { Row, Batch } from '../core/batch.js';
export type { DeadLetter, RecordPosition } from '../core/dead-letter.js';
export { rowDeadLetter, positionOf } from '../core/dead-letter.js';
export type { Operator, OperatorContext } from '../core/operator.js';
