import { describe, expect, it } from 'vitest';
import { InvalidJobsQueryError } from '../../../shared/jobs/errors';
import type { JobsQuery } from '../../../shared/jobs/jobs-client';
import { buildJobsUrl, validateJobsQuery, validateProjectId } from '../../../shared/jobs/query';
import { BAD_QUERIES } from './bad-queries';

const DAY_MS = 86_400_000;
const start = new Date('2023-09-01T00:00:00Z');

describe('validateJobsQuery', () => {
  it.each(BAD_QUERIES)('rejects %s naming %s', (_label, query, parameter, message) => {
    expect(() => validateJobsQuery(query)).toThrow(
      expect.objectContaining({ name: 'InvalidJobsQueryError', parameter, message }),
    );
  });

  it.each<[string, JobsQuery]>([
    ['an empty query', {}],
    [
      'every parameter',
      {
        id: 'x',
        start_time: start,
        end_time: new Date(start.getTime() + DAY_MS),
        status: 'Running',
        name: 'BackupInstance',
        offset: 0,
        limit: 10,
      },
    ],
    ['a window of exactly 30 days', { start_time: start, end_time: new Date(start.getTime() + 30 * DAY_MS) }],
    ['a start_time alone', { start_time: start }],
    ['an end_time alone', { end_time: start }],
    ['a status the docs do not list', { status: 'Paused' }],
    ['limit 20 and a large offset', { limit: 20, offset: 10_000 }],
    ['parameters set to undefined', { id: undefined, limit: undefined }],
  ])('accepts %s', (_label, query) => {
    expect(() => validateJobsQuery(query)).not.toThrow();
  });
});

describe('validateProjectId', () => {
  it.each<[unknown, string]>([
    ['', 'expected a non-empty string, got ""'],
    [undefined, 'expected a non-empty string, got nothing'],
    ['abc/def', '"abc/def" contains a "/", "?", "#" or whitespace'],
    ['abc?x=1', '"abc?x=1" contains a "/", "?", "#" or whitespace'],
    ['abc def', '"abc def" contains a "/", "?", "#" or whitespace'],
  ])('rejects %j', (projectId, problem) => {
    expect(() => validateProjectId(projectId)).toThrow(InvalidJobsQueryError);
    expect(() => validateProjectId(projectId)).toThrow(
      `Invalid jobs query parameter project_id: ${problem}; `,
    );
  });

  it('accepts a Huawei project id', () => {
    expect(() => validateProjectId('0549b4a43100d4f32f51c01c2fe4acdb')).not.toThrow();
  });
});

describe('buildJobsUrl', () => {
  const endpoint = new URL('https://gaussdb-nosql.ap-southeast-1.myhuaweicloud.com');

  it('sends times in UTC with the + encoded as %2B, in the documented parameter order', () => {
    const url = buildJobsUrl(endpoint, '0549b4a43100d4f32f51c01c2fe4acdb', {
      limit: 50,
      offset: 100,
      end_time: new Date('2023-09-12T14:44:01+08:00'),
      start_time: new Date('2023-09-01T00:00:00.999Z'),
      name: 'BackupInstance',
      status: 'Running',
      id: '89a0cde6-9c46-4b89-a92c-573e1083ff23',
    });
    expect(url.href).toBe(
      'https://gaussdb-nosql.ap-southeast-1.myhuaweicloud.com/v3/0549b4a43100d4f32f51c01c2fe4acdb/jobs' +
        '?id=89a0cde6-9c46-4b89-a92c-573e1083ff23&start_time=2023-09-01T00%3A00%3A00%2B0000' +
        '&end_time=2023-09-12T06%3A44%3A01%2B0000&status=Running&name=BackupInstance&offset=100&limit=50',
    );
  });

  it('leaves out what the query leaves out', () => {
    expect(buildJobsUrl(endpoint, 'p1', {}).href).toBe(
      'https://gaussdb-nosql.ap-southeast-1.myhuaweicloud.com/v3/p1/jobs',
    );
  });

  it('percent-encodes free text', () => {
    expect(buildJobsUrl(endpoint, 'p1', { name: 'a b&c=d+e' }).search).toBe('?name=a%20b%26c%3Dd%2Be');
  });

  it.each([
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080/v3/p1/jobs?limit=10'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080/v3/p1/jobs?limit=10'],
    ['http://127.0.0.1:8080/geminidb/', 'http://127.0.0.1:8080/geminidb/v3/p1/jobs?limit=10'],
  ])('joins endpoint %s without doubling slashes', (base, expected) => {
    expect(buildJobsUrl(new URL(base), 'p1', { limit: 10 }).href).toBe(expected);
  });
});
