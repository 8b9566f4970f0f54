import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildEvent } from '../../shared/build-event';
import type { JobEvent } from '../../shared/job-event';
import { TEST_JOB_NAME } from '../../shared/publish/format';
import type { TransitionType } from '../../shared/transition';
import { eventBridgeEvent } from '../shared/consumer/fixtures/eventbridge-event';
import { readDocs } from '../support/docs';

/*
 * No well-kept npm implementation of EventBridge pattern matching exists (docs/consume.md,
 * recipe 1), so the patterns README.md and docs/ document are checked by hand: every pattern uses only
 * exact-value lists, and each of its field paths must exist in the EventBridge event of the
 * watcher's entry with one of the listed values. A pattern using any other operator fails here
 * until this check learns it.
 */

/** Every JSON block of README.md and docs/*.md that is an EventBridge pattern for the watcher's events. */
const documentedPatterns: Record<string, unknown>[] = readDocs()
  .flatMap((doc) => [...doc.text.matchAll(/```json\n([\s\S]*?)```/g)])
  .map((match) => JSON.parse(match[1] ?? 'null') as unknown)
  .filter(
    (block): block is Record<string, unknown> =>
      typeof block === 'object' &&
      block !== null &&
      Array.isArray((block as { source?: unknown }).source) &&
      ((block as { source: unknown[] }).source.includes('geminidb-job-watcher') ?? false),
  );

/** One condition of a pattern: the field path and the values it allows. */
type Condition = readonly [path: readonly string[], allowed: readonly (string | number | boolean | null)[]];

/** The pattern's conditions; throws on any operator other than a list of exact values. */
function conditions(pattern: Record<string, unknown>, prefix: readonly string[] = []): Condition[] {
  return Object.entries(pattern).flatMap(([key, value]): Condition[] => {
    const path = [...prefix, key];
    if (Array.isArray(value)) {
      const operator = value.find((item) => typeof item === 'object' && item !== null);
      if (operator !== undefined) {
        throw new Error(
          `${path.join('.')}: ${JSON.stringify(operator)} is not an exact value: teach this check the operator`,
        );
      }
      return [[path, value as Condition[1]]];
    }
    if (typeof value === 'object' && value !== null)
      return conditions(value as Record<string, unknown>, path);
    throw new Error(
      `${path.join('.')}: an EventBridge pattern lists values in arrays, got ${JSON.stringify(value)}`,
    );
  });
}

function valueAt(event: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>(
    (node, key) =>
      typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined,
    event,
  );
}

/** Exact-value matching as EventBridge does it: every condition holds; an array value matches if any element does. */
function matches(pattern: Record<string, unknown>, event: unknown): boolean {
  return conditions(pattern).every(([path, allowed]) => {
    const value = valueAt(event, path);
    const values = Array.isArray(value) ? value : [value];
    return values.some((item) => allowed.includes(item as Condition[1][number]));
  });
}

const STATUS: Record<TransitionType, string> = {
  started: 'Running',
  progressed: 'Running',
  stalled: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  status_changed: 'Suspended',
};

/** The event the watcher builds when a job named `name` makes a `type` transition. */
function watcherEvent(type: TransitionType, name: string): JobEvent {
  const status = STATUS[type];
  const done = status === 'Completed' || status === 'Failed';
  return buildEvent(
    { region: 'ap-southeast-1', projectId: '0549b4a43100d4f32f51c01c2fe4acdb' },
    {
      type,
      previousStatus: 'Running',
      progressStep: type === 'progressed' ? 50 : null,
      occurrence: 0,
      job: {
        id: `job-${type}-${name}`,
        name,
        status,
        start_time: '2026-11-30T00:44:01.000Z',
        end_time: done ? '2026-11-30T01:01:40.000Z' : null,
        progress: done ? null : 50,
        instance: { id: '27a045b6bf9e46f691f81366d398cb04in06', name: 'nosql-12f5' },
        fail_reason: status === 'Failed' ? 'Backup timed out.' : null,
      },
    },
    new Date('2026-11-30T01:02:03.000Z'),
  );
}

const failedBackup = eventBridgeEvent(watcherEvent('failed', 'BackupInstance'));

describe('the EventBridge patterns in README.md and docs/', () => {
  it('are there, and each is the failed-backup pattern of examples/failed-backup-pattern.json', () => {
    const file = JSON.parse(
      readFileSync(new URL('../../examples/failed-backup-pattern.json', import.meta.url), 'utf8'),
    );
    expect(documentedPatterns.length).toBeGreaterThan(0);
    for (const pattern of documentedPatterns) expect(pattern).toEqual(file);
  });

  it.each(documentedPatterns.map((pattern) => [JSON.stringify(pattern), pattern] as const))(
    'name field paths the watcher fills with a listed value: %s',
    (_json, pattern) => {
      for (const [path, allowed] of conditions(pattern)) {
        const value = valueAt(failedBackup, path);
        expect(value, path.join('.')).toBeDefined();
        expect(allowed, path.join('.')).toContain(value);
      }
    },
  );

  it.each<[string, boolean, JobEvent]>([
    ['a failed backup', true, watcherEvent('failed', 'BackupInstance')],
    ['a completed backup', false, watcherEvent('completed', 'BackupInstance')],
    ['a stalled backup', false, watcherEvent('stalled', 'BackupInstance')],
    ['a failed restart', false, watcherEvent('failed', 'RestartInstance')],
    [
      'a failure sent by send-test (job WatcherTestEvent)',
      false,
      { ...watcherEvent('failed', TEST_JOB_NAME), test: true } as JobEvent,
    ],
  ])('the failed-backup pattern, given %s, matches: %s', (_case, expected, event) => {
    for (const pattern of documentedPatterns)
      expect(matches(pattern, eventBridgeEvent(event))).toBe(expected);
  });

  it('do not match the same event from another source', () => {
    const foreign = { ...failedBackup, source: 'aws.ec2' };
    for (const pattern of documentedPatterns) expect(matches(pattern, foreign)).toBe(false);
  });
});
