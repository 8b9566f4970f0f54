/**
 * Every price and assumption the bench's cost model uses, in one place.
 *
 * Prices: AWS list prices for us-east-1, on-demand, without free tiers, as published on the
 * pricing pages of AWS Lambda, Amazon SQS, Amazon DynamoDB (on demand), Amazon CloudWatch (metrics,
 * alarms, dashboards, Logs), Amazon SNS, AWS Secrets Manager, AWS KMS and Amazon EventBridge
 * Scheduler.
 */
export const PRICES = {
  /** Lambda on arm64 (Graviton), per GB-second of billed duration. */
  lambdaArmUsdPerGbSecond: 0.0000133334,
  /** Lambda, per request (invocation). */
  lambdaUsdPerRequest: 0.2 / 1_000_000,
  /** SQS standard queue, per request (each 64 KB chunk of a payload is one; ours are far smaller). */
  sqsUsdPerRequest: 0.4 / 1_000_000,
  /** DynamoDB on demand, per read request unit. */
  ddbUsdPerReadUnit: 0.125 / 1_000_000,
  /** DynamoDB on demand, per write request unit. */
  ddbUsdPerWriteUnit: 0.625 / 1_000_000,
  /** CloudWatch custom metric (one name and dimension set), per month, prorated by the hour it is written. */
  metricUsdPerMonth: 0.3,
  /** CloudWatch standard-resolution alarm, per metric it reads, per month. */
  alarmUsdPerMetricMonth: 0.1,
  /** CloudWatch dashboard, per month (an account's first three are free). */
  dashboardUsdPerMonth: 3,
  /** CloudWatch Logs ingestion (standard class), per GB. */
  logsUsdPerGb: 0.5,
  /** SNS standard topic, per publish (64 KB chunk). */
  snsUsdPerPublish: 0.5 / 1_000_000,
  /** Secrets Manager, per secret per month. */
  secretUsdPerMonth: 0.4,
  /** Secrets Manager, per API call. */
  secretUsdPerCall: 0.05 / 10_000,
  /** KMS customer managed key, per month. */
  kmsKeyUsdPerMonth: 1,
  /** KMS, per request. */
  kmsUsdPerRequest: 0.03 / 10_000,
  /** EventBridge Scheduler, per invocation (14 million a month are free; not counted). */
  schedulerUsdPerInvocation: 1 / 1_000_000,
} as const;

/** What the model assumes where the simulator cannot tell. */
export const ASSUMPTIONS = {
  /**
   * Round trip of one jobs API request from an AWS region to Huawei Cloud: the simulator answers at
   * once, so each API request adds this to an invocation's billed duration.
   */
  apiRoundTripMs: 200,
  /** Lambda gives a function one full vCPU at 1,769 MB, and a share in proportion below that. */
  fullVcpuMemoryMb: 1769,
  /**
   * SQS requests per sub-tick delivered besides its share of the `SendMessageBatch`: the event
   * source mapping's `ReceiveMessage` that returns it and its `DeleteMessageBatch`.
   */
  sqsRequestsPerDelivery: 2,
  /**
   * `ReceiveMessage` requests a minute that an SQS event source mapping makes on a queue whatever
   * it holds: Lambda polls with 20 s long polls from several pollers; AWS documents no figure.
   * Accounts measure about 6 to 15 a minute on an idle queue; the model takes 15 (5 pollers, 3
   * long polls a minute each), the dearer end: $0.26 a queue and month.
   */
  esmReceivesPerMinute: 15,
  /** Targets polled at once in one invocation (the construct's `targetConcurrency` default). */
  targetConcurrency: 4,
  /** Billed ms of an invocation besides its polls: the runtime hand-off, middy, logger, metrics. */
  invocationOverheadMs: 5,
  /**
   * Bytes Lambda itself writes to the log group per invocation: `START`, `END` and `REPORT` lines
   * (about 70, 55 and 150 bytes), 26 bytes of event overhead each as CloudWatch counts them.
   */
  platformLogBytesPerInvocation: 350,
  /** Event overhead CloudWatch Logs counts per line the function writes. */
  logBytesPerLine: 26,
  /**
   * Containers that read the credentials secret (each once per 300 s cache while it polls): one,
   * since a tick and its sub-ticks are 15 s apart and each lasts well under that.
   */
  secretReadingContainers: 1,
  /** Seconds the credentials secret is cached in a container (`WATCHER_SECRET_MAX_AGE_SECONDS`). */
  secretMaxAgeSeconds: 300,
  /**
   * KMS requests per SNS publish to the KMS-encrypted topic, at most: SNS reuses a data key for up
   * to five minutes, so this is an upper bound.
   */
  kmsRequestsPerPublish: 1,
  /** KMS keys a default stack has: the topics' key (a second one only with webhooks or a queue subscription). */
  kmsKeys: 1,
  /**
   * Alarms of a default stack and the metrics each reads: poll errors (2), targets failing,
   * heartbeat, failure queue not empty, SNS delivery failures.
   */
  alarmMetrics: 6,
  /**
   * Custom metrics written by every invocation (`CycleSucceeded`, `CycleDuration`, `ApiRequests`);
   * the others only in hours when they are not 0.
   */
  alwaysOnMetrics: 3,
  /** Transition types written in an hour with jobs changing (`Transitions` by `started`, `completed`). */
  busyHourMetrics: 2,
  /** A month, as the model counts it. */
  monthSeconds: 30 * 86_400,
} as const;
