import { describe, expect, it } from 'vitest';
import {
  type ChainStep,
  type EndInput,
  endStep,
  FOLLOW_UP_GRACE_MS,
  type PollTrigger,
  StartAction,
  startAction,
} from '../../../shared/follow-up/rules';
import type { FollowUp, Lease } from '../../../shared/store/task-store';

const NOW_MS = Date.parse('2026-01-05T10:00:00.000Z');
const FAST_SECONDS = 15;
const tick: PollTrigger = { kind: 'tick' };
const followUp = (chain: string): PollTrigger => ({ kind: 'follow-up', chain, dueMs: NOW_MS });
/** A recorded follow-up due `inMs` from now (negative: overdue). */
const recorded = (chain: string, inMs: number): FollowUp => ({ chain, dueMs: NOW_MS + inMs });
const lease = (untilInMs: number): Lease => ({ owner: 'other', untilMs: NOW_MS + untilInMs, intent: [] });

describe('startAction', () => {
  it.each<[string, PollTrigger, FollowUp | null, Lease | null, number, StartAction]>([
    ['a tick with no follow-up recorded polls', tick, null, null, FAST_SECONDS, StartAction.Poll],
    [
      'a tick defers to a follow-up due in 14 s',
      tick,
      recorded('a', 14_000),
      null,
      FAST_SECONDS,
      StartAction.Defer,
    ],
    ['a tick defers to a follow-up due now', tick, recorded('a', 0), null, FAST_SECONDS, StartAction.Defer],
    [
      'a tick defers to a follow-up overdue by the grace (on its way)',
      tick,
      recorded('a', -FOLLOW_UP_GRACE_MS),
      null,
      FAST_SECONDS,
      StartAction.Defer,
    ],
    [
      'a tick polls past a follow-up overdue by more than the grace (lost)',
      tick,
      recorded('a', -FOLLOW_UP_GRACE_MS - 1),
      null,
      FAST_SECONDS,
      StartAction.Poll,
    ],
    [
      'a tick polls when the follow-up is fastPollSeconds or more away',
      tick,
      recorded('a', FAST_SECONDS * 1000),
      null,
      FAST_SECONDS,
      StartAction.Poll,
    ],
    ['a tick never defers with fast polling off', tick, recorded('a', 0), null, 0, StartAction.Poll],
    ['a tick leaves a held lease to its holder', tick, null, lease(1), FAST_SECONDS, StartAction.Held],
    ['a tick polls once the lease has expired', tick, null, lease(0), FAST_SECONDS, StartAction.Poll],
    [
      'a follow-up of the recorded chain polls',
      followUp('a'),
      recorded('a', 0),
      null,
      FAST_SECONDS,
      StartAction.Poll,
    ],
    [
      'a follow-up of the recorded chain polls even when late',
      followUp('a'),
      recorded('a', -60_000),
      null,
      FAST_SECONDS,
      StartAction.Poll,
    ],
    [
      'a follow-up of another chain is stale',
      followUp('a'),
      recorded('b', 0),
      null,
      FAST_SECONDS,
      StartAction.Stale,
    ],
    ['a follow-up with none recorded is stale', followUp('a'), null, null, FAST_SECONDS, StartAction.Stale],
    [
      'a stale follow-up stays stale under a held lease',
      followUp('a'),
      recorded('b', 0),
      lease(1),
      FAST_SECONDS,
      StartAction.Stale,
    ],
    [
      'a follow-up does nothing with fast polling off',
      followUp('a'),
      recorded('a', 0),
      null,
      0,
      StartAction.Off,
    ],
    [
      'a follow-up of the recorded chain finds the lease held',
      followUp('a'),
      recorded('a', 0),
      lease(1),
      FAST_SECONDS,
      StartAction.Held,
    ],
  ])('%s', (_, trigger, followUpRecorded, leaseHeld, fastPollSeconds, expected) => {
    const cursor = { followUp: followUpRecorded, lease: leaseHeld };
    expect(startAction({ trigger, cursor, nowMs: NOW_MS, fastPollSeconds })).toBe(expected);
  });

  it.each<[PollTrigger, StartAction]>([
    [tick, StartAction.Poll],
    [followUp('a'), StartAction.Stale],
  ])('%o on a target never polled: %s', (trigger, expected) => {
    expect(startAction({ trigger, cursor: null, nowMs: NOW_MS, fastPollSeconds: FAST_SECONDS })).toBe(
      expected,
    );
  });
});

describe('endStep', () => {
  const base = { recorded: null, runningJobs: 0, fastPollSeconds: FAST_SECONDS } as const;
  it.each<[string, Omit<EndInput, 'fastPollSeconds'> & { fastPollSeconds?: number }, ChainStep]>([
    [
      'a tick that polled with jobs running starts a chain where none is',
      { ...base, trigger: tick, ran: 'polled', runningJobs: 2 },
      { kind: 'schedule', expected: null },
    ],
    [
      'a tick that polled past an overdue follow-up replaces it',
      { ...base, trigger: tick, ran: 'polled', recorded: recorded('a', -60_000), runningJobs: 1 },
      { kind: 'schedule', expected: 'a' },
    ],
    [
      'a follow-up that polled with jobs running schedules the next link in place of its own',
      { ...base, trigger: followUp('a'), ran: 'polled', recorded: recorded('a', 0), runningJobs: 1 },
      { kind: 'schedule', expected: 'a' },
    ],
    [
      'a follow-up that polled with nothing running stops the chain',
      { ...base, trigger: followUp('a'), ran: 'polled', recorded: recorded('a', 0) },
      { kind: 'stop', expected: 'a' },
    ],
    [
      'a tick that polled with nothing running stops an overdue chain',
      { ...base, trigger: tick, ran: 'polled', recorded: recorded('a', -60_000) },
      { kind: 'stop', expected: 'a' },
    ],
    [
      'a tick that polled with nothing running and nothing recorded writes nothing',
      { ...base, trigger: tick, ran: 'polled' },
      { kind: 'none' },
    ],
    [
      'a poll with fast polling off stops a recorded chain although jobs run',
      {
        ...base,
        trigger: tick,
        ran: 'polled',
        recorded: recorded('a', 0),
        runningJobs: 3,
        fastPollSeconds: 0,
      },
      { kind: 'stop', expected: 'a' },
    ],
    [
      'a poll with fast polling off and nothing recorded writes nothing although jobs run',
      { ...base, trigger: tick, ran: 'polled', runningJobs: 3, fastPollSeconds: 0 },
      { kind: 'none' },
    ],
    [
      'a follow-up that found the lease held keeps its own chain alive',
      { ...base, trigger: followUp('a'), ran: 'held', recorded: recorded('a', 0), runningJobs: 0 },
      { kind: 'schedule', expected: 'a' },
    ],
    [
      'a tick that found the lease held leaves the chain to the holder',
      { ...base, trigger: tick, ran: 'held', recorded: recorded('a', -60_000), runningJobs: 2 },
      { kind: 'none' },
    ],
    [
      'a stale, off or deferred poll leaves the chain alone',
      { ...base, trigger: followUp('a'), ran: 'nothing', recorded: recorded('b', 0), runningJobs: 2 },
      { kind: 'none' },
    ],
    [
      'a deferred tick leaves the chain alone',
      { ...base, trigger: tick, ran: 'nothing', recorded: recorded('a', 5_000), runningJobs: 2 },
      { kind: 'none' },
    ],
  ])('%s', (_, input, expected) => {
    expect(endStep({ fastPollSeconds: FAST_SECONDS, ...input })).toEqual(expected);
  });
});
