/** A job as the Huawei API sends it (every field a string), for tests. */
export interface RawJob {
  id: string;
  name: string;
  status: string;
  start_time: string;
  end_time: string;
  progress: string;
  instance: { id: string; name: string };
  fail_reason: string;
}

/** A finished job with a predictable id (`job-0007`), overridable field by field. */
export function rawJob(index: number, overrides: Partial<RawJob> = {}): RawJob {
  return {
    id: `job-${String(index).padStart(4, '0')}`,
    name: 'BackupInstance',
    status: 'Completed',
    start_time: '2023-09-12T06:44:01+0000',
    end_time: '2023-09-12T06:50:00+0000',
    progress: '',
    instance: { id: '27a045b6bf9e46f691f81366d398cb04in06', name: 'nosql-12f5' },
    fail_reason: '',
    ...overrides,
  };
}

/** `count` jobs, newest first (`job-0000` is the newest). */
export function rawJobs(count: number): RawJob[] {
  return Array.from({ length: count }, (_, index) => rawJob(index));
}
