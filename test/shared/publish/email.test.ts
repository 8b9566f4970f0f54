import { describe, expect, it } from 'vitest';
import { emailText } from '../../../shared/publish/format';
import { sampleEvent } from './fixtures';

/** The email text of each event type as a mail client shows it; a change here is a change people see. */
describe('emailText snapshots', () => {
  it('reads well for started', () => {
    expect(emailText(sampleEvent('started', {}, null))).toMatchInlineSnapshot(`
      "GeminiDB task BackupInstance on nosql-12f5 started (at 50%).

      Instance:   nosql-12f5 (inst-1)
      Job:        BackupInstance (job-1)
      Status:     Running (first seen)
      Progress:   50%
      Started:    2023-09-12 06:44:01 UTC
      Project:    proj-1 (ap-southeast-1)
      Detected:   2023-09-12 08:49:01 UTC

      Open in the Huawei Cloud console:
      https://console-intl.huaweicloud.com/nosql/?region=ap-southeast-1&locale=en-us#/nosql/management/instance/inst-1/basicinfo

      Event type: com.huaweicloud.geminidb.job.started
      Event id:   54ad0726-5a6e-82fe-a544-e1f2e80f757e
      "
    `);
  });

  it('reads well for progressed', () => {
    expect(emailText(sampleEvent('progressed'))).toMatchInlineSnapshot(`
      "GeminiDB task BackupInstance on nosql-12f5 at 50%.

      Instance:   nosql-12f5 (inst-1)
      Job:        BackupInstance (job-1)
      Status:     Running
      Progress:   50%
      Started:    2023-09-12 06:44:01 UTC
      Project:    proj-1 (ap-southeast-1)
      Detected:   2023-09-12 08:49:01 UTC

      Open in the Huawei Cloud console:
      https://console-intl.huaweicloud.com/nosql/?region=ap-southeast-1&locale=en-us#/nosql/management/instance/inst-1/basicinfo

      Event type: com.huaweicloud.geminidb.job.progressed
      Event id:   898b25b0-f6e3-8ada-b09c-ca17a23b3c06
      "
    `);
  });

  it('reads well for completed', () => {
    expect(emailText(sampleEvent('completed'))).toMatchInlineSnapshot(`
      "GeminiDB task BackupInstance on nosql-12f5 completed in 4m 12s.

      Instance:   nosql-12f5 (inst-1)
      Job:        BackupInstance (job-1)
      Status:     Completed (was Running)
      Started:    2023-09-12 06:44:01 UTC
      Ended:      2023-09-12 06:48:13 UTC
      Duration:   4m 12s
      Project:    proj-1 (ap-southeast-1)
      Detected:   2023-09-12 08:49:01 UTC

      Open in the Huawei Cloud console:
      https://console-intl.huaweicloud.com/nosql/?region=ap-southeast-1&locale=en-us#/nosql/management/instance/inst-1/basicinfo

      Event type: com.huaweicloud.geminidb.job.completed
      Event id:   19a7f327-e22d-8f28-9832-c2011f0ea6fa
      "
    `);
  });

  it('reads well for failed', () => {
    expect(
      emailText(sampleEvent('failed', { fail_reason: 'Backup failed: the OBS bucket is not reachable.' })),
    ).toMatchInlineSnapshot(`
      "GeminiDB task BackupInstance on nosql-12f5 failed after 4m 12s: Backup failed: the OBS bucket is not reachable.

      Instance:   nosql-12f5 (inst-1)
      Job:        BackupInstance (job-1)
      Status:     Failed (was Running)
      Started:    2023-09-12 06:44:01 UTC
      Ended:      2023-09-12 06:48:13 UTC
      Duration:   4m 12s
      Project:    proj-1 (ap-southeast-1)
      Failure:    Backup failed: the OBS bucket is not reachable.
      Detected:   2023-09-12 08:49:01 UTC

      Open in the Huawei Cloud console:
      https://console-intl.huaweicloud.com/nosql/?region=ap-southeast-1&locale=en-us#/nosql/management/instance/inst-1/basicinfo

      Event type: com.huaweicloud.geminidb.job.failed
      Event id:   8c626eef-a80d-85aa-ab20-53b9bfe4f22b
      "
    `);
  });

  it('reads well for status_changed', () => {
    expect(emailText(sampleEvent('status_changed'))).toMatchInlineSnapshot(`
      "GeminiDB task BackupInstance on nosql-12f5 is now Paused (was Running).

      Instance:   nosql-12f5 (inst-1)
      Job:        BackupInstance (job-1)
      Status:     Paused (was Running)
      Started:    2023-09-12 06:44:01 UTC
      Project:    proj-1 (ap-southeast-1)
      Detected:   2023-09-12 08:49:01 UTC

      Open in the Huawei Cloud console:
      https://console-intl.huaweicloud.com/nosql/?region=ap-southeast-1&locale=en-us#/nosql/management/instance/inst-1/basicinfo

      Event type: com.huaweicloud.geminidb.job.status_changed
      Event id:   a4ff06d9-1e3e-8be0-a051-89d4c76aa772
      "
    `);
  });

  it('reads well for stalled', () => {
    expect(emailText(sampleEvent('stalled'))).toMatchInlineSnapshot(`
      "GeminiDB task BackupInstance on nosql-12f5 stalled (running 2h 5m).

      Instance:   nosql-12f5 (inst-1)
      Job:        BackupInstance (job-1)
      Status:     Running
      Progress:   50%
      Started:    2023-09-12 06:44:01 UTC
      Project:    proj-1 (ap-southeast-1)
      Detected:   2023-09-12 08:49:01 UTC

      Open in the Huawei Cloud console:
      https://console-intl.huaweicloud.com/nosql/?region=ap-southeast-1&locale=en-us#/nosql/management/instance/inst-1/basicinfo

      Event type: com.huaweicloud.geminidb.job.stalled
      Event id:   d4bce2de-05bd-8993-8613-1ffcc4163b88
      "
    `);
  });

  it('reads well for a test event in the EU region', () => {
    const event = {
      ...sampleEvent('completed', { name: 'WatcherTestEvent', instance: { id: '', name: 'watcher-test' } }),
      test: true,
    };
    const eu = { ...event, data: { ...event.data, region: 'eu-west-101' } };
    expect(emailText(eu)).toMatchInlineSnapshot(`
      "TEST MESSAGE: this checks the delivery path; no GeminiDB task changed.

      GeminiDB task TEST WatcherTestEvent on watcher-test completed in 4m 12s.

      Instance:   watcher-test
      Job:        WatcherTestEvent (job-1)
      Status:     Completed (was Running)
      Started:    2023-09-12 06:44:01 UTC
      Ended:      2023-09-12 06:48:13 UTC
      Duration:   4m 12s
      Project:    proj-1 (eu-west-101)
      Detected:   2023-09-12 08:49:01 UTC

      Open in the Huawei Cloud console:
      https://console.eu.huaweicloud.com/nosql/?region=eu-west-101&locale=en-us#/nosql/management/list

      Event type: com.huaweicloud.geminidb.job.completed
      Event id:   19a7f327-e22d-8f28-9832-c2011f0ea6fa
      "
    `);
  });
});
