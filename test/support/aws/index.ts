/**
 * Local stand-ins for the AWS services the watcher calls, reached by unmodified SDK v3 clients
 * through the SDK's own endpoint variables (`AWS_ENDPOINT_URL_<serviceId>`):
 *
 * | service | protocol (SDK 3.1164.0) | variable |
 * | --- | --- | --- |
 * | SNS | awsQuery | `AWS_ENDPOINT_URL_SNS` |
 * | Secrets Manager | awsJson1_1 | `AWS_ENDPOINT_URL_SECRETS_MANAGER` |
 * | EventBridge | awsJson1_1 | `AWS_ENDPOINT_URL_EVENTBRIDGE` |
 * | SQS | awsJson1_0 (awsQueryCompatible) | `AWS_ENDPOINT_URL_SQS` |
 * | CloudFormation | awsQuery | `AWS_ENDPOINT_URL_CLOUDFORMATION` |
 */
export { type CloudFormationStandIn, startCloudFormationStandIn } from './cloudformation';
export { type EventBridgeStandIn, startEventBridgeStandIn } from './eventbridge';
export { type SecretsManagerStandIn, startSecretsManagerStandIn } from './secrets-manager';
export {
  type AwsRequest,
  InjectedFailure,
  STAND_IN_ACCOUNT_ID,
  type StandIn,
  type StandInCall,
} from './server';
export {
  deliveredMessage,
  type PublishedMessage,
  type SnsStandIn,
  type StoredSubscription,
  startSnsStandIn,
} from './sns';
export { type SentMessage, type SqsStandIn, startSqsStandIn } from './sqs';

import { type CloudFormationStandIn, startCloudFormationStandIn } from './cloudformation';
import { type EventBridgeStandIn, startEventBridgeStandIn } from './eventbridge';
import { type SecretsManagerStandIn, startSecretsManagerStandIn } from './secrets-manager';
import { type SnsStandIn, startSnsStandIn } from './sns';
import { type SqsStandIn, startSqsStandIn } from './sqs';

/**
 * A region and dummy static credentials: what the SDK needs to sign a request. The stand-ins
 * check that requests are signed, not the signature.
 */
export const DUMMY_AWS_ENV = {
  AWS_REGION: 'ap-southeast-1',
  AWS_ACCESS_KEY_ID: 'AKIASTANDIN000000000',
  AWS_SECRET_ACCESS_KEY: 'stand-in-secret-access-key',
} as const;

/** The stand-ins, started together. */
export interface AwsStandIns {
  readonly cloudFormation: CloudFormationStandIn;
  readonly sns: SnsStandIn;
  readonly secretsManager: SecretsManagerStandIn;
  readonly eventBridge: EventBridgeStandIn;
  readonly sqs: SqsStandIn;
  /** {@link DUMMY_AWS_ENV} and every stand-in's `AWS_ENDPOINT_URL_<SERVICE>`. */
  readonly env: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/** Starts every stand-in (each on its own port). */
export async function startAwsStandIns(): Promise<AwsStandIns> {
  const [cloudFormation, sns, secretsManager, eventBridge, sqs] = await Promise.all([
    startCloudFormationStandIn(),
    startSnsStandIn(),
    startSecretsManagerStandIn(),
    startEventBridgeStandIn(),
    startSqsStandIn(),
  ]);
  const all = [cloudFormation, sns, secretsManager, eventBridge, sqs];
  return {
    cloudFormation,
    sns,
    secretsManager,
    eventBridge,
    sqs,
    env: Object.assign({ ...DUMMY_AWS_ENV }, ...all.map((standIn) => standIn.endpointEnv)),
    close: async () => {
      await Promise.all(all.map((standIn) => standIn.close()));
    },
  };
}
