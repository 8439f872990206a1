export { CounterSink } from './sink.js';
export { counterSinkConfigSchema, type CounterSinkConfig } from './config.js';
