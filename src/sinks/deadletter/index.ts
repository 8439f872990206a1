export { DeadLetterSink } from './sink.js';
