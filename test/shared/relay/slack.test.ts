import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../shared/job-event';
import { instanceConsoleUrl } from '../../../shared/relay/console-link';
import { escapeMrkdwn, type SlackBlock, slackMessage } from '../../../shared/relay/slack';
import type { TransitionType } from '../../../shared/transition';
import { sampleEvent } from '../publish/fixtures';

const blockOf = (blocks: readonly SlackBlock[], type: string) => blocks.find((block) => block.type === type);

describe('slackMessage', () => {
  it.each<[TransitionType, string]>([
    ['started', ':arrow_forward: BackupInstance on nosql-12f5 started (at 50%)'],
    ['progressed', ':hourglass_flowing_sand: BackupInstance on nosql-12f5 at 50%'],
    ['completed', ':white_check_mark: BackupInstance on nosql-12f5 completed in 4m 12s'],
    ['failed', ':x: BackupInstance on nosql-12f5 failed after 4m 12s: Disk full'],
    ['status_changed', ':arrows_counterclockwise: BackupInstance on nosql-12f5 is now Paused (was Running)'],
    ['stalled', ':warning: BackupInstance on nosql-12f5 stalled (running 2h 5m)'],
  ])('heads a %s message with what happened', (type, header) => {
    const message = slackMessage(sampleEvent(type));
    expect(blockOf(message.blocks, 'header')).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: header, emoji: true },
    });
    expect(message.text).toBe(`[GeminiDB] ${header.slice(header.indexOf(' ') + 1)}`);
  });

  it('lists the facts as fields, quotes the reason and links to the console', () => {
    const event = sampleEvent('failed');
    const message = slackMessage(event);
    const fields = (blockOf(message.blocks, 'section') as { fields: { text: string }[] }).fields;
    expect(fields.map((field) => field.text)).toEqual([
      '*Instance*\nnosql-12f5 (inst-1)',
      '*Job*\nBackupInstance (job-1)',
      '*Status*\nFailed (was Running)',
      '*Started*\n2023-09-12 06:44:01 UTC',
      '*Ended*\n2023-09-12 06:48:13 UTC',
      '*Duration*\n4m 12s',
      '*Project*\nproj-1 (ap-southeast-1)',
    ]);
    expect(JSON.stringify(message.blocks)).toContain('"*Failure reason*\\n>Disk full"');
    expect(blockOf(message.blocks, 'actions')).toMatchObject({
      elements: [{ type: 'button', url: instanceConsoleUrl('ap-southeast-1', 'inst-1') }],
    });
    expect(JSON.stringify(blockOf(message.blocks, 'context'))).toContain(`Event ${event.id}`);
  });

  it('escapes values so a job cannot mention a channel or forge a link', () => {
    const message = slackMessage(
      sampleEvent('failed', { fail_reason: '<!channel> see <https://evil|here> & more' }),
    );
    // The header is plain_text (never parsed); the fallback text and every other block are mrkdwn.
    const text = JSON.stringify([message.text, ...message.blocks.filter((block) => block.type !== 'header')]);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt; see &lt;https://evil|here&gt; &amp; more');
  });

  it('keeps the header within Slack limits', () => {
    const message = slackMessage(sampleEvent('failed', { fail_reason: 'x'.repeat(500) }));
    const header = (blockOf(message.blocks, 'header') as { text: { text: string } }).text.text;
    expect([...header]).toHaveLength(150);
    expect(header.endsWith('…')).toBe(true);
  });

  it('marks a test message first', () => {
    const message = slackMessage({ ...sampleEvent('completed'), test: true } as JobEvent);
    expect((blockOf(message.blocks, 'header') as { text: { text: string } }).text.text).toMatch(
      /^:test_tube: TEST /,
    );
    expect(JSON.stringify(message.blocks[1])).toContain('TEST MESSAGE');
  });
});

describe('escapeMrkdwn', () => {
  it('escapes exactly &, < and >', () => {
    expect(escapeMrkdwn('a & b < c > d *e*')).toBe('a &amp; b &lt; c &gt; d *e*');
  });
});
