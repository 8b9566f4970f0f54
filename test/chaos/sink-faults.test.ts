import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePollCommand, runPoll } from '../../local/poll-command';
import { type CycleDeps, pollTarget } from '../../shared/cycle/cycle';
import { pollAll } from '../../shared/cycle/poll-all';
import type { JobEvent } from '../../shared/job-event';
import { createJsonlPublisher } from '../../shared/publish/jsonl';
import { type Publisher, publishEach, publishOne } from '../../shared/publish/publisher';
import { createSnsPublisher } from '../../shared/publish/sns';
import { collectingPublisher } from '../support/collecting-publisher';
import { CHAOS_TOKEN, type ChaosTarget, minutesAgo, useChaosWorld } from './support/chaos-world';
import { transitionsOf } from './support/snapshot';

// A sink that is down (SNS throttled, a webhook failing, a full disk) keeps the transition in the
// outbox, says so in the cycle report (publishErrors, pendingLeft: what the handler turns into
// metrics) and retries it on the next cycle under the same id, without holding up other jobs or targets.
const world = useChaosWorld();
let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sink-faults-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A target whose two running jobs are baselined, then both finish. */
async function twoFinishedJobs(chaos: ChaosTarget, publishers: Publisher[]) {
  const deps: CycleDeps = { store: chaos.store, api: chaos.api().api, publishers, options: chaos.options };
  const jobs = [2, 1].map((age) => world.simulator.addJob(chaos.projectId, { start_time: minutesAgo(age) }));
  await pollTarget(deps, chaos.target);
  for (const job of jobs) {
    world.simulator.updateJob(chaos.projectId, job.id, {
      status: 'Completed',
      progress: '',
      end_time: minutesAgo(0),
    });
  }
  return { deps, jobs };
}

/** A publisher that refuses the events `refuse` picks, like a webhook that is down for some of them. */
function refusing(name: string, refuse: (event: JobEvent) => boolean, into = collectingPublisher(name)) {
  let down = true;
  const publisher: Publisher = {
    name,
    publish: (events, options) =>
      publishEach(events, options, async (event) => {
        if (down && refuse(event)) throw new Error(`${name} answered HTTP 503`);
        await publishOne(into, event);
      }),
  };
  return { publisher, events: into.events, recover: () => (down = false) };
}

describe('publishing to a failing sink', () => {
  it('keeps the refused event pending, reports it, lets the other job through and retries it under the same id', async () => {
    const chaos = await world.fresh();
    const webhook = refusing('webhook', (event) => event.subject === stuckId());
    const { deps, jobs } = await twoFinishedJobs(chaos, [chaos.publisher, webhook.publisher]);
    const stuckId = () => jobs[0]?.id;

    const failing = await pollTarget(deps, chaos.target);
    expect(failing).toMatchObject({ outcome: 'done', published: 1, pendingLeft: 1 });
    expect(failing.publishErrors).toHaveLength(1);
    expect(failing.publishErrors[0]).toMatch(
      new RegExp(`^event [0-9a-f-]{36} \\(job ${stuckId()}\\) to webhook: webhook answered HTTP 503$`),
    );
    expect(webhook.events.map((event) => event.subject)).toEqual([jobs[1]?.id]);
    const pending = (await chaos.store.getJob(chaos.target, stuckId() ?? ''))?.pending ?? [];
    expect(pending).toHaveLength(1);

    expect(await pollTarget(deps, chaos.target)).toMatchObject({ pendingLeft: 1, published: 0 });
    webhook.recover();
    expect(await pollTarget(deps, chaos.target)).toMatchObject({ pendingLeft: 0, published: 1 });
    const ids = webhook.events.map((event) => event.id);
    expect(ids).toContain(pending[0]?.id);
    expect(new Set(chaos.publisher.events.map((event) => event.id))).toEqual(new Set(ids));
    expect(await pollTarget(deps, chaos.target)).toMatchObject({ outcome: 'idle' });
  });

  it('keeps events pending while SNS throttles and publishes them once it accepts again', async () => {
    const client = new SNSClient({ region: 'eu-west-1' });
    const sns = mockClient(client);
    sns.on(PublishCommand).rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: {} }));
    const chaos = await world.fresh();
    const publisher = createSnsPublisher({ topicArn: 'arn:aws:sns:eu-west-1:123456789012:jobs', client });
    const { deps } = await twoFinishedJobs(chaos, [publisher]);

    const throttled = await pollTarget(deps, chaos.target);
    expect(throttled).toMatchObject({ published: 0, pendingLeft: 2 });
    expect(throttled.publishErrors.join('\n')).toMatch(/to sns: throttled publishing event /);

    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    expect(await pollTarget(deps, chaos.target)).toMatchObject({ published: 2, pendingLeft: 0 });
    const sent = sns
      .commandCalls(PublishCommand)
      .map((call) => JSON.parse(call.args[0].input.Message ?? '{}'));
    expect(sent.map((message) => JSON.parse(message.default).data.job.status)).toEqual([
      'Completed',
      'Completed',
    ]);
    sns.restore();
  });

  it('keeps events pending while the JSONL disk is full and writes each once there is room', async () => {
    const chaos = await world.fresh();
    const path = join(dir, 'events.jsonl');
    let full = true;
    const disk: Publisher = {
      name: 'jsonl',
      publish: (event) => createJsonlPublisher({ path: full ? '/dev/full' : path }).publish(event),
    };
    const { deps } = await twoFinishedJobs(chaos, [disk]);

    const report = await pollTarget(deps, chaos.target);
    expect(report).toMatchObject({ published: 0, pendingLeft: 2 });
    expect(report.publishErrors[0]).toMatch(
      /to jsonl: could not append event .* \(ENOSPC: no space left on device/,
    );

    full = false;
    expect(await pollTarget(deps, chaos.target)).toMatchObject({ published: 2, pendingLeft: 0 });
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(transitionsOf(lines.map((line) => JSON.parse(line) as JobEvent))).toEqual([
      'completed Running -> Completed',
      'completed Running -> Completed',
    ]);
  });
});

describe('a failing target or sink among several targets', () => {
  it('does not hold up the other targets', async () => {
    const [a, b, c] = [await world.fresh(), await world.fresh(), await world.fresh()];
    const store = a.store; // one table for every target, as deployed
    const apis = new Map([a, b, c].map((chaos) => [chaos.projectId, chaos.api().api]));
    for (const chaos of [a, b, c]) {
      const job = world.simulator.addJob(chaos.projectId, { start_time: minutesAgo(1) });
      const deps = { store, api: chaos.api().api, publishers: [], options: chaos.options };
      await pollTarget(deps, chaos.target);
      world.simulator.updateJob(chaos.projectId, job.id, {
        status: 'Failed',
        progress: '',
        end_time: minutesAgo(0),
      });
    }
    apis.set(c.projectId, c.api({ endpoint: 'http://127.0.0.1:9', maxAttempts: 1 }).api);
    const sink = refusing('webhook', (event) => event.data.project_id === a.projectId);

    const result = await pollAll(
      {
        store,
        publishers: [sink.publisher],
        options: a.options,
        apiFor: (target) => apis.get(target.projectId) ?? a.api().api,
      },
      [a.target, c.target, b.target],
      { concurrency: 1 },
    );

    expect(result.failures.map((failure) => failure.target.projectId)).toEqual([c.projectId]);
    expect(result.failures[0]?.error.message).toMatch(
      new RegExp(`^target ap-southeast-1/${c.projectId}: fetch failed: JobsNetworkError: `),
    );
    const reports = new Map(result.reports.map((report) => [report.target.projectId, report]));
    expect(reports.get(a.projectId)).toMatchObject({ published: 0, pendingLeft: 1 });
    expect(reports.get(a.projectId)?.publishErrors).toHaveLength(1);
    expect(reports.get(b.projectId)).toMatchObject({ published: 1, pendingLeft: 0 });
    expect(sink.events.map((event) => [event.data.project_id, event.data.job.status])).toEqual([
      [b.projectId, 'Failed'],
    ]);
  });
});

describe('pending events of a job that left the window', () => {
  it('are published once the sink is back, though the job is no longer fetched', async () => {
    const chaos = await world.fresh();
    const { deps, jobs } = await twoFinishedJobs(chaos, [chaos.publisher]);
    chaos.publisher.failNext();
    expect(await pollTarget(deps, chaos.target)).toMatchObject({ published: 0, pendingLeft: 2 });
    world.simulator.removeJob(chaos.projectId, jobs[0]?.id ?? '');
    chaos.publisher.recover();

    await pollTarget({ ...deps, now: () => Date.now() + 200_000 }, chaos.target);
    await pollTarget({ ...deps, now: () => Date.now() + 400_000 }, chaos.target);
    expect(transitionsOf(chaos.publisher.events)).toEqual([
      'completed Running -> Completed',
      'completed Running -> Completed',
    ]);
    const left = [...(await chaos.store.loadJobs(chaos.target)).values()].flatMap((job) => job.pending);
    expect(left).toEqual([]);
  });
});

describe('poll --once with a sink that fails', () => {
  it('exits 1 with one line naming the target, the step and the cause', async () => {
    const chaos = await world.fresh();
    world.simulator.addJob(chaos.projectId, { status: 'Failed', start_time: minutesAgo(2) });
    const lines: string[] = [];
    const args = ['--once', '--announce-baseline', '--endpoint', chaos.target.endpoint ?? ''];
    args.push('--region', 'ap-southeast-1', '--project-id', chaos.projectId, '--store', 'dynalite');
    args.push('--sink', 'jsonl:/dev/full');
    const env = { HUAWEICLOUD_AUTH_TOKEN: CHAOS_TOKEN };

    const exitCode = await runPoll(parsePollCommand(args, env), { env, status: (line) => lines.push(line) });
    expect(exitCode).toBe(1);
    const errors = lines.filter((line) => line.startsWith('error:'));
    expect(errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^error: target ap-southeast-1/${chaos.projectId}: publish failed: event [0-9a-f-]{36} \\(job \\S+\\) to jsonl: could not append event .*ENOSPC`,
        ),
      ),
    ]);
    expect(errors[0]).not.toMatch(/\n/);
  });
});
