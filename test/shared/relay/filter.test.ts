import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../shared/job-event';
import type { DestinationFilter } from '../../../shared/relay/destinations';
import { matchesFilter } from '../../../shared/relay/filter';
import { sampleEvent } from '../publish/fixtures';

// The sample failed event: BackupInstance on nosql-12f5 (inst-1), status Failed.
const failed = sampleEvent('failed');

describe('matchesFilter', () => {
  it.each<[string, DestinationFilter | undefined, boolean]>([
    ['no filter', undefined, true],
    ['an empty filter', {}, true],
    ['its type', { types: ['failed'] }, true],
    ['one of several types', { types: ['completed', 'failed'] }, true],
    ['another type', { types: ['completed'] }, false],
    ['its job name', { jobNames: ['BackupInstance'] }, true],
    ['another job name', { jobNames: ['RestartInstance'] }, false],
    ['its instance name', { instances: ['nosql-12f5'] }, true],
    ['its instance id', { instances: ['inst-1'] }, true],
    ['another instance', { instances: ['nosql-0000'] }, false],
    ['its status', { statuses: ['Failed'] }, true],
    ['a status in other case', { statuses: ['failed'] }, false],
    [
      'every field matching',
      { types: ['failed'], jobNames: ['BackupInstance'], instances: ['inst-1'], statuses: ['Failed'] },
      true,
    ],
    [
      'all but one field matching',
      { types: ['failed'], jobNames: ['BackupInstance'], instances: ['other'] },
      false,
    ],
  ])('with %s: %s', (_case, filter, expected) => {
    expect(matchesFilter(filter, failed)).toBe(expected);
  });

  it('never matches an empty instance name against a filter', () => {
    const nameless = sampleEvent('failed', { instance: { id: 'inst-1', name: '' } });
    expect(matchesFilter({ instances: [''] as never }, nameless)).toBe(false);
  });

  it('lets a test event through any filter', () => {
    const test = { ...sampleEvent('completed'), test: true } as JobEvent;
    expect(matchesFilter({ types: ['failed'], jobNames: ['Nothing'] }, test)).toBe(true);
  });
});
