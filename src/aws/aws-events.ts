import { EventEmitter } from 'node:events';

/**
 * Process-wide notices about AWS calls that did not succeed at the first try: retries and throttles.
 * The retry layer and the fault-injection middleware emit them; metrics and the dashboard subscribe.
 * Process-wide on purpose: clients are shared by every part of a worker, and a retry belongs to no
 * single pipeline object.
 */
export interface AwsCallEvents {
  /** A call failed with a retriable error and will be tried again after `delayMs`. */
  'aws.retry': { service: 'kinesis' | 'dynamodb'; operation: string; errorName: string; throttled: boolean; attempt: number; delayMs: number; shardId?: string };
}

const emitter = new EventEmitter();
emitter.setMaxListeners(0);

export const awsEvents = {
  on<K extends keyof AwsCallEvents>(name: K, listener: (payload: AwsCallEvents[K]) => void): () => void {
    emitter.on(name, listener);
    return () => emitter.off(name, listener);
  },
  emit<K extends keyof AwsCallEvents>(name: K, payload: AwsCallEvents[K]): void {
    emitter.emit(name, payload);
  },
};
