import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
import type { JobEvent } from '../../shared/job-event';

/** A Lambda context with plenty of time left. */
export function lambdaContext(remainingMs = 60_000): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'geminidb-relay',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:geminidb-relay',
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: '/aws/lambda/geminidb-relay',
    logStreamName: '2026/11/30/[$LATEST]abc',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** The SNS event a Lambda subscriber gets for one published job event (the `default` member of the message). */
export function snsEvent(
  events: readonly (JobEvent | string)[],
  type = 'Notification',
): { Records: unknown[] } {
  return {
    Records: events.map((event, index) => ({
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:eu-west-1:123456789012:geminidb-job-events:2bcfbf39',
      Sns: {
        Type: type,
        MessageId: `msg-${index}`,
        TopicArn: 'arn:aws:sns:eu-west-1:123456789012:geminidb-job-events',
        Subject: 'subject',
        Message: typeof event === 'string' ? event : JSON.stringify(event),
        Timestamp: '2026-11-30T01:02:03.000Z',
        MessageAttributes: {},
      },
    })),
  };
}

/** Everything written to stdout and stderr (Powertools logs and EMF metrics) while capturing. */
export interface CapturedOutput {
  readonly text: () => string;
  /** The JSON lines written, parsed. */
  readonly records: () => Record<string, unknown>[];
  restore(): void;
}

/** Captures process output; Powertools writes its logs and EMF records there. */
export function captureOutput(): CapturedOutput {
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  return {
    text: () => chunks.join(''),
    records: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    restore() {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

/** EMF records that hold `metric`, as `{ dimensions, value }`. */
export function metricValues(
  records: readonly Record<string, unknown>[],
  metric: string,
): { destination: string | undefined; value: unknown }[] {
  return records
    .filter((record) => '_aws' in record && metric in record)
    .map((record) => ({ destination: record.destination as string | undefined, value: record[metric] }));
}
