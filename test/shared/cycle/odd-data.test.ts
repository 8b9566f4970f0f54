import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { formatHuaweiTime, type RawJob } from '../../../local/simulator/raw-job';
import { pollTarget } from '../../../shared/cycle/cycle';
import type { JobEvent } from '../../../shared/job-event';
import { MAX_TEXT_CHARS } from '../../../shared/jobs/response';
import { snsPublishInput } from '../../../shared/publish/sns';
import { STATE_TTL_SECONDS } from '../../../shared/store/table';
import type { TaskStore } from '../../../shared/store/task-store';
import { assertValidEvent } from '../../support/event-schema';
import { useWatcherWorld } from '../../support/watcher-world';

// What real systems send that the document does not promise: a record that breaks it, a huge
// string, a status nobody listed, a job that moves back and forth. None may stop the target.
const world = useWatcherWorld();
const minutesAgo = (minutes: number) => formatHuaweiTime(Date.now() - minutes * 60_000);
const types = (events: readonly JobEvent[]) => events.map((event) => event.type.split('.').pop());

/** The simulator's jobs with one of them changed as the API would never send it, as one page. */
function pageWith(jobs: readonly RawJob[], odd: string, change: Record<string, unknown>) {
  const listed = jobs.map((job) => (job.id === odd ? { ...job, ...change } : job));
  return { status: 200, body: JSON.stringify({ total_count: listed.length, jobs: listed }) };
}

describe('pollTarget with odd data from the API', () => {
  it('leaves out a record that does not fit, names it, and publishes the other jobs', async () => {
    const { deps, target, projectId, publisher } = await world.fresh();
    await pollTarget(deps, target);
    const good = world.simulator.addJob(projectId, { name: 'BackupInstance', start_time: minutesAgo(1) });
    const odd = world.simulator.addJob(projectId, { name: 'RestartInstance', start_time: minutesAgo(1) });
    world.simulator.injectNext(pageWith(world.simulator.jobs(projectId), odd.id, { start_time: 'soon' }));

    const report = await pollTarget(deps, target);
    expect(report).toMatchObject({ outcome: 'done', published: 1, jobErrors: [], publishErrors: [] });
    expect(report.skippedRecords).toEqual([
      {
        jobId: odd.id,
        field: 'start_time',
        problem: 'expected a time like 2023-09-12T06:44:01+0000, got "soon"',
      },
    ]);
    expect(publisher.events.map((event) => event.subject)).toEqual([good.id]);

    // Once the record reads fine again, the job is announced like any other.
    expect(await pollTarget(deps, target)).toMatchObject({ published: 1, skippedRecords: [] });
    expect(publisher.events.map((event) => event.subject)).toEqual([good.id, odd.id]);
  });

  it('keeps a known job as it was while its record does not fit, instead of forgetting it', async () => {
    const { deps, target, projectId, publisher, store } = await world.fresh();
    const job = world.simulator.addJob(projectId, { start_time: minutesAgo(3) });
    await pollTarget(deps, target);
    world.simulator.injectNext(pageWith(world.simulator.jobs(projectId), job.id, { progress: 'lots' }));
    expect(await pollTarget(deps, target)).toMatchObject({
      skippedRecords: [{ jobId: job.id, field: 'progress' }],
    });
    expect((await store.getCursor(target))?.jobs.has(job.id)).toBe(true);

    world.simulator.updateJob(projectId, job.id, {
      status: 'Completed',
      progress: '',
      end_time: minutesAgo(0),
    });
    await pollTarget(deps, target);
    expect(types(publisher.events)).toEqual(['completed']);
    expect(publisher.events[0]?.data.previous_status).toBe('Running');
  });

  it('cuts a huge fail_reason, so the record fits DynamoDB and the message fits SNS', async () => {
    const { deps, target, projectId, publisher, store } = await world.fresh();
    const job = world.simulator.addJob(projectId, { name: 'BackupInstance', start_time: minutesAgo(5) });
    await pollTarget(deps, target);
    const reason = `Backup failed: ${'stack frame at com.huawei.nosql.Backup.run(Backup.java:42)\n'.repeat(6_000)}`;
    world.simulator.updateJob(projectId, job.id, {
      status: 'Failed',
      progress: '',
      end_time: minutesAgo(0),
      fail_reason: reason,
    });

    const report = await pollTarget(deps, target);
    expect(report).toMatchObject({ published: 1, jobErrors: [], pendingLeft: 0 });
    const [event] = publisher.events;
    const cut = event?.data.job.fail_reason ?? '';
    expect(cut.startsWith(reason.slice(0, MAX_TEXT_CHARS))).toBe(true);
    expect(cut).toMatch(new RegExp(`\\.\\.\\. \\[${reason.length - MAX_TEXT_CHARS} more characters cut\\]$`));
    assertValidEvent(event);
    const message =
      snsPublishInput('arn:aws:sns:ap-southeast-1:123456789012:t', event as JobEvent).Message ?? '';
    expect(Buffer.byteLength(message)).toBeLessThan(64 * 1024);
    expect((await store.getJob(target, job.id))?.job.fail_reason).toBe(cut);
  });

  it('treats a status nobody listed as data: not running, no look-ups, a TTL from its start', async () => {
    const { deps, target, projectId, publisher, tableName, client } = await world.fresh();
    const start = minutesAgo(600);
    const job = world.simulator.addJob(projectId, { name: 'ResizeInstance', start_time: start });
    world.simulator.addJob(projectId, { status: 'Completed', start_time: minutesAgo(1) });
    await pollTarget(deps, target);
    world.simulator.updateJob(projectId, job.id, {
      status: 'Cancelled',
      progress: '',
      end_time: minutesAgo(0),
    });

    // The running scan no longer lists it: a look-up by id finds it Cancelled, reported once.
    expect(await pollTarget(deps, target)).toMatchObject({
      apiRequests: 3,
      transitions: { status_changed: 1 },
    });
    expect(types(publisher.events)).toEqual(['status_changed']);
    // A status nobody listed is open: looked up by id (every poll in its first hour), never scanned as running.
    expect(await pollTarget(deps, target)).toMatchObject({ outcome: 'idle', apiRequests: 2, runningJobs: 0 });
    const item = await DynamoDBDocumentClient.from(client).send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: `TARGET#ap-southeast-1#${projectId}`, sk: `JOB#${job.id}` },
      }),
    );
    expect(item.Item?.expires_at).toBe(
      Math.floor(Date.parse(start.replace('+0000', 'Z')) / 1000) + STATE_TTL_SECONDS,
    );
  });

  it('gives every move of a job that goes back and forth its own event id', async () => {
    const { deps, target, projectId, publisher } = await world.fresh();
    const job = world.simulator.addJob(projectId, {
      name: 'SwitchOverDisasterRecovery',
      start_time: minutesAgo(2),
    });
    await pollTarget(deps, target);
    for (const status of ['Suspended', 'Running', 'Suspended', 'Running', 'Completed']) {
      const done = status === 'Completed';
      world.simulator.updateJob(projectId, job.id, {
        status,
        progress: status === 'Running' ? '30%' : '',
        ...(done ? { end_time: minutesAgo(0) } : {}),
      });
      await pollTarget(deps, target);
    }
    expect(
      publisher.events.map((event) => `${event.data.previous_status}->${event.data.job.status}`),
    ).toEqual([
      'Running->Suspended',
      'Suspended->Running',
      'Running->Suspended',
      'Suspended->Running',
      'Running->Completed',
    ]);
    expect(new Set(publisher.events.map((event) => event.id)).size).toBe(5);
  });
});

describe('pollTarget with one job whose write keeps failing', () => {
  it('reports that job each cycle and records and publishes the others', async () => {
    const { deps, target, projectId, publisher } = await world.fresh();
    const stuck = world.simulator.addJob(projectId, { start_time: minutesAgo(4) });
    const other = world.simulator.addJob(projectId, { start_time: minutesAgo(3) });
    await pollTarget(deps, target);
    for (const job of [stuck, other]) {
      world.simulator.updateJob(projectId, job.id, {
        status: 'Completed',
        progress: '',
        end_time: minutesAgo(0),
      });
    }
    let failing = true;
    const store: TaskStore = Object.create(deps.store, {
      recordJob: {
        value: (...args: Parameters<TaskStore['recordJob']>) =>
          failing && args[1].state.job.id === stuck.id
            ? Promise.reject(
                Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
                  name: 'ValidationException',
                }),
              )
            : deps.store.recordJob(...args),
      },
    });

    const first = await pollTarget({ ...deps, store }, target);
    expect(first).toMatchObject({ outcome: 'done', published: 1 });
    expect(first.jobErrors).toEqual([
      `job ${stuck.id}: record failed: ValidationException: Item size has exceeded the maximum allowed size`,
    ]);
    // The next poll lists the job again (its digest entry still says Running) and retries it; it still fails, alone.
    const second = await pollTarget({ ...deps, store }, target);
    expect(second).toMatchObject({
      published: 0,
      jobErrors: [expect.stringContaining(stuck.id)],
    });

    failing = false;
    expect(await pollTarget({ ...deps, store }, target)).toMatchObject({ published: 1, jobErrors: [] });
    expect(publisher.events.map((event) => event.subject).sort()).toEqual([stuck.id, other.id].sort());
    expect(new Set(publisher.events.map((event) => event.id)).size).toBe(2);
  });
});
