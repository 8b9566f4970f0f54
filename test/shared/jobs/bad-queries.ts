import type { JobsQuery } from '../../../shared/jobs/jobs-client';

const start = new Date('2023-09-01T00:00:00Z');
const DAY_MS = 86_400_000;

/** [what is wrong, query, parameter named, exact message]: shared by the unit and HTTP tests. */
export const BAD_QUERIES: ReadonlyArray<readonly [string, JobsQuery, string, string]> = [
  [
    'limit 25',
    { limit: 25 as 10 },
    'limit',
    'Invalid jobs query parameter limit: expected 10, 20 or 50, got 25; pass 10, 20 or 50',
  ],
  [
    'limit 0',
    { limit: 0 as 10 },
    'limit',
    'Invalid jobs query parameter limit: expected 10, 20 or 50, got 0; pass 10, 20 or 50',
  ],
  [
    'limit "50"',
    { limit: '50' as unknown as 50 },
    'limit',
    'Invalid jobs query parameter limit: expected 10, 20 or 50, got "50"; pass 10, 20 or 50',
  ],
  [
    'offset -1',
    { offset: -1 },
    'offset',
    'Invalid jobs query parameter offset: expected an integer >= 0, got -1; pass 0 or a positive whole number',
  ],
  [
    'offset 1.5',
    { offset: 1.5 },
    'offset',
    'Invalid jobs query parameter offset: expected an integer >= 0, got 1.5; pass 0 or a positive whole number',
  ],
  [
    'offset NaN',
    { offset: Number.NaN },
    'offset',
    'Invalid jobs query parameter offset: expected an integer >= 0, got NaN; pass 0 or a positive whole number',
  ],
  [
    'an invalid start_time Date',
    { start_time: new Date('nope') },
    'start_time',
    'Invalid jobs query parameter start_time: expected a valid Date, got an invalid Date; ' +
      'pass a Date (it is sent as 2023-09-12T06:44:01+0000) or leave it out',
  ],
  [
    'a string end_time',
    { end_time: '2023-09-12' as unknown as Date },
    'end_time',
    'Invalid jobs query parameter end_time: expected a valid Date, got "2023-09-12"; ' +
      'pass a Date (it is sent as 2023-09-12T06:44:01+0000) or leave it out',
  ],
  [
    'a start_time in year 10000',
    { start_time: new Date('+010000-01-01T00:00:00Z') },
    'start_time',
    'Invalid jobs query parameter start_time: year 10000 is out of range; pass a Date between 1970 and 9999',
  ],
  [
    'end_time equal to start_time',
    { start_time: start, end_time: start },
    'end_time',
    'Invalid jobs query parameter end_time: 2023-09-01T00:00:00+0000 is not after start_time ' +
      '2023-09-01T00:00:00+0000 (whole seconds); pass an end_time later than start_time',
  ],
  [
    'end_time in the same second as start_time',
    { start_time: new Date('2023-09-01T00:00:00.100Z'), end_time: new Date('2023-09-01T00:00:00.900Z') },
    'end_time',
    'Invalid jobs query parameter end_time: 2023-09-01T00:00:00+0000 is not after start_time ' +
      '2023-09-01T00:00:00+0000 (whole seconds); pass an end_time later than start_time',
  ],
  [
    'end_time before start_time',
    { start_time: start, end_time: new Date(start.getTime() - DAY_MS) },
    'end_time',
    'Invalid jobs query parameter end_time: 2023-08-31T00:00:00+0000 is not after start_time ' +
      '2023-09-01T00:00:00+0000 (whole seconds); pass an end_time later than start_time',
  ],
  [
    'a window of 30 days and 1 second',
    { start_time: start, end_time: new Date(start.getTime() + 30 * DAY_MS + 1_000) },
    'end_time',
    'Invalid jobs query parameter end_time: the window spans 30.00 days, more than the 30 the API allows; ' +
      'narrow the window to 30 days or split it into several queries',
  ],
  [
    'an empty id',
    { id: '' },
    'id',
    'Invalid jobs query parameter id: expected a non-empty string, got ""; pass a task id or leave it out',
  ],
  [
    'a blank status',
    { status: '  ' },
    'status',
    'Invalid jobs query parameter status: expected a non-empty string, got "  "; ' +
      'pass a status such as Running, Completed or Failed, or leave it out',
  ],
  [
    'a numeric name',
    { name: 42 as unknown as string },
    'name',
    'Invalid jobs query parameter name: expected a non-empty string, got 42; ' +
      'pass a task name such as BackupInstance, or leave it out',
  ],
  [
    'a misspelt parameter',
    { limt: 10 } as JobsQuery,
    'limt',
    'Invalid jobs query parameter limt: the API has no such parameter; ' +
      'use one of id, start_time, end_time, status, name, offset, limit',
  ],
];
