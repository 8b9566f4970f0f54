import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { testEvent } from '../../local/commands/send-test';
import { AwsCredentialsMissingError, AwsRegionMissingError } from '../../local/preflight';
import { StoreInUseError } from '../../local/store-lock';
import { checkSinks, openSinks, openStore, snsClientFor } from '../../local/wiring';
import { TransitionType } from '../../shared/transition';
import { type SnsStandIn, startSnsStandIn } from '../support/aws/sns';

const TOPIC_ARN = 'arn:aws:sns:ap-southeast-1:123456789012:geminidb-job-events';
const dir = mkdtempSync(join(tmpdir(), 'wiring-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An AWS environment with nothing in it: no region, no credentials, no profile files, no IMDS. */
function emptyAwsEnvironment(): void {
  for (const name of [
    'AWS_REGION',
    'AWS_DEFAULT_REGION',
    'AWS_PROFILE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_WEB_IDENTITY_TOKEN_FILE',
    'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    'AWS_CONTAINER_CREDENTIALS_FULL_URI',
    'AWS_ENDPOINT_URL',
  ]) {
    vi.stubEnv(name, undefined);
  }
  vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'no-config'));
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'no-credentials'));
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
}

beforeEach(emptyAwsEnvironment);
afterEach(() => vi.unstubAllEnvs());

/** Dummy credentials and the endpoint of the stand-in; no region, so the ARN's must be used. */
function standInEnv(standIn: SnsStandIn): Record<string, string> {
  return {
    ...standIn.endpointEnv,
    AWS_ACCESS_KEY_ID: 'AKIDSTANDIN',
    AWS_SECRET_ACCESS_KEY: 'stand-in-secret',
  };
}

describe('the SNS sink', () => {
  let standIn: SnsStandIn | undefined;
  afterEach(async () => {
    await standIn?.close();
    standIn = undefined;
  });

  it("uses the topic ARN's region, whatever AWS_REGION says", async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    const client = snsClientFor(TOPIC_ARN);
    expect(await client.config.region()).toBe('ap-southeast-1');
    client.destroy();
  });

  it('publishes without AWS_REGION, signed for the region the ARN names', async () => {
    standIn = await startSnsStandIn();
    for (const [name, value] of Object.entries(standInEnv(standIn))) vi.stubEnv(name, value);
    await checkSinks([{ kind: 'sns', topicArn: TOPIC_ARN }]);
    const [publisher] = openSinks([{ kind: 'sns', topicArn: TOPIC_ARN }]);
    const { refused } = (await publisher?.publish([
      testEvent({ region: 'ap-southeast-1', projectId: 'p' }, TransitionType.Completed, new Date()),
    ])) ?? { refused: [] };
    expect(refused).toEqual([]);
    await publisher?.close?.();
    expect(standIn.published.map((message) => message.TopicArn)).toEqual([TOPIC_ARN]);
    expect(standIn.calls.map((call) => call.region)).toEqual(['ap-southeast-1']);
  });

  it('is refused at start, in one line, when there are no AWS credentials', async () => {
    const error = await checkSinks([{ kind: 'console' }, { kind: 'sns', topicArn: TOPIC_ARN }]).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AwsCredentialsMissingError);
    expect((error as Error).message).toMatch(new RegExp(`^--sink sns:${TOPIC_ARN}: no AWS credentials \\(`));
  });
});

describe('the EventBridge sink', () => {
  it.each([
    [
      'a bus name without AWS_REGION',
      'geminidb-jobs',
      /^--sink eventbridge:geminidb-jobs: no AWS region; set AWS_REGION/,
    ],
    [
      'a bus ARN without credentials',
      'arn:aws:events:eu-west-1:123456789012:event-bus/geminidb-jobs',
      /^--sink eventbridge:arn:aws:events:eu-west-1:123456789012:event-bus\/geminidb-jobs: no AWS credentials \(/,
    ],
  ])('is refused at start, in one line, for %s', async (_label, eventBus, message) => {
    const error = await checkSinks([{ kind: 'eventbridge', eventBus }]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(
      eventBus.startsWith('arn:') ? AwsCredentialsMissingError : AwsRegionMissingError,
    );
    expect((error as Error).message).toMatch(message);
  });
});

describe('openStore', () => {
  it('refuses a dynamodb:TABLE with no AWS region, naming AWS_REGION', async () => {
    const error = await openStore({ kind: 'dynamodb', table: 'watcher-state' }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(AwsRegionMissingError);
    expect((error as Error).message).toMatch(
      /^--store dynamodb:watcher-state: no AWS region; set AWS_REGION/,
    );
  });

  it('refuses a dynamodb:TABLE with a region but no credentials', async () => {
    vi.stubEnv('AWS_REGION', 'ap-southeast-1');
    await expect(openStore({ kind: 'dynamodb', table: 'watcher-state' })).rejects.toThrow(
      AwsCredentialsMissingError,
    );
  });

  it('refuses a dynalite:DIR another opener holds, naming its pid, and opens it once that one closes', async () => {
    const path = join(dir, 'shared-store');
    const first = await openStore({ kind: 'dynalite', dir: path });
    try {
      const error = await openStore({ kind: 'dynalite', dir: path }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreInUseError);
      expect((error as Error).message).toBe(
        `--store dynalite:${path}: the store is in use by another process (pid ${process.pid}); stop it, or give this command another --store dynalite:DIR`,
      );
    } finally {
      await first.close();
    }
    const second = await openStore({ kind: 'dynalite', dir: path });
    await second.close();
  });
});
