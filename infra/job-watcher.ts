import { Duration, RemovalPolicy, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, parseSettings, type WatcherSettings } from '../shared/config';
import { LAMBDA_ENV, METRICS_NAMESPACE, SERVICE_NAME, type TargetsPayload } from '../shared/contract';
import { TableKeys, TTL_ATTRIBUTE } from '../shared/store/table';
import type { Target } from '../shared/target';
import { POLL_ENTRY, POLL_MEMORY_MB, pollBundling, watcherFunctionDefaults } from './bundling';
import { type EventBridgeProps, WatcherEventBridge } from './eventbridge';
import { type HardenedWatcher, type HardeningProps, hardenWatcher } from './hardening';
import { createWatcherAlarms, createWatcherDashboard } from './monitoring';
import { pausePolling } from './pause';
import { type RelayProps, WatcherRelay } from './relay';
import { createSubTickQueue } from './sub-tick';
import { webhookSubscription } from './webhooks';

/** An SNS filter policy on the event's message attributes: attribute name to accepted values. */
export type FilterPolicyProps = Readonly<
  Record<string, readonly (string | number | Record<string, unknown>)[]>
>;

/** An HTTPS endpoint subscribed to the events. */
export interface WebhookSubscriptionProps {
  /** `https://` URL; it must confirm the subscription (SNS sends a SubscriptionConfirmation). */
  readonly url: string;
  /**
   * Deliver the bare event JSON instead of the SNS envelope.
   * @default false
   */
  readonly rawMessageDelivery?: boolean;
  /**
   * Only events matching this policy are delivered.
   * @default - every event
   */
  readonly filterPolicy?: FilterPolicyProps;
}

/** A person subscribed by email, with the events they get. */
export interface EmailSubscriptionProps {
  /** The address; SNS mails it a confirmation link first. */
  readonly address: string;
  /**
   * Only events matching this policy are mailed, e.g. `{ type: ['com.huaweicloud.geminidb.job.failed'] }`.
   * @default - every event
   */
  readonly filterPolicy?: FilterPolicyProps;
}

/** The SQS queue for automation. */
export interface QueueSubscriptionProps {
  /**
   * Only events matching this policy reach the queue.
   * @default - every event
   */
  readonly filterPolicy?: FilterPolicyProps;
}

/** How polls are spread over invocations. */
export interface FanOutProps {
  /**
   * `none`: one scheduled invocation polls every target. `sqs`: schedules put the targets on a
   * queue, `targetsPerMessage` per message, and up to `maxWorkers` invocations of the poll function
   * work through it at once.
   */
  readonly mode: 'none' | 'sqs';
  /**
   * Targets per queue message (one schedule per message); a worker polls them `targetConcurrency`
   * at a time.
   * @default 10
   */
  readonly targetsPerMessage?: number;
  /**
   * Most poll invocations working on the queue at once (the event source's maximum concurrency).
   * @default 10
   */
  readonly maxWorkers?: number;
}

/** Props of {@link JobWatcher}. */
export interface JobWatcherProps {
  /**
   * The GeminiDB estates (region + project) to watch. They travel in the schedule input (or the
   * fan-out messages), not in the function's 4 KB environment, so a hundred fit.
   */
  readonly targets: readonly Target[];
  /**
   * Time between polls.
   * @default Duration.minutes(1)
   */
  readonly pollRate?: Duration;
  /**
   * Emit `progressed` each time progress crosses a multiple of this percentage; 0 turns it off.
   * @default 0
   */
  readonly progressStepPercent?: number;
  /**
   * Seconds a job may stay Running before `stalled`, by job name (`*` is the fallback).
   * @default {} (never stalled)
   */
  readonly stalledAfterSeconds?: Readonly<Record<string, number>>;
  /**
   * Announce every job on a target's first cycle instead of recording a silent baseline.
   * @default false
   */
  readonly announceBaseline?: boolean;
  /**
   * Longest seconds a cycle holds its target's lease; a lease also ends 10 s after the invocation's deadline.
   * @default 120
   */
  readonly leaseSeconds?: number;
  /**
   * Jobs API page size.
   * @default 50
   */
  readonly pageSize?: 10 | 20 | 50;
  /**
   * Targets polled at once within one invocation.
   * @default 4
   */
  readonly targetConcurrency?: number;
  /**
   * Seconds between full 30-day resyncs of a target (incremental cycles in between).
   * @default 3600 (DEFAULT_FULL_RESYNC_SECONDS)
   */
  readonly fullResyncSeconds?: number;
  /**
   * Seconds an incremental cycle looks back before the newest job start it has seen.
   * @default 600 (DEFAULT_OVERLAP_SECONDS)
   */
  readonly overlapSeconds?: number;
  /**
   * Seconds between the sub-ticks of each schedule interval: delayed messages on the sub-tick queue,
   * sent by each tick in one request, that poll again the targets whose jobs are open (docs/cost.md);
   * 0 turns fast polling off and creates no queue.
   * @default 15 (DEFAULT_FAST_POLL_SECONDS)
   */
  readonly fastPollSeconds?: number;
  /**
   * People subscribed to the events by email: an address (every event) or an address with a filter policy.
   * @default - none
   */
  readonly emails?: readonly (string | EmailSubscriptionProps)[];
  /**
   * HTTPS endpoints subscribed to the events.
   * @default - none
   */
  readonly webhooks?: readonly WebhookSubscriptionProps[];
  /**
   * An encrypted SQS queue (with its own DLQ) subscribed to the events, for automation.
   * @default - no queue
   */
  readonly queue?: QueueSubscriptionProps;
  /**
   * Create the CloudWatch dashboard. It costs $3 a month beyond an account's three free dashboards
   * (docs/cost.md); the alarms and the saved failing-targets query do not need it.
   * @default true
   */
  readonly dashboard?: boolean;
  /**
   * Email addresses subscribed to the alarm topic.
   * @default - none (subscribe to `alarmTopic` yourself)
   */
  readonly alarmEmails?: readonly string[];
  /**
   * The secret holding the Huawei credentials document.
   * @default - a new secret, created with empty values and instructions in its description
   */
  readonly credentialsSecret?: secretsmanager.ISecret;
  /**
   * Retention of the poll function's log group.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Timeout of one poll invocation.
   * @default Duration.minutes(1)
   */
  readonly timeout?: Duration;
  /**
   * Memory of the poll function, MB (Lambda gives CPU in proportion).
   * @default POLL_MEMORY_MB (infra/bundling.ts: the measured peak of a 100-target cycle with headroom)
   */
  readonly memorySize?: number;
  /**
   * Reserved concurrency of the poll function. The per-target DynamoDB lease already keeps two polls
   * of a target apart; reserving concurrency also needs spare account concurrency.
   * @default - none
   */
  readonly reservedConcurrency?: number;
  /**
   * Log level of the poll function (Powertools).
   * @default 'INFO'
   */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /**
   * A relay function subscribed to the topic that delivers every event to Slack, Microsoft Teams and
   * signed generic webhooks (URLs and keys in its own secret), with its dead-letter queue and alarm.
   * @default - no relay
   */
  readonly relay?: RelayProps;
  /**
   * Spread the targets over concurrent invocations through an SQS queue, for more targets than one
   * invocation polls within a schedule period (README, "Scale beyond one invocation").
   * @default { mode: 'none' }
   */
  readonly fanOut?: FanOutProps;
  /**
   * Also put every event on an EventBridge bus (the default one, an existing one or one the stack
   * creates), with an optional archive and the event schemas in a schema registry.
   * @default - no EventBridge delivery
   */
  readonly eventBridge?: EventBridgeProps;
  /**
   * false pauses polling: the schedules and the SQS event sources (sub-ticks, fan-out) are disabled
   * and the heartbeat alarm stays quiet, while the table, its state and every subscription stay; true
   * again resumes where it stopped (infra/pause.ts).
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Pass every AWS Control Tower proactive control that applies (infra/hardening.ts,
   * docs/compliance.md): customer-managed keys, a year of logs, a dead-letter queue on every queue,
   * the functions in this VPC. `logRetention` must then be a year or more.
   * @default - the lean stack
   */
  readonly hardening?: HardeningProps;
}

/** A prop combination that cannot work; the message names the prop and the fix. */
export class JobWatcherPropsError extends Error {
  override readonly name = 'JobWatcherPropsError';
}

/** DynamoDB actions the store uses (shared/store/dynamodb-store.ts): nothing else is granted. */
export const TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:Query',
];

/** Instructions stored in the created secret's description. */
export const SECRET_INSTRUCTIONS =
  'Huawei Cloud credentials of the GeminiDB job watcher: a JSON document with the CLI variable names, ' +
  'e.g. {"HUAWEICLOUD_SDK_AK":"...","HUAWEICLOUD_SDK_SK":"..."} or {"HUAWEICLOUD_AUTH_TOKEN":"..."}; ' +
  'per-target overrides under "targets": {"<region>/<projectId>": {...}}. Set it with put-secret-value.';

/**
 * The whole watcher in one construct: a scheduled poll function (one poll per target at a time,
 * guarded by a DynamoDB lease), its table, the KMS-encrypted, TLS-only SNS topic events go to with
 * the configured subscriptions, the Huawei credentials secret, and alarms plus a dashboard.
 */
export class JobWatcher extends Construct {
  /** Job state, cursors and the outbox. */
  readonly table: dynamodb.Table;
  /** Where every transition is published as a CloudEvent. */
  readonly topic: sns.Topic;
  /** The scheduled poller. */
  readonly pollFunction: nodejs.NodejsFunction;
  /** The EventBridge Scheduler schedule that invokes the poller (with fan-out: the first of `schedules`). */
  readonly schedule: scheduler.Schedule;
  /** Every schedule: one, or with fan-out one per queue message. */
  readonly schedules: readonly scheduler.Schedule[];
  /** With fan-out: the queue of targets the poll function works through. */
  readonly targetQueue: sqs.Queue | undefined;
  /** With fan-out: where target messages go that kept failing. */
  readonly targetDeadLetterQueue: sqs.Queue | undefined;
  /** While `fastPollSeconds` is above 0: the sub-ticks that poll targets with open jobs between ticks. */
  readonly subTickQueue: sqs.Queue | undefined;
  /** Where the alarms go. */
  readonly alarmTopic: sns.Topic;
  /** Encrypts both topics. */
  readonly key: kms.Key;
  /**
   * Encrypts the automation queue and the dead-letter queue SNS writes to, when there are
   * subscriptions that use them; queue consumers need `kms:Decrypt` on it.
   */
  readonly queueKey: kms.Key | undefined;
  /** The secret holding the Huawei credentials document. */
  readonly credentialsSecret: secretsmanager.ISecret;
  /** The automation queue, when configured. */
  readonly queue: sqs.Queue | undefined;
  /** Failed poll invocations (the function's on-failure destination). */
  readonly failureQueue: sqs.Queue;
  /** Events SNS could not deliver to a webhook or the queue, when any is configured. */
  readonly deliveryDeadLetterQueue: sqs.Queue | undefined;
  /** The chat and webhook relay, when configured. */
  readonly relay: WatcherRelay | undefined;
  /** The EventBridge bus, archive and schema registry, when configured. */
  readonly eventBridge: WatcherEventBridge | undefined;
  /** Poll errors, targets failing, heartbeat, one per dead-letter queue, SNS delivery failures; all to `alarmTopic`. */
  readonly alarms: readonly Alarm[];
  /** The poll function's log group (its EMF documents name each busy or failed poll's target). */
  readonly pollLogGroup: logs.LogGroup;
  /** With `hardening`: the storage key, the dead-letter queues and security groups it added. */
  readonly hardened: HardenedWatcher | undefined;
  /** Transitions, cycles, API requests, failures per target and the alarms on one page; absent with `dashboard: false`. */
  readonly dashboard: Dashboard | undefined;

  constructor(scope: Construct, id: string, props: JobWatcherProps) {
    super(scope, id);
    const pollRate = props.pollRate ?? Duration.minutes(1);
    const timeout = props.timeout ?? Duration.minutes(1);
    const settings = watcherSettings(props, pollRate);
    if (settings.leaseSeconds < timeout.toSeconds()) {
      throw new JobWatcherPropsError(
        `leaseSeconds (${settings.leaseSeconds}) is shorter than the poll function timeout (${timeout.toSeconds()} s): ` +
          `raise leaseSeconds to at least ${timeout.toSeconds()} or lower timeout`,
      );
    }

    // Two keys: a queue subscription's key policy names the topic, so the topic cannot use that key.
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the GeminiDB job watcher topics',
      enableKeyRotation: true,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
    );
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TableKeys.partition, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TableKeys.sort, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'GeminiDB job events',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', {
      displayName: 'GeminiDB job watcher alarms',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.credentialsSecret = props.credentialsSecret ?? this.createCredentialsSecret();

    this.failureQueue = new sqs.Queue(this, 'FailureQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.failureQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the poll function on-failure destination, the end of the line for failed invocations; ' +
        'an alarm fires when it is not empty, and a dead-letter queue behind it would only hide them.',
    });

    const webhooks = props.webhooks ?? [];
    this.queueKey =
      webhooks.length > 0 || props.queue !== undefined
        ? new kms.Key(this, 'QueueKey', {
            description: 'Encrypts the GeminiDB job watcher queues that SNS delivers to',
            enableKeyRotation: true,
          })
        : undefined;
    this.deliveryDeadLetterQueue = this.queueKey
      ? this.createDeliveryDeadLetterQueue(this.queueKey)
      : undefined;
    const queues = this.queueKey && props.queue !== undefined ? this.createQueue(this.queueKey) : undefined;
    this.queue = queues?.queue;

    this.pollLogGroup = new logs.LogGroup(this, 'PollLogs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.pollFunction = this.createPollFunction(props, settings, timeout);
    this.eventBridge = props.eventBridge
      ? new WatcherEventBridge(this, 'EventBridge', { ...props.eventBridge, pollFunction: this.pollFunction })
      : undefined;
    const fanOut =
      props.fanOut?.mode === 'sqs' ? this.createFanOut(props.fanOut, settings, pollRate, timeout) : undefined;
    this.subTickQueue =
      settings.fastPollSeconds > 0
        ? createSubTickQueue(this, {
            pollFunction: this.pollFunction,
            timeout,
            ...(props.fanOut?.mode === 'sqs' ? { maxWorkers: props.fanOut.maxWorkers ?? 10 } : {}),
          })
        : undefined;
    this.targetQueue = fanOut?.queue;
    this.targetDeadLetterQueue = fanOut?.deadLetterQueue;
    this.schedules = fanOut?.schedules ?? [this.createSchedule(pollRate, settings.targets)];
    this.schedule = this.schedules[0] as scheduler.Schedule;
    this.subscribe(props);
    this.relay =
      props.relay === undefined
        ? undefined
        : new WatcherRelay(this, 'Relay', {
            ...props.relay,
            topic: this.topic,
            logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
          });

    const deadLetterQueues = [
      this.failureQueue,
      this.targetDeadLetterQueue,
      this.deliveryDeadLetterQueue,
      queues?.deadLetterQueue,
      this.relay?.deadLetterQueue,
    ].filter((queue): queue is sqs.Queue => queue !== undefined);
    // After every resource it hardens, before the alarms (which watch the dead-letter queues it adds).
    this.hardened = props.hardening
      ? hardenWatcher(this, props.hardening, { tableUsers: [this.pollFunction], deadLetterQueues })
      : undefined;

    this.alarms = createWatcherAlarms(this, {
      pollFunction: this.pollFunction,
      topic: this.topic,
      alarmTopic: this.alarmTopic,
      deadLetterQueues: [...deadLetterQueues, ...(this.hardened?.deadLetterQueues ?? [])],
      logGroup: this.pollLogGroup,
      // Two polls, at least 5 minutes, at most the day CloudWatch allows.
      heartbeatPeriod: Duration.minutes(
        Math.min(24 * 60, Math.max(5, 2 * Math.ceil(pollRate.toMinutes({ integral: false })))),
      ),
    });
    this.dashboard =
      (props.dashboard ?? true)
        ? createWatcherDashboard(this, {
            pollFunction: this.pollFunction,
            topic: this.topic,
            alarms: this.alarms,
            logGroup: this.pollLogGroup,
          })
        : undefined;
    for (const email of props.alarmEmails ?? []) {
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    if (props.enabled === false) pausePolling(this, { schedules: this.schedules, alarms: this.alarms });
  }

  private createCredentialsSecret(): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'CredentialsSecret', {
      description: SECRET_INSTRUCTIONS,
      // Empty placeholders, not credentials: the real values are put with put-secret-value after deploy.
      secretObjectValue: {
        HUAWEICLOUD_SDK_AK: SecretValue.unsafePlainText(''),
        HUAWEICLOUD_SDK_SK: SecretValue.unsafePlainText(''),
      },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret holds Huawei Cloud credentials, which are issued and rotated in Huawei Cloud IAM where a ' +
        'Secrets Manager rotation function cannot reach; they are rotated there and put into this secret.',
    });
    return secret;
  }

  private createPollFunction(
    props: JobWatcherProps,
    settings: WatcherSettings,
    timeout: Duration,
  ): nodejs.NodejsFunction {
    const logGroup = this.pollLogGroup;
    const role = new iam.Role(this, 'PollRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'GeminiDB job watcher poll function',
    });
    logGroup.grantWrite(role);
    role.addToPolicy(new iam.PolicyStatement({ actions: TABLE_ACTIONS, resources: [this.table.tableArn] }));
    role.addToPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [this.topic.topicArn] }));
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: [this.key.keyArn],
      }),
    );
    // grantRead scopes an imported-by-name secret to `name-??????`, the ARNs it can have.
    this.credentialsSecret.grantRead(role);
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowWatcherToPublish',
        principals: [role],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
      }),
    );

    const secretId = this.credentialsSecret.secretFullArn ?? this.credentialsSecret.secretName;
    return new nodejs.NodejsFunction(this, 'PollFunction', {
      description: 'Polls Huawei Cloud GeminiDB jobs and publishes each transition to SNS',
      ...watcherFunctionDefaults(),
      entry: POLL_ENTRY,
      bundling: pollBundling(),
      memorySize: props.memorySize ?? POLL_MEMORY_MB,
      timeout,
      role,
      logGroup,
      // The targets travel in the schedule input (or the fan-out messages), not in the 4 KB environment.
      environment: {
        ...settingsEnvironment(settings),
        ...allowedEndpointsEnvironment(settings.targets),
        [LAMBDA_ENV.tableName]: this.table.tableName,
        [LAMBDA_ENV.topicArn]: this.topic.topicArn,
        [LAMBDA_ENV.credentialsSecretId]: secretId,
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: props.logLevel ?? 'INFO',
        // Stack traces in the logs point into functions/ and shared/, not the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
      },
      ...(props.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrency }),
      // The next scheduled poll is the retry; a failed invocation goes to the failure queue at once.
      retryAttempts: 0,
      maxEventAge: Duration.minutes(2),
      onFailure: new SqsDestination(this.failureQueue),
    });
  }

  private createSchedule(pollRate: Duration, targets: readonly Target[]): scheduler.Schedule {
    const role = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Lets EventBridge Scheduler invoke the GeminiDB job watcher poll function',
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [this.pollFunction.functionArn],
      }),
    );
    const functionArn = this.pollFunction.functionArn;
    const payload: TargetsPayload = { targets };
    return new scheduler.Schedule(this, 'Schedule', {
      description: 'Polls the GeminiDB jobs of every target',
      schedule: scheduler.ScheduleExpression.rate(pollRate),
      // A missed tick is not retried: the next one polls anyway.
      target: {
        bind: () => ({
          arn: functionArn,
          role,
          // The invocation event carries the targets: the 4 KB environment holds about 40.
          input: scheduler.ScheduleTargetInput.fromObject(payload),
          retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
        }),
      },
    });
  }

  /**
   * The fan-out: a queue of targets, one schedule per slice of `targetsPerMessage` targets that
   * sends the slice to it every `pollRate`, and the poll function consuming it with up to
   * `maxWorkers` concurrent invocations and partial batch responses.
   */
  private createFanOut(
    fanOut: FanOutProps,
    settings: WatcherSettings,
    pollRate: Duration,
    timeout: Duration,
  ): { queue: sqs.Queue; deadLetterQueue: sqs.Queue; schedules: scheduler.Schedule[] } {
    const perMessage = fanOut.targetsPerMessage ?? 10;
    const maxWorkers = fanOut.maxWorkers ?? 10;
    if (!Number.isInteger(perMessage) || perMessage < 1) {
      throw new JobWatcherPropsError(
        `fanOut.targetsPerMessage (${perMessage}) must be a whole number of at least 1`,
      );
    }
    if (!Number.isInteger(maxWorkers) || maxWorkers < 2 || maxWorkers > 1000) {
      throw new JobWatcherPropsError(
        `fanOut.maxWorkers (${maxWorkers}) must be a whole number from 2 to 1000 (the SQS event source's maximum concurrency)`,
      );
    }
    const deadLetterQueue = new sqs.Queue(this, 'TargetDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the target queue, the end of the line for target messages that ' +
        'kept failing; an alarm fires when it is not empty.',
    });
    // AWS advises a visibility timeout of six function timeouts for an SQS event source.
    const visibilityTimeout = Duration.seconds(timeout.toSeconds() * 6);
    const queue = new sqs.Queue(this, 'TargetQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout,
      // A tick nobody took within two tries is stale: the next schedule sends the targets again.
      retentionPeriod: Duration.seconds(visibilityTimeout.toSeconds() * 2 + 60),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 2 },
    });
    this.pollFunction.addEventSource(
      new SqsEventSource(queue, { batchSize: 1, maxConcurrency: maxWorkers, reportBatchItemFailures: true }),
    );
    const { targets } = settings;
    const schedules: scheduler.Schedule[] = [];
    for (let index = 0; index * perMessage < targets.length; index++) {
      // The whole target objects: the function has no list of its own to look keys up in.
      const message: TargetsPayload = {
        targets: targets.slice(index * perMessage, (index + 1) * perMessage),
      };
      schedules.push(
        new scheduler.Schedule(this, `FanOutSchedule${index}`, {
          description: `Queues GeminiDB targets ${index * perMessage + 1}-${index * perMessage + message.targets.length} for polling`,
          schedule: scheduler.ScheduleExpression.rate(pollRate),
          // A missed tick is not retried: the next one queues the targets anyway.
          target: new schedulerTargets.SqsSendMessage(queue, {
            input: scheduler.ScheduleTargetInput.fromObject(message),
            retryAttempts: 0,
            maxEventAge: Duration.minutes(1),
          }),
        }),
      );
    }
    return { queue, deadLetterQueue, schedules };
  }

  private createDeliveryDeadLetterQueue(key: kms.Key): sqs.Queue {
    const queue = new sqs.Queue(this, 'DeliveryDeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is the dead-letter queue of the SNS subscriptions (an SNS redrive policy, which cdk-nag does ' +
        'not recognise as a DLQ use); an alarm fires when it is not empty.',
    });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowTopicToDeadLetter',
        principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { ArnEquals: { 'aws:SourceArn': this.topic.topicArn } },
      }),
    );
    return queue;
  }

  private createQueue(key: kms.Key): { queue: sqs.Queue; deadLetterQueue: sqs.Queue } {
    const deadLetterQueue = new sqs.Queue(this, 'QueueDeadLetterQueue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: key,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: deadLetterQueue, maxReceiveCount: 5 },
    });
    return { queue, deadLetterQueue };
  }

  /** Each address, with its filter policy when it has one. */
  private subscribeEmails(emails: readonly (string | EmailSubscriptionProps)[]): void {
    for (const email of emails) {
      const { address, filterPolicy } = typeof email === 'string' ? { address: email } : email;
      this.topic.addSubscription(
        new subscriptions.EmailSubscription(address, {
          ...(filterPolicy ? { filterPolicy: subscriptionFilters(filterPolicy) } : {}),
        }),
      );
    }
  }

  private subscribe(props: JobWatcherProps): void {
    this.subscribeEmails(props.emails ?? []);
    for (const [index, webhook] of (props.webhooks ?? []).entries()) {
      // A fixed construct id, `Webhook<index>`: one derived from the URL would carry its credentials.
      this.topic.addSubscription(
        webhookSubscription(this, index, webhook.url, {
          protocol: sns.SubscriptionProtocol.HTTPS,
          rawMessageDelivery: webhook.rawMessageDelivery ?? false,
          ...(this.deliveryDeadLetterQueue ? { deadLetterQueue: this.deliveryDeadLetterQueue } : {}),
          ...(webhook.filterPolicy ? { filterPolicy: subscriptionFilters(webhook.filterPolicy) } : {}),
        }),
      );
    }
    if (this.queue !== undefined) {
      this.topic.addSubscription(
        new subscriptions.SqsSubscription(this.queue, {
          rawMessageDelivery: true,
          ...(this.deliveryDeadLetterQueue ? { deadLetterQueue: this.deliveryDeadLetterQueue } : {}),
          ...(props.queue?.filterPolicy
            ? { filterPolicy: subscriptionFilters(props.queue.filterPolicy) }
            : {}),
        }),
      );
    }
  }
}

/** The watcher settings the props describe, validated by the same rules as the Lambda and the CLI. */
function watcherSettings(props: JobWatcherProps, pollRate: Duration): WatcherSettings {
  return parseSettings({
    targets: props.targets,
    progressStepPercent: props.progressStepPercent,
    stalledAfterSeconds: props.stalledAfterSeconds,
    announceBaseline: props.announceBaseline,
    leaseSeconds: props.leaseSeconds,
    pageSize: props.pageSize,
    targetConcurrency: props.targetConcurrency,
    fullResyncSeconds: props.fullResyncSeconds,
    overlapSeconds: props.overlapSeconds,
    fastPollSeconds: props.fastPollSeconds,
    scheduleSeconds: pollRate.toSeconds(),
  });
}

/**
 * The settings as the environment variables `lambdaSettingsFromEnv` reads: every one of `ENV` but
 * `WATCHER_TARGETS`, since the targets travel in the schedule input (Lambda allows 4 KB of
 * environment, about 40 targets' worth).
 */
export function settingsEnvironment(settings: WatcherSettings): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [field, variable] of Object.entries(ENV)) {
    if (variable === ENV.targets) continue;
    const value: unknown = settings[field as keyof WatcherSettings];
    if (value === undefined) continue;
    environment[variable] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return environment;
}

/**
 * `WATCHER_ALLOWED_ENDPOINTS`: the distinct custom endpoints of the targets, the only ones besides
 * the regions' public endpoints that an invocation event may point the function at.
 */
export function allowedEndpointsEnvironment(targets: readonly Target[]): Record<string, string> {
  const endpoints = [...new Set(targets.flatMap((target) => target.endpoint ?? []))];
  return endpoints.length > 0 ? { [LAMBDA_ENV.allowedEndpoints]: JSON.stringify(endpoints) } : {};
}

/** Turns a JSON filter policy into CDK subscription filters, condition for condition. */
export function subscriptionFilters(policy: FilterPolicyProps): Record<string, sns.SubscriptionFilter> {
  return Object.fromEntries(
    Object.entries(policy).map(([attribute, conditions]) => [
      attribute,
      new sns.SubscriptionFilter([...conditions]),
    ]),
  );
}
