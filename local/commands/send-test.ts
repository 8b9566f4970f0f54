import { randomUUID } from 'node:crypto';
import type { JobEvent } from '../../shared/job-event';
import { EVENT_TYPE_PREFIX } from '../../shared/job-event';
import { printable } from '../../shared/printable';
import { TEST_JOB_NAME } from '../../shared/publish/format';
import { describeError, type Publisher, publishOne } from '../../shared/publish/publisher';
import { eventSource, type Target } from '../../shared/target';
import { TransitionType } from '../../shared/transition';
import { parseFlags } from '../flags';
import { parseSinkSpec, type SinkSpec, UsageError } from '../specs';
import { checkSinks, describeSink, openSinks } from '../wiring';

/** A job event published by `send-test`: the CloudEvents extension attribute `test` is true. */
export type TestJobEvent = JobEvent & { readonly test: true };

/** A parsed `send-test` command line. */
export interface SendTestCommand {
  readonly target: Pick<Target, 'region' | 'projectId'>;
  readonly type: TransitionType;
  readonly sinks: readonly SinkSpec[];
}

const SEND_TEST_FLAGS = {
  region: { type: 'string' },
  'project-id': { type: 'string' },
  type: { type: 'string' },
  sink: { type: 'string', multiple: true },
} as const;

const TYPES = Object.values(TransitionType) as readonly string[];

/** Parses `send-test` arguments; throws UsageError (exit 2). */
export function parseSendTestCommand(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): SendTestCommand {
  const values = parseFlags('send-test', args, SEND_TEST_FLAGS);
  const region = values.region ?? env.HUAWEICLOUD_SDK_REGION;
  const projectId = values['project-id'] ?? env.HUAWEICLOUD_SDK_PROJECT_ID;
  if (!region) throw new UsageError('send-test: --region is required (or set HUAWEICLOUD_SDK_REGION)');
  if (!projectId)
    throw new UsageError('send-test: --project-id is required (or set HUAWEICLOUD_SDK_PROJECT_ID)');
  const type = values.type ?? TransitionType.Completed;
  if (!TYPES.includes(type)) throw new UsageError(`--type: "${type}" must be one of ${TYPES.join(', ')}`);
  return {
    target: { region, projectId },
    type: type as TransitionType,
    sinks: (values.sink ?? ['console']).map(parseSinkSpec),
  };
}

/** The job status a test event of each type carries, so it fits the event schema's rules. */
const STATUS_BY_TYPE: Readonly<Record<TransitionType, string>> = {
  started: 'Running',
  progressed: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  status_changed: 'Paused',
  stalled: 'Running',
};

/** Seconds the test job pretends to have run. */
const TEST_DURATION_SECONDS = 42;

/**
 * A clearly marked test event: job `WatcherTestEvent` on instance `watcher-test`, the CloudEvents
 * extension attribute `test: true`, and a fresh id each time (consumers that drop duplicates by id
 * still see every test). Valid against the event schema, so consumers can parse it like any other.
 */
export function testEvent(
  target: Pick<Target, 'region' | 'projectId'>,
  type: TransitionType,
  now: Date,
): TestJobEvent {
  const status = STATUS_BY_TYPE[type];
  const finished = status === 'Completed' || status === 'Failed';
  const running = status === 'Running';
  const startMs = Math.floor(now.getTime() / 1000) * 1000 - TEST_DURATION_SECONDS * 1000;
  const jobId = `watcher-test-${randomUUID()}`;
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: eventSource(target),
    type: `${EVENT_TYPE_PREFIX}${type}`,
    subject: jobId,
    time: now.toISOString(),
    datacontenttype: 'application/json',
    data: {
      region: target.region,
      project_id: target.projectId,
      job: {
        id: jobId,
        name: TEST_JOB_NAME,
        status,
        start_time: new Date(startMs).toISOString(),
        end_time: finished ? new Date(startMs + TEST_DURATION_SECONDS * 1000).toISOString() : null,
        progress: running ? 50 : null,
        // No instance id: the console link opens the instance list instead of a missing instance.
        instance: { id: '', name: 'watcher-test' },
        fail_reason: status === 'Failed' ? 'This is a test failure sent by send-test; nothing failed.' : null,
      },
      previous_status: type === TransitionType.Started ? null : 'Running',
      duration_seconds: finished ? TEST_DURATION_SECONDS : null,
    },
    test: true,
  };
}

/** What `runSendTest` writes to; injectable for tests. */
export interface SendTestIo {
  /** Status lines (stderr). */
  readonly status: (line: string) => void;
  /** Console-sink lines (stdout). */
  readonly out?: (line: string) => void;
  readonly color?: boolean;
  /** Opens the sinks; defaults to the CLI's `openSinks`. */
  readonly openSinks?: (specs: readonly SinkSpec[]) => Publisher[];
  readonly now?: () => Date;
}

/**
 * Runs `send-test`: publishes one test event to every sink (console, JSONL file, or the deployed
 * SNS topic, and from there to every subscription, the relay's destinations included).
 * Exit code 0 when every sink took it, 1 when one refused it (a line on stderr each).
 */
export async function runSendTest(command: SendTestCommand, io: SendTestIo): Promise<number> {
  if (!io.openSinks) await checkSinks(command.sinks);
  const event = testEvent(command.target, command.type, io.now?.() ?? new Date());
  const open =
    io.openSinks ??
    ((specs: readonly SinkSpec[]) =>
      openSinks(specs, {
        ...(io.out ? { write: io.out } : {}),
        ...(io.color !== undefined ? { color: io.color } : {}),
      }));
  const publishers = open(command.sinks);
  let failed = 0;
  try {
    for (const [index, publisher] of publishers.entries()) {
      const sink = command.sinks[index];
      const name = sink ? describeSink(sink) : publisher.name;
      try {
        await publishOne(publisher, event);
      } catch (error) {
        failed += 1;
        const message = describeError(error);
        io.status(printable(`error: sink ${name}: ${message.replace(/\s+/g, ' ')}`));
      }
    }
  } finally {
    await Promise.allSettled(publishers.map((publisher) => publisher.close?.()));
  }
  const sinks = command.sinks.map(describeSink).join(', ');
  io.status(
    failed === 0
      ? `sent test event ${event.id} (${event.type}, job ${TEST_JOB_NAME}) to ${sinks}`
      : `test event ${event.id}: ${failed} of ${publishers.length} sinks refused it`,
  );
  return failed === 0 ? 0 : 1;
}
