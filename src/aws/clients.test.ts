import { NodeHttp2Handler, NodeHttpHandler } from '@smithy/node-http-handler';
import { describe, expect, it } from 'vitest';
import { createAwsClients, subscriptionClient } from './clients.js';

describe('subscriptionClient (enhanced fan-out)', () => {
  it('on AWS subscribes over HTTP/2, as SubscribeToShard requires', () => {
    const clients = createAwsClients({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, faults: [] });
    const sub = subscriptionClient(clients.kinesis);
    try {
      expect(sub.owned).toBe(true);
      expect(sub.client).not.toBe(clients.kinesis);
      expect(sub.client.config.requestHandler).toBeInstanceOf(NodeHttp2Handler);
      expect(clients.kinesis.config.requestHandler).toBeInstanceOf(NodeHttpHandler);
    } finally {
      sub.client.destroy();
      clients.close();
    }
  });

  it('on a custom endpoint (an emulator) keeps the HTTP/1.1 client', () => {
    const clients = createAwsClients({ kinesisEndpoint: 'http://127.0.0.1:4567', region: 'us-east-1', faults: [] });
    try {
      expect(subscriptionClient(clients.kinesis)).toEqual({ client: clients.kinesis, owned: false });
    } finally {
      clients.close();
    }
  });
});
