import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRelayHandler } from '../../../functions/relay-handler';
import { parseSendTestCommand, runSendTest, testEvent } from '../../../local/commands/send-test';
import { SinkPathError } from '../../../local/preflight';
import { UsageError } from '../../../local/specs';
import { emailText, subjectLine } from '../../../shared/publish/format';
import { createSnsPublisher } from '../../../shared/publish/sns';
import { parseDestinations, parseRelaySecret } from '../../../shared/relay/destinations';
import { TransitionType } from '../../../shared/transition';
import { captureOutput, lambdaContext } from '../../functions/relay-support';
import { startSlackReceiver, startWebhookReceiver } from '../../shared/relay/receivers';
import { runCli } from '../../support/cli';
import { collectingPublisher } from '../../support/collecting-publisher';
import { assertValidEvent } from '../../support/event-schema';

const TARGET = { region: 'ap-southeast-1', projectId: '0549b4a43100d4f32f51c01c2fe4acdb' };
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:123456789012:geminidb-job-events';
const NOW = new Date('2026-11-30T01:02:03.456Z');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'watcher-send-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('parseSendTestCommand', () => {
  it('defaults to a completed event on the console', () => {
    expect(parseSendTestCommand(['--region', 'ap-southeast-1', '--project-id', 'p1'], {})).toEqual({
      target: { region: 'ap-southeast-1', projectId: 'p1' },
      type: 'completed',
      sinks: [{ kind: 'console' }],
    });
  });

  it('takes the target from the environment and every sink given', () => {
    const command = parseSendTestCommand(
      ['--type', 'failed', '--sink', `sns:${TOPIC_ARN}`, '--sink', 'jsonl:e.jsonl'],
      {
        HUAWEICLOUD_SDK_REGION: 'eu-west-101',
        HUAWEICLOUD_SDK_PROJECT_ID: 'p2',
      },
    );
    expect(command).toMatchObject({
      target: { region: 'eu-west-101', projectId: 'p2' },
      type: 'failed',
      sinks: [
        { kind: 'sns', topicArn: TOPIC_ARN },
        { kind: 'jsonl', path: 'e.jsonl' },
      ],
    });
  });

  it.each<[string[], RegExp]>([
    [['--project-id', 'p'], /--region is required/],
    [['--region', 'r'], /--project-id is required/],
    [
      ['--region', 'r', '--project-id', 'p', '--type', 'exploded'],
      /--type: "exploded" must be one of started/,
    ],
    [['--region', 'r', '--project-id', 'p', '--sink', 'kafka:x'], /--sink: "kafka:x" is not a sink/],
    [
      ['--region', 'r', '--project-id', 'p', '--store', 'dynalite'],
      /send-test: unknown flag --store \(the flags are --region, --project-id, --type, --sink\)/,
    ],
  ])('refuses %j', (args, message) => {
    expect(() => parseSendTestCommand(args, {})).toThrow(UsageError);
    expect(() => parseSendTestCommand(args, {})).toThrow(message);
  });
});

describe('testEvent', () => {
  it.each(Object.values(TransitionType))('builds a schema-valid, clearly marked %s event', (type) => {
    const event = testEvent(TARGET, type, NOW);
    assertValidEvent(event);
    expect(event).toMatchObject({
      type: `com.huaweicloud.geminidb.job.${type}`,
      source: `geminidb-job-watcher/${TARGET.region}/${TARGET.projectId}`,
      time: '2026-11-30T01:02:03.456Z',
      test: true,
      data: { job: { name: 'WatcherTestEvent', instance: { id: '', name: 'watcher-test' } } },
    });
    expect(subjectLine(event)).toMatch(/^\[GeminiDB\] TEST WatcherTestEvent on watcher-test /);
  });

  it('carries a fresh id each time, so deduplicating consumers still see every test', () => {
    expect(testEvent(TARGET, 'completed', NOW).id).not.toBe(testEvent(TARGET, 'completed', NOW).id);
  });

  it('says in a failed test event that nothing failed', () => {
    const event = testEvent(TARGET, 'failed', NOW);
    expect(event.data).toMatchObject({ duration_seconds: 42, job: { status: 'Failed' } });
    expect(emailText(event)).toContain(
      'Failure:    This is a test failure sent by send-test; nothing failed.',
    );
  });
});

describe('runSendTest', () => {
  it('prints the test event on the console and appends it to a JSONL file', async () => {
    const path = join(dir, 'events.jsonl');
    const out: string[] = [];
    const status: string[] = [];
    const command = parseSendTestCommand(
      [
        '--region',
        TARGET.region,
        '--project-id',
        TARGET.projectId,
        '--sink',
        'console',
        '--sink',
        `jsonl:${path}`,
      ],
      {},
    );
    expect(
      await runSendTest(command, {
        out: (line) => out.push(line),
        status: (line) => status.push(line),
        color: false,
        now: () => NOW,
      }),
    ).toBe(0);
    expect(out).toEqual(['01:02:03 completed      TEST WatcherTestEvent on watcher-test in 42s']);
    const written = JSON.parse((await readFile(path, 'utf8')).trim());
    assertValidEvent(written);
    expect(written.test).toBe(true);
    expect(status).toEqual([
      `sent test event ${written.id} (com.huaweicloud.geminidb.job.completed, job WatcherTestEvent) to console, jsonl ${path}`,
    ]);
  });

  it('refuses a jsonl sink that is a directory before publishing anywhere', async () => {
    const out: string[] = [];
    const command = parseSendTestCommand(
      ['--region', 'r', '--project-id', 'p', '--sink', 'console', '--sink', `jsonl:${dir}`],
      {},
    );
    await expect(runSendTest(command, { status: () => {}, out: (line) => out.push(line) })).rejects.toThrow(
      SinkPathError,
    );
    expect(out).toEqual([]);
  });

  it('exits 1 and names the sink that refused the event, after trying the others', async () => {
    const down = collectingPublisher('down');
    down.failNext();
    const up = collectingPublisher('up');
    const status: string[] = [];
    const command = parseSendTestCommand(
      ['--region', 'r', '--project-id', 'p', '--sink', 'console', '--sink', 'jsonl:x'],
      {},
    );
    const code = await runSendTest(command, {
      status: (line) => status.push(line),
      openSinks: () => [down, up],
    });
    expect(code).toBe(1);
    expect(up.events).toHaveLength(1);
    expect(status[0]).toBe('error: sink console: down sink is down');
    expect(status[1]).toMatch(/^test event .*: 1 of 2 sinks refused it$/);
  });

  describe('through the deployed topic', () => {
    const sns = mockClient(SNSClient);
    beforeEach(() => {
      sns.reset();
      sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    });

    it('publishes to SNS with a TEST subject, and the relay delivers it to every destination whatever the filters', async () => {
      const slack = await startSlackReceiver();
      const webhook = await startWebhookReceiver('whsec_send_test_0123456789');
      try {
        const command = parseSendTestCommand(
          ['--region', 'r', '--project-id', 'p', '--type', 'failed', '--sink', `sns:${TOPIC_ARN}`],
          {},
        );
        const client = new SNSClient({ region: 'eu-west-1' });
        const code = await runSendTest(command, {
          status: () => {},
          openSinks: () => [createSnsPublisher({ topicArn: TOPIC_ARN, client })],
        });
        expect(code).toBe(0);
        const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
        expect(input?.Subject).toBe('[GeminiDB] TEST WatcherTestEvent on watcher-test failed');
        const structured = JSON.parse(input?.Message ?? '{}') as { default: string; email: string };
        expect(structured.email.startsWith('TEST MESSAGE')).toBe(true);

        // SNS hands the `default` member to the relay's Lambda subscription.
        const handler = createRelayHandler({
          destinations: parseDestinations([
            { name: 'ops-slack', kind: 'slack', filter: { types: ['stalled'] } },
            { name: 'automation', kind: 'webhook', filter: { jobNames: ['BackupInstance'] } },
          ]),
          readSecret: async () =>
            parseRelaySecret(
              JSON.stringify({
                destinations: {
                  'ops-slack': { url: slack.url },
                  automation: { url: webhook.url, signingSecret: 'whsec_send_test_0123456789' },
                },
              }),
              'test receivers on 127.0.0.1',
              { allowLocalDestinations: true },
            ),
          logger: new Logger({ serviceName: 'send-test', logLevel: 'SILENT' }),
          metrics: new Metrics({ namespace: 'SendTest', serviceName: 'send-test' }),
        });
        const record = {
          EventSource: 'aws:sns',
          Sns: { Type: 'Notification', MessageId: 'm-1', TopicArn: TOPIC_ARN, Message: structured.default },
        };
        const output = captureOutput();
        const summary = await handler({ Records: [record] }, lambdaContext()).finally(() => output.restore());
        expect(summary.delivered).toHaveLength(2);
        expect(JSON.parse(slack.accepted[0]?.body ?? '{}').text).toBe(
          '[GeminiDB] TEST WatcherTestEvent on watcher-test failed after 42s: This is a test failure sent by send-test; nothing failed.',
        );
        expect(webhook.accepted[0]?.body).toBe(structured.default);
      } finally {
        await Promise.all([slack.close(), webhook.close()]);
      }
    });
  });

  it('runs from the CLI: exit 0, the TEST line on stdout, the event id on stderr', async () => {
    const path = join(dir, 'cli.jsonl');
    const run = await runCli([
      'send-test',
      '--region',
      TARGET.region,
      '--project-id',
      TARGET.projectId,
      '--sink',
      'console',
      '--sink',
      `jsonl:${path}`,
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^\d{2}:\d{2}:\d{2} completed {6}TEST WatcherTestEvent on watcher-test in 42s\n$/,
    );
    const written = JSON.parse((await readFile(path, 'utf8')).trim());
    expect(run.stderr).toContain(`sent test event ${written.id}`);
  });

  it('says a network error when SNS cannot be reached, and exits 1', async () => {
    const run = await runCli(
      [
        'send-test',
        '--region',
        TARGET.region,
        '--project-id',
        TARGET.projectId,
        '--sink',
        `sns:${TOPIC_ARN}`,
      ],
      {
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_REGION: 'eu-west-1',
        AWS_ENDPOINT_URL_SNS: 'http://127.0.0.1:9',
      },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/error: sink sns arn:\S+: network error publishing event .*ECONNREFUSED/);
    expect(run.stderr).toContain('SNS could not be reached');
    expect(run.stderr).not.toContain('sns:Publish');
  });
});
