import { buildEvent } from '../../../shared/build-event';
import type { Job } from '../../../shared/job';
import type { JobEvent } from '../../../shared/job-event';
import type { TransitionType } from '../../../shared/transition';

/** Detection time of every sample event. */
export const DETECTED_AT = new Date('2023-09-12T08:49:01.000Z');

/** The status a sample job has for each kind of event. */
const STATUS_BY_TYPE: Record<TransitionType, string> = {
  started: 'Running',
  progressed: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  status_changed: 'Paused',
  stalled: 'Running',
};

/** A sample event of the given kind for publisher tests; the job started 2h 5m before detection. */
export function sampleEvent(
  type: TransitionType,
  job: Partial<Job> = {},
  previousStatus: string | null = 'Running',
): JobEvent {
  const status = STATUS_BY_TYPE[type];
  const running = status === 'Running';
  return buildEvent(
    { region: 'ap-southeast-1', projectId: 'proj-1' },
    {
      type,
      previousStatus,
      progressStep: type === 'progressed' ? 50 : null,
      occurrence: 0,
      job: {
        id: 'job-1',
        name: 'BackupInstance',
        status,
        start_time: '2023-09-12T06:44:01.000Z',
        end_time: running || status === 'Paused' ? null : '2023-09-12T06:48:13.000Z',
        progress: running ? 50 : null,
        instance: { id: 'inst-1', name: 'nosql-12f5' },
        fail_reason: status === 'Failed' ? 'Disk full' : null,
        ...job,
      },
    },
    DETECTED_AT,
  );
}
