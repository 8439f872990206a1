import { randomBytes } from 'node:crypto';

/** A unique stream/table name per test, so tests never see each other's data (kafkajs' secureRandom). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
