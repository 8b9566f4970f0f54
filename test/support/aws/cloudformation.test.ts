import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CloudFormationStandIn, startCloudFormationStandIn } from './cloudformation';
import { DUMMY_AWS_ENV } from './index';

let cloudFormation: CloudFormationStandIn;
let client: CloudFormationClient;

beforeAll(async () => {
  cloudFormation = await startCloudFormationStandIn();
});
afterAll(() => cloudFormation.close());
beforeEach(() => {
  for (const [name, value] of Object.entries({ ...DUMMY_AWS_ENV, ...cloudFormation.endpointEnv }))
    vi.stubEnv(name, value);
  client = new CloudFormationClient({ maxAttempts: 1 });
});
afterEach(() => {
  client.destroy();
  vi.unstubAllEnvs();
});

describe('startCloudFormationStandIn', () => {
  it('describes a stack put into it, outputs included, by name', async () => {
    const stack = cloudFormation.putStack('Watcher', {
      TopicArn: 'arn:aws:sns:ap-southeast-1:1:t',
      Empty: '',
    });
    const { Stacks } = await client.send(new DescribeStacksCommand({ StackName: 'Watcher' }));
    expect(
      Stacks?.map(({ StackId, StackName, StackStatus, Outputs }) => ({
        StackId,
        StackName,
        StackStatus,
        Outputs,
      })),
    ).toEqual([
      {
        StackId: stack.id,
        StackName: 'Watcher',
        StackStatus: 'CREATE_COMPLETE',
        Outputs: [
          { OutputKey: 'TopicArn', OutputValue: 'arn:aws:sns:ap-southeast-1:1:t' },
          { OutputKey: 'Empty', OutputValue: '' },
        ],
      },
    ]);
  });

  it('answers ValidationError for a stack that does not exist, as CloudFormation does', async () => {
    await expect(client.send(new DescribeStacksCommand({ StackName: 'Nope' }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Stack with id Nope does not exist',
    });
  });
});
