import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatHuaweiTime } from '../../local/simulator/raw-job';
import { createSimulator, type Simulator } from '../../local/simulator/server';
import type { JobEvent } from '../../shared/job-event';
import {
  type AwsStandIns,
  DUMMY_AWS_ENV,
  deliveredMessage,
  STAND_IN_ACCOUNT_ID,
  startAwsStandIns,
} from '../support/aws';
import { runCli } from '../support/cli';
import { assertValidEvent } from '../support/event-schema';

const TOKEN = 'cli-eventbridge-token-5e2a';
const PROJECT = 'clieventbridgeproject01';
const REGION = DUMMY_AWS_ENV.AWS_REGION;
const BUS_ARN = `arn:aws:events:${REGION}:${STAND_IN_ACCOUNT_ID}:event-bus/geminidb-jobs`;
const TOPIC_ARN = `arn:aws:sns:${REGION}:${STAND_IN_ACCOUNT_ID}:geminidb-jobs`;

let simulator: Simulator;
let aws: AwsStandIns;
let dir: string;

beforeAll(async () => {
  simulator = createSimulator({
    seed: 5,
    token: TOKEN,
    projectIds: [PROJECT],
    historyJobs: 0,
    runningAtStart: 0,
  });
  simulator.pause();
  await simulator.listen(0);
  aws = await startAwsStandIns();
  dir = await mkdtemp(join(tmpdir(), 'watcher-cli-eventbridge-'));
});

afterAll(async () => {
  await simulator.close();
  await aws.close();
  await rm(dir, { recursive: true, force: true });
});

/** One `poll --once` to both sinks, the AWS SDK pointed at the stand-ins by its own variables. */
function pollOnce() {
  return runCli(
    [
      'poll',
      '--once',
      '--endpoint',
      simulator.url ?? '',
      '--region',
      REGION,
      '--project-id',
      PROJECT,
      '--store',
      `dynalite:${join(dir, 'state')}`,
      '--sink',
      `eventbridge:${BUS_ARN}`,
      '--sink',
      `sns:${TOPIC_ARN}`,
    ],
    { HUAWEICLOUD_AUTH_TOKEN: TOKEN, ...aws.env },
  );
}

/** Ids of the events each sink took so far, in order. */
function delivered() {
  const eventBridge = aws.eventBridge.events.map(
    (entry) => (JSON.parse(entry.Detail ?? '{}') as JobEvent).id,
  );
  const sns = aws.sns.published.map((message) => (JSON.parse(deliveredMessage(message)) as JobEvent).id);
  return { eventBridge, sns };
}

describe('poll to EventBridge and SNS in one run', () => {
  it('puts the entry EventBridge refused again in the next cycle, under its id, and loses nothing on either sink', async () => {
    const jobs = ['BackupInstance', 'ResizeInstance', 'RestartInstance'].map((name, index) =>
      simulator.addJob(PROJECT, { name, start_time: formatHuaweiTime(Date.now() - (10 - index) * 60_000) }),
    );
    const baseline = await pollOnce();
    expect(baseline.stderr).toMatch(/baseline of 3 jobs/);
    expect(baseline.code).toBe(0);
    expect(aws.eventBridge.requests).toEqual([]);

    for (const job of jobs) {
      simulator.updateJob(PROJECT, job.id, {
        status: 'Completed',
        progress: '',
        end_time: formatHuaweiTime(Date.now()),
      });
    }
    // The second entry of the first PutEvents is refused, once, as PutEvents refuses one entry of many.
    aws.eventBridge.refuseEntryAt(1);
    const refusing = await pollOnce();
    expect(aws.eventBridge.requests.map((entries) => entries.length)).toEqual([3]);
    expect(aws.eventBridge.refused).toHaveLength(1);
    const refusedId = (JSON.parse(aws.eventBridge.refused[0]?.entry.Detail ?? '{}') as JobEvent).id;
    expect(refusing.code).toBe(1);
    expect(refusing.stderr).toContain(
      `to eventbridge: PutEvents refused event ${refusedId} on ${BUS_ARN}: InternalFailure: Internal Failure`,
    );
    const afterRefusal = delivered();
    expect(afterRefusal.eventBridge).toHaveLength(2);
    expect(afterRefusal.eventBridge).not.toContain(refusedId);
    expect(afterRefusal.sns).toHaveLength(3);

    const retry = await pollOnce();
    expect(retry.code, retry.stderr).toBe(0);
    // Only the refused event went out again, to both sinks, under the id it had.
    expect(aws.eventBridge.requests.map((entries) => entries.length)).toEqual([3, 1]);
    const { eventBridge, sns } = delivered();
    expect(eventBridge.slice(2)).toEqual([refusedId]);
    expect(sns.slice(3)).toEqual([refusedId]);

    // Nothing lost: every transition reached both sinks; the one duplicate (on SNS) carries its id.
    const ids = new Set(sns);
    expect(ids.size).toBe(3);
    expect(new Set(eventBridge)).toEqual(ids);
    expect(eventBridge).toHaveLength(3);
    const events = aws.eventBridge.events.map((entry) => JSON.parse(entry.Detail ?? '{}') as JobEvent);
    expect(events.map((event) => event.subject).sort()).toEqual(jobs.map((job) => job.id).sort());
    for (const [index, entry] of aws.eventBridge.events.entries()) {
      const event = events[index] as JobEvent;
      assertValidEvent(event);
      expect(entry).toMatchObject({
        Source: 'geminidb-job-watcher',
        DetailType: 'com.huaweicloud.geminidb.job.completed',
        EventBusName: BUS_ARN,
        Time: new Date(event.time),
      });
    }
    // Signed for the bus's region, as the ARN says.
    expect(aws.eventBridge.calls.every((call) => call.region === REGION)).toBe(true);
  });
});
