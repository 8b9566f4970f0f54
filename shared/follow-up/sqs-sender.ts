import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig } from '../aws-client-config';
import { type FollowUpMessage, FollowUpSendError, type FollowUpSender } from './message';

/** Options of {@link createSqsFollowUpSender}. */
export interface SqsFollowUpSenderOptions {
  /** The follow-up queue's URL (`WATCHER_FOLLOW_UP_QUEUE_URL`). */
  readonly queueUrl: string;
  /** Injected client (tests); a default `SQSClient` with the watcher's time bounds otherwise. */
  readonly client?: SQSClient;
}

/** Sends each follow-up as one SQS message with `DelaySeconds` on the follow-up queue. */
export function createSqsFollowUpSender(options: SqsFollowUpSenderOptions): FollowUpSender {
  const client = options.client ?? new SQSClient(awsClientConfig());
  return {
    async send(message: FollowUpMessage, delaySeconds: number): Promise<void> {
      try {
        await client.send(
          new SendMessageCommand({
            QueueUrl: options.queueUrl,
            MessageBody: JSON.stringify(message),
            DelaySeconds: delaySeconds,
          }),
        );
      } catch (error) {
        throw new FollowUpSendError(
          `follow-up to ${options.queueUrl} not sent (${error instanceof Error ? error.name : 'error'}): ` +
            'the next schedule tick polls the target instead',
          { cause: error },
        );
      }
    },
  };
}
