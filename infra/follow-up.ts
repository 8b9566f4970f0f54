import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { LAMBDA_ENV } from '../shared/contract';

/** Follow-up messages the poll function takes per invocation (each is one target's poll). */
export const FOLLOW_UP_BATCH_SIZE = 10;

/** What the follow-up queue is wired to. */
export interface FollowUpQueueProps {
  readonly pollFunction: nodejs.NodejsFunction;
  /** The poll function's timeout: the queue's visibility timeout is six of them, as AWS advises. */
  readonly timeout: Duration;
  /** The longest delay a follow-up message is sent with. */
  readonly fastPollSeconds: number;
}

/**
 * The follow-up queue (shared/follow-up/): a standard queue, SQS-managed encryption, TLS only, the
 * poll function its consumer (small batches, partial batch responses) and its only sender
 * (`sqs:SendMessage` on this queue alone; its URL in `WATCHER_FOLLOW_UP_QUEUE_URL`).
 *
 * No dead-letter queue: the function acknowledges every follow-up message, even when its poll
 * failed, because the schedule's next tick repairs the chain; a message comes back only if an
 * invocation dies, and the retention (the delay, one visibility timeout and a minute) drops it
 * after that one retry, by when the tick has started a new chain and made it stale.
 */
export function createFollowUpQueue(scope: Construct, props: FollowUpQueueProps): sqs.Queue {
  const visibilityTimeout = Duration.seconds(props.timeout.toSeconds() * 6);
  const queue = new sqs.Queue(scope, 'FollowUpQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    visibilityTimeout,
    retentionPeriod: Duration.seconds(props.fastPollSeconds + visibilityTimeout.toSeconds() + 60),
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'Follow-up messages are never retried into a dead-letter queue: the poll function acknowledges each one, ' +
      "even when its poll failed, and the schedule's next tick repairs the chain; a dead-lettered follow-up would " +
      'be stale and must not be replayed. The short retention drops a message an invocation died on.',
  });
  props.pollFunction.addEventSource(
    new SqsEventSource(queue, { batchSize: FOLLOW_UP_BATCH_SIZE, reportBatchItemFailures: true }),
  );
  props.pollFunction.addToRolePolicy(
    new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [queue.queueArn] }),
  );
  props.pollFunction.addEnvironment(LAMBDA_ENV.followUpQueueUrl, queue.queueUrl);
  return queue;
}
