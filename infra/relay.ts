import { fileURLToPath } from 'node:url';
import { Duration, SecretValue, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../shared/contract';
import { DEFAULT_RESERVE_MS, RELAY_ENV } from '../shared/relay/contract';
import {
  type DestinationConfig,
  type DestinationConfigInput,
  parseDestinations,
} from '../shared/relay/destinations';
import { watcherFunctionDefaults } from './bundling';

/** Entry of the relay function. */
export const RELAY_ENTRY = fileURLToPath(new URL('../functions/relay.ts', import.meta.url));

/** Instructions stored in the created relay secret's description. */
export const RELAY_SECRET_INSTRUCTIONS =
  'Webhook URLs and signing keys of the GeminiDB job watcher relay, by destination name: ' +
  '{"destinations":{"<name>":{"url":"https://..."},"<webhook name>":{"url":"https://...","signingSecret":"<32+ random characters>"}}}. ' +
  'Set it with put-secret-value; the URLs are credentials, keep them out of the stack.';

/** The relay: chat and signed webhook delivery of every event (see shared/relay/). */
export interface RelayProps {
  /**
   * Where events go, without secrets: names, kinds (`slack`, `teams`, `webhook`), filters, and
   * per-destination timeout and attempts. URLs and keys go into {@link RelayProps.secret}.
   */
  readonly destinations: readonly DestinationConfigInput[];
  /**
   * The secret holding each destination's URL (and a webhook's signing key).
   * @default - a new secret, created with no destinations and instructions in its description
   */
  readonly secret?: secretsmanager.ISecret;
  /**
   * Timeout of one relay invocation: every destination's retries must fit in it.
   * @default Duration.minutes(1)
   */
  readonly timeout?: Duration;
  /**
   * Log level of the relay function (Powertools).
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** What the relay is wired to by the watcher. */
export interface WatcherRelayProps extends RelayProps {
  readonly topic: sns.ITopic;
  readonly logRetention: logs.RetentionDays;
}

/** The relay props cannot work; the message names the prop and the fix. */
export class RelayPropsError extends Error {
  override readonly name = 'RelayPropsError';
}

/**
 * A Lambda subscribed to the topic that delivers each event to Slack, Microsoft Teams and signed
 * generic webhooks, with its secret and its dead-letter queue. Each destination is retried within
 * the invocation; the function itself is never retried (a retry would repeat the destinations that
 * succeeded), so an invocation with a failed destination goes to the dead-letter queue at once, and
 * so does an event SNS could not hand to the function.
 */
export class WatcherRelay extends Construct {
  readonly function: nodejs.NodejsFunction;
  /** The destinations' URLs and signing keys. */
  readonly secret: secretsmanager.ISecret;
  /** Failed relay invocations (the function's on-failure destination) and events SNS could not deliver to it. */
  readonly deadLetterQueue: sqs.Queue;
  /** The destinations as deployed, defaults applied. */
  readonly destinations: readonly DestinationConfig[];

  constructor(scope: Construct, id: string, props: WatcherRelayProps) {
    super(scope, id);
    this.destinations = validDestinations(props.destinations);
    const timeout = props.timeout ?? Duration.minutes(1);
    const longestAttemptMs = Math.max(...this.destinations.map((destination) => destination.timeoutMs));
    if (timeout.toMilliseconds() < longestAttemptMs + DEFAULT_RESERVE_MS + 1_000) {
      throw new RelayPropsError(
        `relay.timeout (${timeout.toSeconds()} s) leaves no room for one ${longestAttemptMs} ms delivery attempt: ` +
          `raise relay.timeout to at least ${Math.ceil((longestAttemptMs + DEFAULT_RESERVE_MS + 1_000) / 1000)} s or lower the destination timeoutMs`,
      );
    }
    this.secret = props.secret ?? this.createSecret();

    this.deadLetterQueue = new sqs.Queue(this, 'RelayDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the relay: its on-failure destination and the redrive queue of its ' +
        'SNS subscription, the end of the line for undelivered events; an alarm fires when it is not empty.',
    });

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'GeminiDB job watcher relay function',
    });
    logGroup.grantWrite(role);
    this.secret.grantRead(role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: 'Delivers GeminiDB job events to Slack, Microsoft Teams and signed webhooks',
      ...watcherFunctionDefaults(),
      entry: RELAY_ENTRY,
      timeout,
      role,
      logGroup,
      environment: {
        [RELAY_ENV.destinations]: JSON.stringify(this.destinations),
        [RELAY_ENV.secretId]: this.secret.secretFullArn ?? this.secret.secretName,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      // Retrying the invocation would deliver again to the destinations that took the event.
      retryAttempts: 0,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.deadLetterQueue),
    });
    props.topic.addSubscription(
      new subscriptions.LambdaSubscription(this.function, { deadLetterQueue: this.deadLetterQueue }),
    );
  }

  private createSecret(): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'Secret', {
      description: RELAY_SECRET_INSTRUCTIONS,
      // No URL yet: they are put with put-secret-value after deploy. Until then deliveries fail visibly.
      secretStringValue: SecretValue.unsafePlainText('{"destinations":{}}'),
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret holds webhook URLs issued by Slack, Microsoft Teams and the receivers, and signing keys shared ' +
        'with receivers; a Secrets Manager rotation function cannot reissue them, so they are rotated there and put here.',
    });
    return secret;
  }
}

function validDestinations(destinations: readonly DestinationConfigInput[]): DestinationConfig[] {
  let parsed: DestinationConfig[];
  try {
    parsed = parseDestinations(destinations, 'relay.destinations');
  } catch (error) {
    throw new RelayPropsError((error as Error).message, { cause: error });
  }
  if (parsed.length === 0) {
    throw new RelayPropsError('relay.destinations lists no destination: add one or leave relay out');
  }
  return parsed;
}
