import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DUMMY_AWS_ENV } from './index';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from './secrets-manager';

const ARN = 'arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:watcher/huawei-AbC123';
let secrets: SecretsManagerStandIn;
let client: SecretsManagerClient;

beforeAll(async () => {
  secrets = await startSecretsManagerStandIn({ [ARN]: '{"HUAWEICLOUD_SDK_AK":"ak"}', plain: 'text' });
});
afterAll(() => secrets.close());
beforeEach(() => {
  for (const [name, value] of Object.entries({ ...DUMMY_AWS_ENV, ...secrets.endpointEnv }))
    vi.stubEnv(name, value);
  client = new SecretsManagerClient({});
});
afterEach(() => {
  client.destroy();
  vi.unstubAllEnvs();
});

describe('startSecretsManagerStandIn', () => {
  it.each([
    ['its ARN', ARN],
    ['its name', 'watcher/huawei'],
  ])('serves a secret configured by ARN when asked by %s', async (_how, secretId) => {
    const output = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    expect(output).toMatchObject({
      ARN,
      Name: 'watcher/huawei',
      SecretString: '{"HUAWEICLOUD_SDK_AK":"ak"}',
      VersionStages: ['AWSCURRENT'],
    });
    expect(output.CreatedDate).toBeInstanceOf(Date);
    expect(secrets.reads.at(-1)).toEqual({ SecretId: secretId, found: true });
  });

  it('makes up an ARN for a secret configured by name, and serves a new version after putSecret', async () => {
    const first = await client.send(new GetSecretValueCommand({ SecretId: 'plain' }));
    expect(first.ARN).toMatch(
      /^arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:plain-[0-9a-f]{6}$/,
    );
    secrets.putSecret('plain', 'rotated');
    const second = await client.send(new GetSecretValueCommand({ SecretId: first.ARN }));
    expect(second).toMatchObject({ ARN: first.ARN, SecretString: 'rotated' });
    expect(second.VersionId).not.toBe(first.VersionId);
  });

  it('answers ResourceNotFoundException for an unknown id', async () => {
    await expect(client.send(new GetSecretValueCommand({ SecretId: 'nope' }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: "Secrets Manager can't find the specified secret.",
      $metadata: { httpStatusCode: 400 },
    });
    expect(secrets.reads.at(-1)).toEqual({ SecretId: 'nope', found: false });
  });

  it('serves the Powertools SecretsProvider the watcher reads its secrets with', async () => {
    secrets.putSecret('plain', 'via powertools');
    const provider = new SecretsProvider({ awsSdkV3Client: client });
    expect(await provider.get('plain')).toBe('via powertools');
  });

  it.each([
    ['server', 500, 'InternalFailure'],
    ['throttle', 400, 'ThrottlingException'],
  ] as const)('fails the next request on demand (%s)', async (failure, status, name) => {
    const once = new SecretsManagerClient({ maxAttempts: 1 });
    secrets.failNext(1, failure);
    await expect(once.send(new GetSecretValueCommand({ SecretId: ARN }))).rejects.toMatchObject({
      name,
      $metadata: { httpStatusCode: status },
    });
    await expect(once.send(new GetSecretValueCommand({ SecretId: ARN }))).resolves.toMatchObject({ ARN });
    once.destroy();
  });
});
