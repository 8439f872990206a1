export { KinesisSink } from './sink.js';
export { kinesisSinkConfigSchema, type KinesisSinkConfig } from './config.js';
