export { DynamoDbSink } from './sink.js';
export { dynamoSinkConfigSchema, type DynamoSinkConfig } from './config.js';
export { toAttribute, fromAttribute, fromItem, itemSize } from './marshal.js';
