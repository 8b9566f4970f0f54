import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { LAMBDA_ENV } from '../shared/contract';
import { SQS_MAX_DELAY_SECONDS } from '../shared/sub-tick';

/**
 * Sub-tick messages the poll function takes per invocation. One: a sub-tick message carries a
 * tick's (or a fan-out slice's) targets, so one message is as much as one invocation is sized for.
 */
export const SUB_TICK_BATCH_SIZE = 1;

/** What the sub-tick queue is wired to. */
export interface SubTickQueueProps {
  readonly pollFunction: nodejs.NodejsFunction;
  /** The poll function's timeout: the queue's visibility timeout is six of them, as AWS advises. */
  readonly timeout: Duration;
  /**
   * Most invocations working on the queue at once (the event source's maximum concurrency).
   * @default - no limit but the function's
   */
  readonly maxWorkers?: number;
}

/**
 * The sub-tick queue (shared/sub-tick.ts): a standard queue, SQS-managed encryption, TLS only, the
 * poll function its consumer and its only sender (`sqs:SendMessage`, which also allows
 * `SendMessageBatch`, on this queue alone; its URL in `WATCHER_SUB_TICK_QUEUE_URL`).
 *
 * No dead-letter queue: a sub-tick is never retried (the function acknowledges every one, its
 * targets' failures are reported and the next tick polls them anyway); one an invocation died on
 * comes back once at most, and the short retention then drops it. A late or repeated sub-tick
 * costs a cursor read per target and a poll of those with open jobs: harmless.
 */
export function createSubTickQueue(scope: Construct, props: SubTickQueueProps): sqs.Queue {
  const visibilityTimeout = Duration.seconds(props.timeout.toSeconds() * 6);
  const queue = new sqs.Queue(scope, 'SubTickQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout,
    retentionPeriod: Duration.seconds(SQS_MAX_DELAY_SECONDS + visibilityTimeout.toSeconds() + 60),
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'Sub-tick messages are never retried into a dead-letter queue: the poll function acknowledges each one, ' +
      "even when a poll failed, and the schedule's next tick polls every target anyway; a dead-lettered sub-tick " +
      'would be stale. The short retention drops a message an invocation died on.',
  });
  props.pollFunction.addEventSource(
    new SqsEventSource(queue, {
      batchSize: SUB_TICK_BATCH_SIZE,
      reportBatchItemFailures: true,
      ...(props.maxWorkers === undefined ? {} : { maxConcurrency: props.maxWorkers }),
    }),
  );
  props.pollFunction.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
  );
  props.pollFunction.addEnvironment(LAMBDA_ENV.subTickQueueUrl, queue.queueUrl);
  return queue;
}
