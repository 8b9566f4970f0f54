import { describe, expect, it } from 'vitest';
import {
  boundText,
  isSafeJobId,
  MAX_STATUS_CHARS,
  MAX_TEXT_CHARS,
  parseJobsBody,
  skippedRecordLine,
} from '../../../shared/jobs/response';
import { type RawJob, rawJob } from './raw-jobs';

function bodyWith(job: Record<string, unknown>): string {
  return JSON.stringify({ total_count: 1, jobs: [job] });
}

function parsedJob(job: Record<string, unknown>) {
  const result = parseJobsBody(bodyWith(job));
  if (!result.ok) throw new Error(`expected a page, got problem: ${result.problem}`);
  return result.page.jobs[0];
}

function problemOf(body: string): string {
  const result = parseJobsBody(body);
  if (result.ok) throw new Error('expected a problem, got a page');
  return result.problem;
}

describe('parseJobsBody', () => {
  it('normalises the documentation example into a Job', () => {
    const body = JSON.stringify({
      total_count: 1,
      jobs: [
        {
          id: '6f85e061-04dd-42e7-86d6-d3b1e40aac2e',
          name: 'CreateCassandra',
          status: 'Running',
          start_time: '2023-09-12T06:44:01+0000',
          end_time: '2023-09-12T06:44:03+0000',
          progress: '14%',
          instance: { id: '27a045b6bf9e46f691f81366d398cb04in06', name: 'nosql-12f5' },
          fail_reason: '',
        },
      ],
    });
    expect(parseJobsBody(body)).toEqual({
      ok: true,
      page: {
        total_count: 1,
        skipped: [],
        jobs: [
          {
            id: '6f85e061-04dd-42e7-86d6-d3b1e40aac2e',
            name: 'CreateCassandra',
            status: 'Running',
            start_time: '2023-09-12T06:44:01.000Z',
            end_time: '2023-09-12T06:44:03.000Z',
            progress: 14,
            instance: { id: '27a045b6bf9e46f691f81366d398cb04in06', name: 'nosql-12f5' },
            fail_reason: null,
          },
        ],
      },
    });
  });

  it.each<[string, Partial<RawJob>, string, string | null]>([
    ['+0000', { start_time: '2023-09-12T06:44:01+0000' }, 'start_time', '2023-09-12T06:44:01.000Z'],
    ['+0800', { start_time: '2023-09-12T14:44:01+0800' }, 'start_time', '2023-09-12T06:44:01.000Z'],
    ['+08:00', { start_time: '2023-09-12T14:44:01+08:00' }, 'start_time', '2023-09-12T06:44:01.000Z'],
    ['Z', { start_time: '2023-09-12T06:44:01Z' }, 'start_time', '2023-09-12T06:44:01.000Z'],
    ['end +0800', { end_time: '2023-09-12T15:00:00+0800' }, 'end_time', '2023-09-12T07:00:00.000Z'],
    ['end ""', { end_time: '' }, 'end_time', null],
  ])('reads a %s time into ISO 8601 UTC', (_label, overrides, field, expected) => {
    expect(parsedJob({ ...rawJob(1), ...overrides })?.[field as 'start_time']).toBe(expected);
  });

  it.each<[unknown, number | null]>([
    ['60%', 60],
    ['100%', 100],
    ['0%', 0],
    ['14.5%', 14.5],
    ['', null],
    [' 60% ', 60],
    ['60', 60],
    [60, 60],
    [null, null],
    // DynamoDB refuses numbers below 1e-130: such a progress would fail the job's every record.
    [`0.${'0'.repeat(200)}1%`, 0],
    [1e-200, 0],
    ['33.33333333333333333%', 33.333333],
  ])('reads progress %j as %j', (progress, expected) => {
    expect(parsedJob({ ...rawJob(1), progress })?.progress).toBe(expected);
  });

  it.each<[string, Record<string, unknown>, keyof RawJob, null]>([
    ['fail_reason ""', { fail_reason: '' }, 'fail_reason', null],
    ['fail_reason null', { fail_reason: null }, 'fail_reason', null],
    ['end_time null', { end_time: null }, 'end_time', null],
  ])('reads %s as null', (_label, overrides, field) => {
    expect(parsedJob({ ...rawJob(1), ...overrides })?.[field]).toBeNull();
  });

  it.each(['progress', 'fail_reason', 'end_time'] as const)('reads a missing %s as null', (field) => {
    const job: Record<string, unknown> = { ...rawJob(1) };
    delete job[field];
    expect(parsedJob(job)?.[field]).toBeNull();
  });

  it('keeps a failure reason and passes unknown names and statuses through', () => {
    const job = parsedJob({
      ...rawJob(1),
      name: 'RebuildUniverse',
      status: 'Paused',
      fail_reason: 'disk full',
    });
    expect(job).toMatchObject({ name: 'RebuildUniverse', status: 'Paused', fail_reason: 'disk full' });
  });

  it('drops fields it does not know', () => {
    expect(parsedJob({ ...rawJob(1), engine: 'cassandra' })).not.toHaveProperty('engine');
  });

  it.each<[string, string, string | RegExp]>([
    ['an empty body', '', 'body is empty'],
    [
      'an HTML page',
      '<!DOCTYPE html><html><body>502 Bad Gateway</body></html>',
      'body is not JSON but markup starting "<!DOCTYPE html><html><body>502 Bad Gateway</body></html>"',
    ],
    [
      'truncated JSON',
      '{"total_count": 1, "jobs": [{"id": "job-1", "na',
      /^body is not valid JSON \(.+\); it may have been cut off$/,
    ],
    ['a JSON array', '[]', 'body: expected a JSON object like {"jobs": [...], "total_count": 0}, got []'],
    [
      'total_count as a string',
      '{"jobs": [], "total_count": "1"}',
      'total_count: expected an integer >= 0, got "1"',
    ],
    [
      'a negative total_count',
      '{"jobs": [], "total_count": -1}',
      'total_count: expected an integer >= 0, got -1',
    ],
    [
      'jobs missing',
      '{"total_count": 0}',
      'jobs: expected an array of jobs, got nothing (the field is missing)',
    ],
    ['jobs as an object', '{"jobs": {}, "total_count": 0}', 'jobs: expected an array of jobs, got {}'],
    [
      'a long HTML page',
      `<html>${'x'.repeat(500)}</html>`,
      `body is not JSON but markup starting "<html>${'x'.repeat(53)}...`,
    ],
  ])('describes %s', (_label, body, problem) => {
    if (problem instanceof RegExp) expect(problemOf(body)).toMatch(problem);
    else expect(problemOf(body)).toBe(problem);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'a bad start_time',
      { start_time: 'yesterday' },
      'start_time: expected a time like 2023-09-12T06:44:01+0000, got "yesterday"',
    ],
    [
      'an empty start_time',
      { start_time: '' },
      'start_time: expected a time like 2023-09-12T06:44:01+0000, got ""',
    ],
    [
      'a numeric end_time',
      { end_time: 1694501041 },
      'end_time: expected a time like 2023-09-12T06:44:01+0000 or "", got 1694501041',
    ],
    [
      'a missing instance',
      { instance: undefined },
      'instance: expected an object like {"id": "...", "name": "..."}, got nothing (the field is missing)',
    ],
    ['a numeric instance id', { instance: { id: 7, name: 'x' } }, 'instance.id: expected a string, got 7'],
    ['a missing id', { id: undefined }, 'id: expected a string, got nothing (the field is missing)'],
    ['an empty id', { id: '' }, 'id: expected a non-empty string, got ""'],
    ['a numeric status', { status: 3 }, 'status: expected a string, got 3'],
    [
      'progress "lots"',
      { progress: 'lots' },
      'progress: expected a percentage from 0% to 100% or "", got "lots"',
    ],
    [
      'progress "150%"',
      { progress: '150%' },
      'progress: expected a percentage from 0% to 100% or "", got "150%"',
    ],
    ['progress as an object', { progress: {} }, 'progress: expected a percentage like "60%" or "", got {}'],
  ])('leaves out a record with %s and names it, keeping the others', (_label, overrides, line) => {
    const odd = { ...rawJob(3), ...overrides };
    const jobs = [rawJob(0), rawJob(1), rawJob(2), odd];
    const result = parseJobsBody(JSON.stringify({ total_count: 4, jobs }));
    if (!result.ok) throw new Error(`expected a page, got problem: ${result.problem}`);
    expect(result.page.jobs.map((job) => job.id)).toEqual([0, 1, 2].map((i) => rawJob(i).id));
    const [field, ...problem] = line.split(': ');
    const id = typeof odd.id === 'string' && odd.id !== '' ? odd.id : null;
    expect(result.page.skipped).toEqual([{ jobId: id, field, problem: problem.join(': ') }]);
    expect(result.page.total_count).toBe(4);
  });

  it('names the first problem of a record that breaks the document in several places', () => {
    const jobs = [{ ...rawJob(0), start_time: 'x', status: 1 }];
    const result = parseJobsBody(JSON.stringify({ total_count: 1, jobs }));
    expect(result.ok && result.page.skipped).toEqual([
      { jobId: rawJob(0).id, field: 'status', problem: 'expected a string, got 1' },
    ]);
  });

  it.each<[string, unknown, string]>([
    ['a record that is not an object', [7], 'record'],
    ['an id too long for a key', [{ ...rawJob(0), id: 'x'.repeat(300) }], 'id'],
  ])('leaves out %s', (_label, jobs, field) => {
    const result = parseJobsBody(JSON.stringify({ total_count: 1, jobs }));
    expect(result.ok && result.page.jobs).toEqual([]);
    expect(result.ok && result.page.skipped.map((record) => [record.jobId, record.field])).toEqual([
      [null, field],
    ]);
  });

  it.each<[string, unknown, string]>([
    ['jobs that is not an array', { total_count: 1, jobs: { a: 1 } }, 'jobs: expected an array of jobs'],
    ['a missing total_count', { jobs: [] }, 'total_count: expected an integer >= 0'],
    ['a body that is an array', [], 'body: expected a JSON object like'],
  ])('still refuses a body with %s: it is not the jobs document', (_label, body, problem) => {
    expect(problemOf(JSON.stringify(body))).toContain(problem);
  });

  it('cuts a huge fail_reason and huge names, and says how much was cut', () => {
    const reason = 'disk full; '.repeat(30_000);
    const job = parsedJob({
      ...rawJob(1),
      status: 'Failed',
      fail_reason: reason,
      name: 'N'.repeat(5_000),
      instance: { id: 'i', name: 'n'.repeat(10_000) },
    });
    expect(job?.fail_reason).toBe(
      `${reason.slice(0, MAX_TEXT_CHARS)}... [${reason.length - MAX_TEXT_CHARS} more characters cut]`,
    );
    expect(job?.name).toHaveLength(MAX_TEXT_CHARS + ' [1000 more characters cut]'.length + 3);
    expect(job?.instance.name.endsWith('... [6000 more characters cut]')).toBe(true);
  });

  it('keeps a status to a few dozen characters', () => {
    const job = parsedJob({ ...rawJob(1), status: 'S'.repeat(1_000) });
    expect(job?.status).toBe(boundText('S'.repeat(1_000), MAX_STATUS_CHARS));
    expect(job?.status.length).toBeLessThan(100);
  });
});

describe('boundText', () => {
  it.each<[string, number, string]>([
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['eleven chars', 10, 'eleven cha... [2 more characters cut]'],
    ['ab\u{1F600}cd', 3, 'ab... [4 more characters cut]'],
  ])('bounds %j to %d characters', (value, max, expected) => {
    expect(boundText(value, max)).toBe(expected);
  });
});

describe('finding 6: job ids are restricted to a safe character set', () => {
  it.each([
    ['__proto__', '__proto__'],
    ['constructor', 'constructor'],
    ['a space', 'job 1'],
    ['a slash', 'job/1'],
    ['a terminal escape', 'job\u001b[2J'],
    ['markup', '<b>job</b>'],
  ])('leaves out a record whose id holds %s, as odd data, and keeps the others', (_label, id) => {
    const body = JSON.stringify({ total_count: 2, jobs: [{ ...rawJob(0), id }, rawJob(1)] });
    const result = parseJobsBody(body);
    if (!result.ok) throw new Error(`expected a page, got problem: ${result.problem}`);
    expect(result.page.jobs.map((job) => job.id)).toEqual([rawJob(1).id]);
    expect(result.page.skipped).toEqual([
      {
        jobId: null,
        field: 'id',
        problem: expect.stringMatching(/^expected an id of letters, digits, "\.", "_", ":" and "-" starting/),
      },
    ]);
  });

  it.each(['6f85e061-04dd-42e7-86d6-d3b1e40aac2e', '27a045b6bf9e46f691f81366d398cb04in06', 'job-1.2_3:x'])(
    'keeps a record with id %s',
    (id) => {
      expect(isSafeJobId(id)).toBe(true);
      expect(parsedJob({ ...rawJob(0), id })?.id).toBe(id);
    },
  );
});

describe('finding 8: odd values are described by type and a bounded preview', () => {
  /** `[[[...1...]]]` nested `depth` levels, built as text: JSON.parse reads it, JSON.stringify would overflow. */
  const nested = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

  it('leaves out a record with a field nested 200 000 levels deep instead of failing the page', () => {
    const odd = JSON.stringify({ ...rawJob(0), name: '@NAME@' }).replace('"@NAME@"', nested(200_000));
    const body = `{"total_count": 2, "jobs": [${odd}, ${JSON.stringify(rawJob(1))}]}`;
    const result = parseJobsBody(body);
    if (!result.ok) throw new Error(`expected a page, got problem: ${result.problem}`);
    expect(result.page.jobs.map((job) => job.id)).toEqual([rawJob(1).id]);
    expect(result.page.skipped).toEqual([
      { jobId: rawJob(0).id, field: 'name', problem: 'expected a string, got an array of 1 item' },
    ]);
  });

  it('leaves out a record that is itself nested deep, naming no more than its type', () => {
    const body = `{"total_count": 1, "jobs": [${nested(200_000)}]}`;
    const result = parseJobsBody(body);
    expect(result.ok && result.page.skipped).toEqual([
      { jobId: null, field: 'record', problem: 'expected a job object, got an array of 1 item' },
    ]);
  });

  it('names a few keys of an odd object, cut short, and a long string by its start', () => {
    const skipped = (job: Record<string, unknown>) => {
      const result = parseJobsBody(bodyWith(job));
      return result.ok ? result.page.skipped[0]?.problem : result.problem;
    };
    expect(skipped({ ...rawJob(0), status: { a: 1, b: { c: [1] }, d: 2, e: 3 } })).toBe(
      'expected a string, got an object with keys "a", "b", "d" and more',
    );
    expect(skipped({ ...rawJob(0), status: { only: 1 } })).toBe(
      'expected a string, got an object with key "only"',
    );
    expect(skipped({ ...rawJob(0), start_time: 'x'.repeat(100_000) })).toBe(
      `expected a time like 2023-09-12T06:44:01+0000, got "${'x'.repeat(59)}...`,
    );
  });
});

describe('finding 9: the warning line for a left-out record prints no control character', () => {
  it('turns a terminal escape in the value into spaces', () => {
    const record = {
      jobId: null,
      field: 'status',
      problem: 'expected a string, got "\u001b]0;owned\u0007\u009b2J"',
    };
    const line = skippedRecordLine('ap-southeast-1/p1', record);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character is the point
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(line).toBe(
      'target ap-southeast-1/p1: left out a job record without a usable id: status: expected a string, got " ]0;owned 2J" (it does not fit the jobs API document; the other jobs go on)',
    );
  });
});
