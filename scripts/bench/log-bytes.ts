import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { createPollHandler } from '../../functions/poll-handler';
import { localDynamoClient } from '../../local/dynalite';
import { lambdaSettingsFromEnv } from '../../shared/config';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../shared/contract';
import { DynamoDbTaskStore } from '../../shared/store/dynamodb-store';
import type { SubTickMessage } from '../../shared/sub-tick';
import type { Backend } from './backend-client';
import { BENCH_TABLES } from './names';
import { apiFactory, benchTargets, memoryPublisher } from './wiring';

/** Bytes (and lines) the poll handler writes to its log group, at the default INFO level. */
export interface LogBytes {
  /** An idle tick: bytes = base + perTarget × targets. */
  readonly tickBaseBytes: number;
  readonly tickPerTargetBytes: number;
  /** A sub-tick finding no open jobs: bytes = base + perTarget × targets. */
  readonly subTickBaseBytes: number;
  readonly subTickPerTargetBytes: number;
  /** What a poll that announces one transition adds to its invocation's bytes. */
  readonly busyPollBytes: number;
  /** Lines of an idle invocation (for the per-line overhead). */
  readonly idleLines: number;
  /** Extra lines of a busy poll. */
  readonly busyPollLines: number;
  /** One example each, as written: the per-invocation summary line and a busy poll's EMF document. */
  readonly summaryLine: string;
  readonly emfDocument: string;
}

/**
 * Runs the real poll handler (functions/poll-handler.ts, Powertools logger and metrics at INFO) on
 * the bench backend for 1 and for 10 targets, and counts what it writes to stdout and stderr: an
 * idle tick, a sub-tick with nothing open, and a tick with one new job. Logs are priced from these
 * bytes, not from a guess.
 */
export async function measureLogBytes(backend: Backend, projectIds: readonly string[]): Promise<LogBytes> {
  if (projectIds.length < 11) throw new Error('measureLogBytes needs 11 projects');
  const client = localDynamoClient(backend.dynamoEndpoint);
  const previousLevel = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  try {
    const store = new DynamoDbTaskStore({ tableName: BENCH_TABLES.watcher, client });
    const sent: SubTickMessage[] = [];
    const handler = createPollHandler({
      settings: lambdaSettingsFromEnv({ WATCHER_FAST_POLL_SECONDS: '15' }),
      allowedEndpoints: [backend.simulatorUrl],
      store,
      publishers: [memoryPublisher()],
      apiFor: apiFactory(),
      logger: new Logger({ serviceName: SERVICE_NAME }),
      metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
      minRemainingMs: 1_000,
      subTicks: {
        async send(message, delays) {
          sent.push(message);
          return delays.length > 0 ? 1 : 0;
        },
      },
    });
    const one = benchTargets(projectIds.slice(0, 1), backend.simulatorUrl);
    const ten = benchTargets(projectIds.slice(1, 11), backend.simulatorUrl);
    const tick = (targets: typeof one) => captured(() => handler({ targets }, lambdaContext()));
    const subTick = (targets: typeof one) =>
      captured(() => handler(sqsEvent({ subTick: { targets } }), lambdaContext()));
    await tick(one);
    await tick(ten);
    const idle1 = await tick(one);
    const idle10 = await tick(ten);
    const sub1 = await subTick(one);
    const sub10 = await subTick(ten);
    await backend.add(projectIds[0] ?? '', 'Running', Date.now() - 1_000);
    const busy = await tick(one);
    const emfDocument = busy.lines.find((line) => line.includes('"_aws"') && line.includes('"target"')) ?? '';
    const summaryLine = idle10.lines.find((line) => line.includes('"poll finished"')) ?? '';
    return {
      tickBaseBytes: idle1.bytes - (idle10.bytes - idle1.bytes) / 9,
      tickPerTargetBytes: (idle10.bytes - idle1.bytes) / 9,
      subTickBaseBytes: sub1.bytes - (sub10.bytes - sub1.bytes) / 9,
      subTickPerTargetBytes: (sub10.bytes - sub1.bytes) / 9,
      busyPollBytes: busy.bytes - idle1.bytes,
      idleLines: idle1.lines.length,
      busyPollLines: busy.lines.length - idle1.lines.length,
      summaryLine,
      emfDocument,
    };
  } finally {
    if (previousLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
    else process.env.POWERTOOLS_LOG_LEVEL = previousLevel;
    client.destroy();
  }
}

/** Runs `work` with stdout and stderr captured: the bytes and the lines written. */
async function captured(work: () => Promise<unknown>): Promise<{ bytes: number; lines: string[] }> {
  const chunks: string[] = [];
  const out = process.stdout.write;
  const err = process.stderr.write;
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    await work();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  const text = chunks.join('');
  return { bytes: Buffer.byteLength(text), lines: text.split('\n').filter((line) => line !== '') };
}

function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'GeminiDbJobWatcher-WatcherPollFunction-AbCdEf123456',
    functionVersion: '$LATEST',
    invokedFunctionArn:
      'arn:aws:lambda:ap-southeast-1:123456789012:function:GeminiDbJobWatcher-WatcherPollFunction-AbCdEf123456',
    memoryLimitInMB: '192',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/GeminiDbJobWatcher-WatcherPollFunction-AbCdEf123456',
    logStreamName: '2026/12/08/[$LATEST]0123456789abcdef0123456789abcdef',
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

function sqsEvent(body: unknown) {
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: randomUUID(),
        body: JSON.stringify(body),
        attributes: {},
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:ap-southeast-1:123456789012:watcher-sub-ticks',
        awsRegion: 'ap-southeast-1',
      },
    ],
  };
}
