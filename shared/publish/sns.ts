import type { MessageAttributeValue, PublishCommandInput } from '@aws-sdk/client-sns';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { awsClientConfig } from '../aws-client-config';
import type { JobEvent } from '../job-event';
import { isNetworkError, PublishError, PublishNetworkError, PublishThrottledError } from './errors';
import { emailText, subjectLine } from './format';
import { type Publisher, publishEach } from './publisher';

/** Options of {@link createSnsPublisher}. */
export interface SnsPublisherOptions {
  readonly topicArn: string;
  /** Injected client (tests, custom retry settings); a default `SNSClient` otherwise. */
  readonly client?: SNSClient;
}

const THROTTLING_ERROR_NAMES: ReadonlySet<string> = new Set([
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
]);

/**
 * The SNS `Publish` input of an event.
 *
 * `MessageStructure: json`: `default` (SQS, Lambda, HTTPS subscribers) is the event JSON, `email`
 * a short readable text. Message attributes feed subscription filter policies; an attribute whose
 * value would be empty is left out, because SNS refuses empty values. So `previous_status` is
 * absent for a job seen for the first time: filter on it with `{"exists": false}`.
 * On a FIFO topic (`.fifo`) messages are grouped by job id and deduplicated by event id.
 */
export function snsPublishInput(topicArn: string, event: JobEvent): PublishCommandInput {
  const { job } = event.data;
  const attributes: Record<string, string | null> = {
    type: event.type,
    job_name: job.name,
    status: job.status,
    previous_status: event.data.previous_status,
    instance_id: job.instance.id,
    instance_name: job.instance.name,
    project_id: event.data.project_id,
    region: event.data.region,
  };
  const messageAttributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== '') messageAttributes[name] = { DataType: 'String', StringValue: value };
  }
  const input: PublishCommandInput = {
    TopicArn: topicArn,
    MessageStructure: 'json',
    Message: JSON.stringify({ default: JSON.stringify(event), email: emailText(event) }),
    Subject: subjectLine(event),
    MessageAttributes: messageAttributes,
  };
  if (!topicArn.endsWith('.fifo')) return input;
  return { ...input, MessageGroupId: job.id, MessageDeduplicationId: event.id };
}

/**
 * A publisher to an SNS topic, where people subscribe by email or webhook and automation by
 * SQS, Lambda or HTTPS: one `Publish` per event, in order. A refused event (throttled:
 * {@link PublishThrottledError}, else {@link PublishError}) stays in the outbox for the next cycle;
 * the events after it are still sent.
 */
export function createSnsPublisher(options: SnsPublisherOptions): Publisher {
  const { topicArn } = options;
  const ownsClient = options.client === undefined;
  const client = options.client ?? new SNSClient(awsClientConfig());
  return {
    name: 'sns',
    publish: (events, options) =>
      publishEach(events, options, async (event, abortSignal) => {
        try {
          await client.send(
            new PublishCommand(snsPublishInput(topicArn, event)),
            abortSignal ? { abortSignal } : {},
          );
        } catch (error) {
          throw toPublishError(error, event, topicArn);
        }
      }),
    async close(): Promise<void> {
      if (ownsClient) client.destroy();
    },
  };
}

function toPublishError(error: unknown, event: JobEvent, topicArn: string): PublishError {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (isThrottling(error)) {
    return new PublishThrottledError(
      'sns',
      `throttled publishing event ${event.id} to ${topicArn} (${reason}); it stays in the outbox for the next cycle, raise the SNS Publish quota if this persists`,
      { cause: error },
    );
  }
  if (isNetworkError(error)) {
    return new PublishNetworkError(
      'sns',
      `network error publishing event ${event.id} to ${topicArn} (${reason}): SNS could not be reached; check DNS, a proxy or firewall, and AWS_ENDPOINT_URL_SNS if it is set (the topic and its permissions were not checked)`,
      { cause: error },
    );
  }
  return new PublishError(
    'sns',
    `could not publish event ${event.id} to ${topicArn} (${reason}); check that the topic exists and the role may sns:Publish to it`,
    { cause: error },
  );
}

function isThrottling(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, $metadata } = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return (typeof name === 'string' && THROTTLING_ERROR_NAMES.has(name)) || $metadata?.httpStatusCode === 429;
}
