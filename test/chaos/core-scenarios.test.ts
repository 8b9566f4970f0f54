import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { CycleOptions } from '../../shared/config';
import type { JobEvent } from '../../shared/job-event';
import { DynamoDbTaskStore } from '../../shared/store/dynamodb-store';
import { partitionKey } from '../../shared/store/table';
import type { TaskStore } from '../../shared/store/task-store';
import type { Target } from '../../shared/target';
import { useDynalite } from '../support/dynalite';
import { itemBytes } from '../support/item-size';
import { type PollResult, type VirtualWorld, virtualWorld, WORLD_START_MS } from '../support/virtual-world';
import { transitionsOf } from './support/snapshot';

// The eight scenarios of issue 17, each as what a consumer of the events sees, on the real store
// (dynalite), the real jobs client and the simulator, in virtual time: the API and DynamoDB cost
// virtual milliseconds per request, a tick is a poll a minute with a 60 s invocation's deadline.
// Worlds are scaled down so that the same failure happens in well under a second of real time.

// ---- Store details the core rewrite may change: adapt here, nowhere else. ----

/** The store under test on a client of the world. */
function newStore(client: DynamoDBClient, tableName: string): TaskStore {
  return new DynamoDbTaskStore({ tableName, client });
}

/** The key of the target's cursor item, as the store writes it. */
function cursorKey(target: Target): Record<string, AttributeValue> {
  return { pk: { S: partitionKey(target) }, sk: { S: 'CURSOR' } };
}

/** Whether a DynamoDB request (command name and marshalled input) writes the target's cursor item. */
function writesCursor(commandName: string, input: { Key?: Record<string, AttributeValue> }): boolean {
  return /^(PutItem|UpdateItem)Command$/.test(commandName) && input.Key?.sk?.S === 'CURSOR';
}

/** The status the store holds for a job, null when it holds none. */
async function recordedStatus(store: TaskStore, target: Target, jobId: string): Promise<string | null> {
  return (await store.getJob(target, jobId))?.job.status ?? null;
}

// ---- End of store details. ----

const dynalite = useDynalite();
const worlds: VirtualWorld[] = [];
afterEach(async () => {
  for (const world of worlds.splice(0)) await world.close();
});

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

async function world(options: Partial<CycleOptions> = {}): Promise<VirtualWorld> {
  const created = await virtualWorld(dynalite, options, newStore);
  worlds.push(created);
  return created;
}

/** The events a consumer received for one job, as `type previous -> status`. */
function eventsOf(world: VirtualWorld, jobId: string): string[] {
  return transitionsOf(world.publisher.events.filter((event) => event.subject === jobId));
}

/** A poll's outcome in one line, for assertion messages. */
function describePoll(result: PollResult | undefined): string {
  if (result === undefined) return 'no poll';
  if (result.error !== undefined) return `threw ${String(result.error).split('\n')[0]}`;
  return `${result.report?.outcome} after ${result.apiRequests} API requests`;
}

/**
 * Ticks until `done()` holds, at most `maxTicks` times. Returns the ticks it took (Infinity when it
 * never held) and the last poll, so a failing assertion says what the polls did.
 */
async function ticksUntil(
  world: VirtualWorld,
  done: () => boolean,
  maxTicks: number,
): Promise<{ ticks: number; last: string }> {
  let last: PollResult | undefined;
  for (let tick = 1; tick <= maxTicks; tick++) {
    last = await world.tick();
    if (done()) return { ticks: tick, last: describePoll(last) };
  }
  return { ticks: Number.POSITIVE_INFINITY, last: describePoll(last) };
}

/** Polls until a poll is idle after the baseline (at most `maxTicks`). */
async function settle(world: VirtualWorld, maxTicks: number): Promise<void> {
  for (let tick = 0; tick < maxTicks; tick++) {
    const result = await world.tick();
    if (result.report?.outcome === 'idle') return;
  }
}

/** Finished jobs spread evenly over the 30-day window before now. */
function addHistory(world: VirtualWorld, count: number): void {
  const nowMs = world.clock.now();
  for (let index = 0; index < count; index++) {
    const startMs = nowMs - 29 * DAY_MS + Math.floor((index * 29 * DAY_MS) / count);
    world.addJob(startMs, { status: index % 7 === 0 ? 'Failed' : 'Completed' });
  }
}

/** A job that finished a minute ago: the newest start the target has seen is recent. */
function addRecentJob(world: VirtualWorld): void {
  world.addJob(world.clock.now() - 2 * MINUTE_MS, { status: 'Completed' });
}

/** A job id of 256 characters, the longest the jobs client accepts. */
function longJobId(index: number): string {
  return `${'j'.repeat(250)}${String(index).padStart(6, '0')}`;
}

/** A consumer-side check: each event id arrived once. */
function duplicateIds(events: readonly JobEvent[]): string[] {
  const seen = new Set<string>();
  return events.map((event) => event.id).filter((id) => seen.has(id) || !seen.add(id));
}

describe('pollTarget, issue 17 scenario 1: a window that does not fit one invocation', () => {
  it('announces a new job within a few ticks when the full window takes longer to read than an invocation', async () => {
    // 400 jobs in the window: 8 pages of 50 at 7.5 s a page is 60 s, past the 57 s deadline.
    const w = await world();
    addHistory(w, 400);
    w.addJob(WORLD_START_MS - 2 * HOUR_MS, { status: 'Running', progress: '10%' });
    w.latency.apiMs = 7_500;
    await ticksUntil(w, () => false, 2); // the baseline, however long it takes

    const job = w.addJob(w.clock.now(), { name: 'RestartInstance' });
    const started = await ticksUntil(w, () => eventsOf(w, job.id).length > 0, 5);
    expect(
      started.ticks,
      `ticks until the new job is announced (last poll: ${started.last})`,
    ).toBeLessThanOrEqual(5);
    w.setStatus(job.id, 'Completed');
    const completed = await ticksUntil(w, () => eventsOf(w, job.id).length > 1, 5);
    expect(completed.ticks, `ticks until its completion (last poll: ${completed.last})`).toBeLessThanOrEqual(
      5,
    );
    expect(eventsOf(w, job.id)).toEqual(['started null -> Running', 'completed Running -> Completed']);
  });
});

describe('pollTarget, issue 17 scenario 2: old running jobs', () => {
  it('polls 100 running jobs of the last six days with pages of 50, not a request each, and announces a completion', async () => {
    // 100 running jobs over six days at 600 ms a request: one look-up each is 60 s, past the deadline.
    // No full resync is due in this test (fullResyncSeconds at its most): the polls measured are idle.
    const w = await world({ fullResyncSeconds: 7 * 86_400 });
    const running = Array.from({ length: 100 }, (_, index) =>
      w.addJob(WORLD_START_MS - 6 * DAY_MS + index * 80 * MINUTE_MS, { status: 'Running', progress: '5%' }),
    );
    w.latency.apiMs = 600;
    await settle(w, 2);
    await w.tick();

    const idle = await w.tick();
    // A new-jobs scan, a status=Running scan of 2 pages, and room for one resync slice and one retry.
    const bound = 1 + Math.ceil(running.length / 50) + 2;
    expect(idle.apiRequests, `API requests of an idle poll (${describePoll(idle)})`).toBeLessThanOrEqual(
      bound,
    );

    const old = running[3];
    if (!old) throw new Error('no old job');
    w.setStatus(old.id, 'Completed');
    const poll = await w.tick();
    expect(eventsOf(w, old.id), `the completion (poll: ${describePoll(poll)})`).toEqual([
      'completed Running -> Completed',
    ]);
    expect(poll.apiRequests).toBeLessThanOrEqual(bound);
  });
});

describe('pollTarget, issue 17 scenario 3: a baseline cut by the deadline, twice', () => {
  it('announces every running job once, and the changes made between cut invocations, with announceBaseline', async () => {
    // 60 running jobs at 2 s a DynamoDB request: the baseline takes three invocations.
    const w = await world({ announceBaseline: true });
    const running = Array.from({ length: 60 }, (_, index) =>
      w.addJob(WORLD_START_MS - 2 * DAY_MS + index * 40 * MINUTE_MS, { status: 'Running', progress: '20%' }),
    );
    w.latency.ddbMs = 2_000;
    const changed: string[] = [];
    const newJobs: string[] = [];
    for (let cut = 0; cut < 2; cut++) {
      await w.tick();
      // Between two cut invocations: a job the baseline has recorded completes, and a new job starts.
      const recorded = await firstRecordedRunning(
        w,
        running.map((job) => job.id).filter((id) => !changed.includes(id)),
      );
      expect(recorded, 'a running job the cut baseline recorded').not.toBeNull();
      if (recorded === null) return;
      w.setStatus(recorded, 'Completed');
      changed.push(recorded);
      newJobs.push(w.addJob(w.clock.now(), { name: 'RestartInstance' }).id);
    }
    for (let tick = 0; tick < 8; tick++) await w.tick();

    const missing = running
      .map((job) => ({ id: job.id, events: eventsOf(w, job.id) }))
      .filter(({ id, events }) =>
        changed.includes(id)
          ? events.join() !== 'started null -> Running,completed Running -> Completed'
          : events.join() !== 'started null -> Running',
      );
    expect(missing.length, `running jobs without their events, e.g. ${JSON.stringify(missing[0])}`).toBe(0);
    expect(newJobs.map((id) => eventsOf(w, id))).toEqual([
      ['started null -> Running'],
      ['started null -> Running'],
    ]);
    expect(duplicateIds(w.publisher.events)).toEqual([]);
  });
});

describe('pollTarget, issue 17 scenario 4: a poll that outlives its claim', () => {
  it('never announces a job moving back from Completed when a stalled poll resumes after another took over', async () => {
    const w = await world();
    const job = w.addJob(WORLD_START_MS - 2 * MINUTE_MS, { status: 'Running', progress: '40%' });
    await settle(w, 2);
    w.setStatus(job.id, 'Suspended');

    // Poll A fetches the job Suspended and claims the target; right after its claim lands it stalls
    // 40 s (a slow DynamoDB). Meanwhile the job completes, and poll B, on a container whose clock is
    // 25 s ahead, finds A's claim expired and announces the completion. Then A goes on.
    const skewMs = 25_000;
    const stalled = w.ddbClient();
    afterFirstWrite(stalled, async () => {
      w.setStatus(job.id, 'Completed');
      w.clock.advance(40_000);
      const skewed = () => w.clock.now() + skewMs;
      await w.poll({ now: skewed, deadlineMs: skewed() + 57_000 });
    });
    await w.poll({ store: newStore(stalled, w.tableName) });
    for (let tick = 0; tick < 3; tick++) await w.tick();
    w.clock.advance(2 * HOUR_MS); // past a full resync
    for (let tick = 0; tick < 3; tick++) await w.tick();

    expect(eventsOf(w, job.id)).toEqual(['completed Running -> Completed']);
  });
});

describe('pollTarget, issue 17 scenario 5: a long sink outage', () => {
  it('keeps the cursor item under 400 KB with 800 jobs of the longest ids holding pending events, and announces a new job once the sink is back', async () => {
    // The cursor's size is per job and per id character: 800 jobs with ids of 256 characters (the
    // longest the client accepts) weigh what about 3,500 jobs with ids of 36 do.
    const w = await world();
    await settle(w, 2); // an empty project's baseline
    // The sink goes down; during the day 800 jobs start and finish, each with a pending event.
    w.publisher.failNext();
    const dayStartMs = w.clock.now();
    const finished = Array.from({ length: 800 }, (_, index) =>
      w.addJob(dayStartMs + index * 100_000, { id: longJobId(index), status: 'Completed' }),
    );
    w.clock.advanceTo(dayStartMs + DAY_MS);
    const outage = describePoll(await w.tick());
    const sizes = [await cursorItemBytes(w)];
    // The sink is back, and a new job starts.
    w.publisher.recover();
    const job = w.addJob(w.clock.now(), { name: 'RestartInstance' });
    const announced = await ticksUntil(
      w,
      () => eventsOf(w, job.id).length > 0 && w.publisher.events.length > finished.length,
      3,
    );
    sizes.push(await cursorItemBytes(w));

    expect(
      Math.max(...sizes),
      `cursor item bytes after each poll (${sizes.join(', ')}); the poll during the outage: ${outage}`,
    ).toBeLessThan(400 * 1024);
    expect(
      announced.ticks,
      `ticks until the new job and the backlog are announced (last poll: ${announced.last})`,
    ).toBeLessThanOrEqual(3);
    expect(new Set(w.publisher.events.map((event) => event.subject)).size).toBe(finished.length + 1);
    expect(duplicateIds(w.publisher.events)).toEqual([]);
    // About 3,000 DynamoDB requests on an in-process dynalite: seconds on an idle machine, more on a loaded one.
  }, 120_000);
});

describe('pollTarget, issue 17 scenario 6: a job in a status other than Running', () => {
  it('announces Running -> Suspended -> Running -> Completed of a three-hour-old job within a tick or two of each move', async () => {
    const w = await world();
    const job = w.addJob(WORLD_START_MS - 3 * HOUR_MS, { status: 'Running', progress: '40%' });
    addRecentJob(w);
    await settle(w, 2);
    const statuses = () =>
      w.publisher.events.filter((event) => event.subject === job.id).map((event) => event.data.job.status);
    const moves: { status: string; ticks: number; last: string }[] = [];
    for (const [index, status] of (['Suspended', 'Running', 'Completed'] as const).entries()) {
      w.setStatus(job.id, status);
      moves.push({ status, ...(await ticksUntil(w, () => statuses().length > index, 2)) });
    }
    expect(
      moves.filter((move) => move.ticks > 2),
      'moves not announced within two ticks',
    ).toEqual([]);
    expect(eventsOf(w, job.id)).toEqual([
      'status_changed Running -> Suspended',
      'status_changed Suspended -> Running',
      'completed Running -> Completed',
    ]);
  });
});

describe('pollTarget, issue 17 scenario 7: a job run again under the same id', () => {
  it('announces the new run of a finished job as a new occurrence with new event ids', async () => {
    const w = await world();
    // Another job has been running for two days, so open jobs are followed on every poll.
    w.addJob(WORLD_START_MS - 2 * DAY_MS, { status: 'Running', progress: '10%' });
    const job = w.addJob(WORLD_START_MS - 3 * HOUR_MS, { status: 'Running', progress: '40%' });
    addRecentJob(w);
    await settle(w, 2);
    w.setStatus(job.id, 'Completed');
    await ticksUntil(w, () => eventsOf(w, job.id).length > 0, 2);
    for (let tick = 0; tick < 3; tick++) await w.tick();

    // The API lists the finished job as running again, same id, then it finishes again.
    w.setStatus(job.id, 'Running');
    const rerun = await ticksUntil(w, () => eventsOf(w, job.id).length > 1, 3);
    w.setStatus(job.id, 'Completed');
    const finishedAgain = await ticksUntil(w, () => eventsOf(w, job.id).length > 2, 3);

    const events = w.publisher.events.filter((event) => event.subject === job.id);
    expect(
      events.map((event) => event.data.job.status),
      `the rerun (${rerun.last}) and its end (${finishedAgain.last})`,
    ).toEqual(['Completed', 'Running', 'Completed']);
    expect(new Set(events.map((event) => event.id)).size).toBe(3);
  });
});

describe('pollTarget, issue 17 scenario 8: small things', () => {
  it('does not treat a long-running job as gone when one answer leaves it out', async () => {
    const w = await world();
    const job = w.addJob(WORLD_START_MS - 3 * HOUR_MS, { status: 'Running', progress: '40%' });
    addRecentJob(w);
    await settle(w, 2);
    // One poll's answer is empty for the job (an API glitch); it is listed again from the next.
    const listed = w.simulator.jobs(w.projectId).find((each) => each.id === job.id);
    if (!listed) throw new Error('the job is not listed');
    w.simulator.removeJob(w.projectId, job.id);
    await w.tick();
    w.simulator.addJob(w.projectId, listed);
    await w.tick();

    w.setStatus(job.id, 'Completed');
    const completed = await ticksUntil(w, () => eventsOf(w, job.id).length > 0, 3);
    expect(completed.ticks, `ticks until the completion (last poll: ${completed.last})`).toBeLessThanOrEqual(
      3,
    );
    expect(eventsOf(w, job.id)).toEqual(['completed Running -> Completed']);
  });

  it('goes on with the poll when its claim landed and the SDK retry of that write then fails its condition', async () => {
    const w = await world({ leaseSeconds: 300 });
    const job = w.addJob(WORLD_START_MS - 2 * MINUTE_MS, { status: 'Running', progress: '40%' });
    await settle(w, 2);
    w.setStatus(job.id, 'Completed');

    const flaky = w.ddbClient();
    failAfterLanding(flaky, 1); // the poll's first cursor write is its claim
    const poll = await w.poll({ store: newStore(flaky, w.tableName) });
    expect(eventsOf(w, job.id), `the poll holding the claim (${describePoll(poll)})`).toEqual([
      'completed Running -> Completed',
    ]);
    await w.tick();
    expect(eventsOf(w, job.id)).toEqual(['completed Running -> Completed']);
  });

  it('does not report a lost lease when its final cursor write landed and the SDK retry of it then fails its condition', async () => {
    const w = await world();
    const job = w.addJob(WORLD_START_MS - 2 * MINUTE_MS, { status: 'Running', progress: '40%' });
    await settle(w, 2);
    w.setStatus(job.id, 'Failed');

    const flaky = w.ddbClient();
    failAfterLanding(flaky, 2); // the claim, then the final cursor write
    const poll = await w.poll({ store: newStore(flaky, w.tableName) });
    expect(poll.error, describePoll(poll)).toBeUndefined();
    const next = await w.tick();
    expect(eventsOf(w, job.id), describePoll(next)).toEqual(['failed Running -> Failed']);
    expect(duplicateIds(w.publisher.events)).toEqual([]);
  });
});

/** The first of `ids` the store holds as Running (the cut baseline recorded it), or null. Costs no virtual time. */
async function firstRecordedRunning(w: VirtualWorld, ids: readonly string[]): Promise<string | null> {
  const { ddbMs } = w.latency;
  w.latency.ddbMs = 0;
  try {
    for (const id of ids) if ((await recordedStatus(w.store, w.target, id)) === 'Running') return id;
    return null;
  } finally {
    w.latency.ddbMs = ddbMs;
  }
}

/** Runs `hook` once, right after the first write request of `client` has landed. */
function afterFirstWrite(client: DynamoDBClient, hook: () => Promise<void>): void {
  let fired = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      if (!fired && /^(PutItem|UpdateItem|DeleteItem)Command$/.test(context.commandName ?? '')) {
        fired = true;
        await hook();
      }
      return out;
    },
    { step: 'initialize', name: 'afterFirstWrite' },
  );
}

/**
 * The `nth` cursor write of `client` lands, then its answer is lost to a retryable error (a 500), so
 * the SDK sends it again: the retry's condition sees the first attempt's effect.
 */
function failAfterLanding(client: DynamoDBClient, nth: number): void {
  let cursorWrites = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const out = await next(args);
      const input = args.input as { Key?: Record<string, AttributeValue> };
      if (writesCursor(context.commandName ?? '', input) && ++cursorWrites === nth) {
        throw Object.assign(new Error('We encountered an internal error. Please try again.'), {
          name: 'InternalServerError',
          $fault: 'server',
          $metadata: { httpStatusCode: 500, attempts: 1 },
        });
      }
      return out;
    },
    { step: 'deserialize', name: 'landThenFail' },
  );
}

/** Size of the target's cursor item as DynamoDB counts it (names and values), read raw. */
async function cursorItemBytes(w: VirtualWorld): Promise<number> {
  const out = await w.client.send(
    new GetItemCommand({ TableName: w.tableName, Key: cursorKey(w.target), ConsistentRead: true }),
  );
  return out.Item ? itemBytes(out.Item) : 0;
}
