export { ConsoleSink } from './sink.js';
export { consoleSinkConfigSchema, type ConsoleSinkConfig } from './config.js';
export { showTable, formatCell } from './show.js';
