import { randomUUID } from 'node:crypto';
import { escapeXml, queryProtocol } from './query-protocol';
import { AwsStandInError, STAND_IN_ACCOUNT_ID, type StandIn, startStandIn } from './server';

/** The SDK's `AWS_ENDPOINT_URL_<serviceId>` for CloudFormation (`serviceId` "CloudFormation"). */
export const CLOUDFORMATION_ENDPOINT_VARIABLE = 'AWS_ENDPOINT_URL_CLOUDFORMATION';

/** A deployed stack as `DescribeStacks` shows it. */
export interface StoredStack {
  readonly name: string;
  readonly id: string;
  readonly status: string;
  readonly outputs: Readonly<Record<string, string>>;
}

/** A local CloudFormation: `DescribeStacks` over awsQuery. */
export interface CloudFormationStandIn extends StandIn {
  /** Serves a stack with these outputs (status `CREATE_COMPLETE` unless given). */
  putStack(name: string, outputs: Readonly<Record<string, string>>, status?: string): StoredStack;
}

/**
 * Starts a local CloudFormation that speaks awsQuery (the protocol of
 * `@aws-sdk/client-cloudformation`) and describes the stacks put into it; an unknown stack is the
 * `ValidationError` CloudFormation answers ("Stack with id X does not exist").
 */
export async function startCloudFormationStandIn(region = 'ap-southeast-1'): Promise<CloudFormationStandIn> {
  const protocol = queryProtocol({
    xmlNamespace: 'http://cloudformation.amazonaws.com/doc/2010-05-15/',
    version: '2010-05-15',
  });
  const stacks = new Map<string, StoredStack>();
  const standIn = await startStandIn({
    signingName: 'cloudformation',
    endpointVariable: CLOUDFORMATION_ENDPOINT_VARIABLE,
    protocol,
    throttle: { status: 400, code: 'Throttling', message: 'Rate exceeded' },
    handle(operation, request) {
      if (operation !== 'DescribeStacks') {
        throw new AwsStandInError({
          status: 400,
          code: 'InvalidAction',
          message: `${operation} is not served here`,
        });
      }
      const name = protocol.params(request).get('StackName') ?? '';
      const stack = [...stacks.values()].find(
        (candidate) => candidate.name === name || candidate.id === name,
      );
      if (stack === undefined) {
        throw new AwsStandInError({
          status: 400,
          code: 'ValidationError',
          message: `Stack with id ${name} does not exist`,
        });
      }
      return protocol.result(operation, `<Stacks><member>${stackXml(stack)}</member></Stacks>`);
    },
  });
  return Object.assign(standIn, {
    putStack(name: string, outputs: Readonly<Record<string, string>>, status = 'CREATE_COMPLETE') {
      const id = `arn:aws:cloudformation:${region}:${STAND_IN_ACCOUNT_ID}:stack/${name}/${randomUUID()}`;
      const stack = { name, id, status, outputs };
      stacks.set(name, stack);
      return stack;
    },
  });
}

function stackXml(stack: StoredStack): string {
  const outputs = Object.entries(stack.outputs)
    .map(
      ([key, value]) =>
        `<member><OutputKey>${escapeXml(key)}</OutputKey><OutputValue>${escapeXml(value)}</OutputValue></member>`,
    )
    .join('');
  return (
    `<StackId>${escapeXml(stack.id)}</StackId><StackName>${escapeXml(stack.name)}</StackName>` +
    `<CreationTime>2026-12-01T00:00:00.000Z</CreationTime><StackStatus>${stack.status}</StackStatus>` +
    `<Outputs>${outputs}</Outputs>`
  );
}
