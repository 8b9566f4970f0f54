import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterEach, describe, expect, it } from 'vitest';
import { AWS_MAX_ATTEMPTS, AWS_REQUEST_TIMEOUT_MS, awsClientConfig } from '../../shared/aws-client-config';
import { createSnsPublisher } from '../../shared/publish/sns';
import { DynamoDbTaskStore } from '../../shared/store/dynamodb-store';
import { startHttpServer, type TestHttpServer } from '../support/http-server';
import { sampleEvent } from './publish/fixtures';

// A dependency that hangs must not hold a cycle: every AWS client gives up on a request in bounded
// time. Without throwOnRequestTimeout the SDK only logs the breach and keeps waiting.
let server: TestHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** An endpoint that accepts the connection and never answers. */
async function hanging(): Promise<string> {
  server = await startHttpServer(() => {});
  return server.url;
}

const local = { region: 'ap-southeast-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };

describe('awsClientConfig', () => {
  it('bounds every request, throws when the bound is breached, and caps the attempts', () => {
    expect(awsClientConfig()).toEqual({
      maxAttempts: AWS_MAX_ATTEMPTS,
      requestHandler: {
        connectionTimeout: 1_000,
        requestTimeout: AWS_REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      },
    });
  });

  it('makes a store call to a DynamoDB that hangs fail after its attempts, not wait forever', async () => {
    const endpoint = await hanging();
    const client = new DynamoDBClient({
      ...awsClientConfig({ requestTimeoutMs: 150, maxAttempts: 2 }),
      ...local,
      endpoint,
    });
    const store = new DynamoDbTaskStore({ tableName: 't', client });
    // The server never answers: only the request timeout can end the call (no wall-clock measure).
    await expect(store.getCursor({ region: 'ap-southeast-1', projectId: 'p' })).rejects.toThrow(
      /timed out|timeout/i,
    );
    expect(server?.requests.length).toBe(2);
    client.destroy();
  });

  it('makes a publish to an SNS that hangs a refusal, not a hang', async () => {
    const endpoint = await hanging();
    const client = new SNSClient({
      ...awsClientConfig({ requestTimeoutMs: 150, maxAttempts: 1 }),
      ...local,
      endpoint,
    });
    const publisher = createSnsPublisher({ topicArn: 'arn:aws:sns:ap-southeast-1:123456789012:t', client });
    const event = sampleEvent('failed');
    const { refused } = await publisher.publish([event]);
    expect(refused).toEqual([expect.objectContaining({ id: event.id })]);
    client.destroy();
  });
});
