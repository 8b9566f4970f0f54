import { describe, expect, it } from 'vitest';
import { formatHuaweiTime } from '../../../local/simulator/raw-job';
import type { FollowUpMessage, FollowUpSender } from '../../../shared/follow-up/message';
import { ChainOutcome, pollChained } from '../../../shared/follow-up/poll-chained';
import { FOLLOW_UP_GRACE_MS, type PollTrigger } from '../../../shared/follow-up/rules';
import { useWatcherWorld } from '../../support/watcher-world';

const world = useWatcherWorld();
const FAST_SECONDS = 15;
const tick: PollTrigger = { kind: 'tick' };

/** A sender that keeps what it was given, or refuses. */
function recordingSender(refuse = false) {
  const sent: { message: FollowUpMessage; delaySeconds: number }[] = [];
  const sender: FollowUpSender = {
    async send(message, delaySeconds) {
      if (refuse) throw new Error('queue unreachable');
      sent.push({ message, delaySeconds });
    },
  };
  return { sender, sent };
}

/** A target on a clock the test moves, with one job running, after its baseline tick. */
async function runningTarget(refuse = false) {
  let nowMs = Date.now();
  const fresh = await world.fresh({}, () => nowMs);
  const { sender, sent } = recordingSender(refuse);
  let chainCounter = 0;
  const deps = {
    ...fresh.deps,
    fastPollSeconds: FAST_SECONDS,
    followUps: sender,
    newChainId: () => `chain-${++chainCounter}`,
  };
  const job = world.simulator.addJob(fresh.projectId, {
    status: 'Running',
    start_time: formatHuaweiTime(nowMs - 120_000),
  });
  const poll = (trigger: PollTrigger) => pollChained(deps, { target: fresh.target, trigger });
  const followUpOf = (index: number): PollTrigger => {
    const body = sent[index]?.message.followUp;
    if (!body) throw new Error(`no follow-up ${index} was sent`);
    return { kind: 'follow-up', chain: body.chain, dueMs: body.dueMs };
  };
  const requests = () => world.simulator.stats.requests;
  const advance = (ms: number) => {
    nowMs += ms;
  };
  return { ...fresh, deps, job, sent, poll, followUpOf, requests, advance, now: () => nowMs };
}

describe('pollChained', () => {
  it('starts a chain on a tick that finds a job running: one conditional write, one delayed message', async () => {
    const t = await runningTarget();
    const first = await t.poll(tick);
    expect(first).toMatchObject({ trigger: 'tick', chain: ChainOutcome.Scheduled, followUpsSent: 1 });
    expect(first.report.runningJobs).toBe(1);
    expect(t.sent).toEqual([
      {
        delaySeconds: FAST_SECONDS,
        message: { followUp: { target: t.target, chain: 'chain-1', dueMs: t.now() + FAST_SECONDS * 1000 } },
      },
    ]);
    expect((await t.store.getCursor(t.target))?.followUp).toEqual({
      chain: 'chain-1',
      dueMs: t.now() + FAST_SECONDS * 1000,
    });
  });

  it('lets the follow-up see the job end, publish it and stop the chain', async () => {
    const t = await runningTarget();
    await t.poll(tick);
    t.advance(FAST_SECONDS * 1000);
    world.simulator.updateJob(t.projectId, t.job.id, {
      status: 'Completed',
      progress: '',
      end_time: formatHuaweiTime(t.now()),
    });
    const followUp = await t.poll(t.followUpOf(0));
    expect(followUp).toMatchObject({ trigger: 'follow-up', chain: ChainOutcome.Stopped, followUpsSent: 0 });
    expect(followUp.report).toMatchObject({ outcome: 'done', transitions: { completed: 1 }, runningJobs: 0 });
    expect(t.publisher.events.map((event) => event.type)).toEqual(['com.huaweicloud.geminidb.job.completed']);
    expect((await t.store.getCursor(t.target))?.followUp).toBeNull();
    expect(t.sent).toHaveLength(1);
  });

  it('pays one API request, one read and one write for an idle follow-up while the job runs', async () => {
    const t = await runningTarget();
    await t.poll(tick);
    t.advance(FAST_SECONDS * 1000);
    const before = t.requests();
    const followUp = await t.poll(t.followUpOf(0));
    expect(followUp).toMatchObject({ chain: ChainOutcome.Scheduled, followUpsSent: 1 });
    expect(followUp.report).toMatchObject({
      outcome: 'idle',
      apiRequests: 1,
      ddbReadRequests: 1,
      ddbReadUnits: 1,
      ddbWriteRequests: 1,
      ddbWriteUnits: 1,
    });
    expect(t.requests() - before).toBe(1);
    expect(t.sent[1]?.message.followUp.chain).toBe('chain-2');
  });

  it('does nothing for a stale message: no API request, no write, nothing sent', async () => {
    const t = await runningTarget();
    await t.poll(tick);
    t.advance(FAST_SECONDS * 1000);
    await t.poll(t.followUpOf(0));
    const before = t.requests();
    // The first message again (SQS delivers at least once): its chain is no longer the recorded one.
    const again = await t.poll(t.followUpOf(0));
    expect(again).toMatchObject({ chain: ChainOutcome.Stale, followUpsSent: 0 });
    expect(again.report).toMatchObject({
      outcome: 'skipped',
      apiRequests: 0,
      ddbWriteRequests: 0,
      ddbReadRequests: 1,
    });
    expect(t.requests()).toBe(before);
    expect(t.sent).toHaveLength(2);
  });

  it('leaves a tick to the follow-up about to run: one read, nothing else', async () => {
    const t = await runningTarget();
    await t.poll(tick);
    t.advance(5_000);
    const before = t.requests();
    const deferred = await t.poll(tick);
    expect(deferred).toMatchObject({ chain: ChainOutcome.Deferred, followUpsSent: 0 });
    expect(deferred.report).toMatchObject({ apiRequests: 0, ddbReadRequests: 1, ddbWriteRequests: 0 });
    expect(t.requests()).toBe(before);
  });

  it('repairs a lost follow-up on the first tick after it is overdue, and the lost one turns stale', async () => {
    const t = await runningTarget();
    await t.poll(tick);
    t.advance(FAST_SECONDS * 1000 + FOLLOW_UP_GRACE_MS + 1);
    const repaired = await t.poll(tick);
    expect(repaired).toMatchObject({ chain: ChainOutcome.Scheduled, followUpsSent: 1 });
    expect(repaired.report.apiRequests).toBe(1);
    expect((await t.store.getCursor(t.target))?.followUp?.chain).toBe('chain-2');
    expect(await t.poll(t.followUpOf(0))).toMatchObject({ chain: ChainOutcome.Stale });
  });

  it('stops at once with fast polling off: a follow-up does nothing, the next tick removes the record', async () => {
    const t = await runningTarget();
    await t.poll(tick);
    const off = { ...t.deps, fastPollSeconds: 0 };
    t.advance(FAST_SECONDS * 1000);
    const before = t.requests();
    expect(await pollChained(off, { target: t.target, trigger: t.followUpOf(0) })).toMatchObject({
      chain: ChainOutcome.Off,
    });
    expect(t.requests()).toBe(before);
    expect(await pollChained(off, { target: t.target, trigger: tick })).toMatchObject({
      chain: ChainOutcome.Stopped,
    });
    expect((await t.store.getCursor(t.target))?.followUp).toBeNull();
  });

  it.each<[string, 'tick' | 'follow-up', ChainOutcome, number]>([
    ['a follow-up of the chain keeps it alive without polling', 'follow-up', ChainOutcome.KeptAlive, 2],
    ['a tick leaves the chain to the lease holder', 'tick', ChainOutcome.None, 1],
  ])('under a held lease, %s', async (_, kind, outcome, messages) => {
    const t = await runningTarget();
    await t.poll(tick);
    const cursor = await t.store.getCursor(t.target);
    const lease = { owner: 'holder', untilMs: t.now() + 120_000, intent: [] };
    expect(await t.store.takeLease(t.target, lease, cursor?.revision ?? null, t.now())).toBe(true);
    t.advance(kind === 'tick' ? 60_000 : FAST_SECONDS * 1000);
    const before = t.requests();
    const held = await t.poll(kind === 'tick' ? tick : t.followUpOf(0));
    expect(held).toMatchObject({ chain: outcome, followUpsSent: messages - 1 });
    expect(held.report).toMatchObject({ outcome: 'skipped', apiRequests: 0 });
    expect(t.requests()).toBe(before);
    expect(t.sent).toHaveLength(messages);
    const recorded = (await t.store.getCursor(t.target))?.followUp?.chain;
    expect(recorded).toBe(kind === 'tick' ? 'chain-1' : 'chain-2');
  });

  it('lets exactly one of two polls of the same follow-up continue the chain', async () => {
    const t = await runningTarget();
    await t.poll(tick);
    t.advance(FAST_SECONDS * 1000);
    const both = await Promise.all([t.poll(t.followUpOf(0)), t.poll(t.followUpOf(0))]);
    expect(both.map((poll) => poll.followUpsSent).sort()).toEqual([0, 1]);
    expect(t.sent).toHaveLength(2);
    expect((await t.store.getCursor(t.target))?.followUp?.chain).toBe(t.sent[1]?.message.followUp.chain);
  });

  it('reports a follow-up it could not send without failing the target; the tick repairs it', async () => {
    const t = await runningTarget(true);
    const first = await t.poll(tick);
    expect(first).toMatchObject({ chain: ChainOutcome.SendFailed, followUpsSent: 0 });
    expect(first.followUpError).toMatch(/queue unreachable/);
    expect(first.report.outcome).toBe('done');
    t.advance(FAST_SECONDS * 1000 + FOLLOW_UP_GRACE_MS + 1);
    expect((await t.poll(tick)).report.apiRequests).toBe(1);
  });

  it('costs an idle target with nothing running 1 API request, 1 read unit and no write per tick', async () => {
    let nowMs = Date.now();
    const fresh = await world.fresh({}, () => nowMs);
    const deps = { ...fresh.deps, fastPollSeconds: FAST_SECONDS, followUps: recordingSender().sender };
    world.simulator.addJob(fresh.projectId, {
      status: 'Completed',
      start_time: formatHuaweiTime(nowMs - 600_000),
    });
    await pollChained(deps, { target: fresh.target, trigger: tick });
    nowMs += 60_000;
    const idle = await pollChained(deps, { target: fresh.target, trigger: tick });
    expect(idle).toMatchObject({ chain: ChainOutcome.None, followUpsSent: 0 });
    expect(idle.report).toMatchObject({
      outcome: 'idle',
      apiRequests: 1,
      ddbReadUnits: 1,
      ddbWriteRequests: 0,
      ddbWriteUnits: 0,
    });
  });
});
