import type { SQSClient } from '@aws-sdk/client-sqs';
import { awsClientConfig } from './aws-client-config';
import { type SubTickMessage, SubTickSendError, type SubTickSender } from './sub-tick';

/** Entries SQS takes in one `SendMessageBatch`. */
const BATCH_ENTRIES = 10;

/** Options of {@link createSqsSubTickSender}. */
export interface SqsSubTickSenderOptions {
  /** The sub-tick queue's URL (`WATCHER_SUB_TICK_QUEUE_URL`). */
  readonly queueUrl: string;
  /** Injected client (tests); a default `SQSClient` with the watcher's time bounds otherwise. */
  readonly client?: SQSClient;
}

/**
 * Sends an interval's sub-ticks as one `SendMessageBatch` (one billed request for up to ten
 * delays), each entry the same body with its own `DelaySeconds`. The SQS client is loaded on the
 * first send, so a deployment without fast polling never loads it.
 */
export function createSqsSubTickSender(options: SqsSubTickSenderOptions): SubTickSender {
  let loaded: Promise<{ client: SQSClient; sqs: typeof import('@aws-sdk/client-sqs') }> | undefined;
  const load = () => {
    loaded ??= import('@aws-sdk/client-sqs').then((sqs) => ({
      sqs,
      client: options.client ?? new sqs.SQSClient(awsClientConfig()),
    }));
    return loaded;
  };
  return {
    async send(message: SubTickMessage, delaysSeconds: readonly number[]): Promise<number> {
      const body = JSON.stringify(message);
      let requests = 0;
      try {
        const { client, sqs } = await load();
        for (let start = 0; start < delaysSeconds.length; start += BATCH_ENTRIES) {
          const entries = delaysSeconds.slice(start, start + BATCH_ENTRIES).map((delay) => ({
            Id: `d${delay}`,
            MessageBody: body,
            DelaySeconds: delay,
          }));
          requests += 1;
          const result = await client.send(
            new sqs.SendMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: entries }),
          );
          const failed = result.Failed ?? [];
          if (failed.length > 0) {
            throw new Error(
              failed.map((entry) => `${entry.Id}: ${entry.Code} ${entry.Message ?? ''}`).join('; '),
            );
          }
        }
        return requests;
      } catch (error) {
        throw new SubTickSendError(
          `sub-ticks to ${options.queueUrl} not sent (${error instanceof Error ? `${error.name}: ${error.message}` : 'error'}): ` +
            'fast polling is off until the next schedule tick, which polls every target anyway',
          { cause: error },
        );
      }
    },
  };
}
