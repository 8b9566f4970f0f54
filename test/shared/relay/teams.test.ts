import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../shared/job-event';
import { instanceConsoleUrl } from '../../../shared/relay/console-link';
import { ADAPTIVE_CARD_CONTENT_TYPE, escapeTeamsMarkdown, teamsMessage } from '../../../shared/relay/teams';
import type { TransitionType } from '../../../shared/transition';
import { sampleEvent } from '../publish/fixtures';

const cardOf = (event: JobEvent) => teamsMessage(event).attachments[0].content;

describe('teamsMessage', () => {
  it('wraps one Adaptive Card 1.4 in a message, the way Workflows webhooks expect it', () => {
    const message = teamsMessage(sampleEvent('completed'));
    expect(message.type).toBe('message');
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]).toMatchObject({
      contentType: ADAPTIVE_CARD_CONTENT_TYPE,
      contentUrl: null,
      content: {
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        type: 'AdaptiveCard',
        version: '1.4',
      },
    });
  });

  it.each<[TransitionType, string]>([
    ['completed', 'Good'],
    ['failed', 'Attention'],
    ['stalled', 'Warning'],
    ['started', 'Default'],
  ])('colours the title of a %s card %s', (type, color) => {
    expect(cardOf(sampleEvent(type)).body[0]).toMatchObject({
      type: 'TextBlock',
      color,
      weight: 'Bolder',
      wrap: true,
    });
  });

  it('shows the facts, the failure reason, the event id and a console button', () => {
    const event = sampleEvent('failed');
    const card = cardOf(event);
    expect(card.body[0]).toMatchObject({
      text: 'BackupInstance on nosql-12f5 failed after 4m 12s: Disk full',
    });
    expect(card.body[1]).toMatchObject({
      type: 'FactSet',
      facts: expect.arrayContaining([
        { title: 'Instance', value: 'nosql-12f5 (inst-1)' },
        { title: 'Duration', value: '4m 12s' },
      ]),
    });
    expect(card.body).toContainEqual(expect.objectContaining({ text: 'Disk full', color: 'Attention' }));
    expect(JSON.stringify(card.body.at(-1))).toContain(`Event ${event.id}`);
    expect(card.actions).toEqual([
      {
        type: 'Action.OpenUrl',
        title: 'Open in Huawei Cloud console',
        url: instanceConsoleUrl('ap-southeast-1', 'inst-1'),
      },
    ]);
  });

  it('has no failure block for a completed job', () => {
    expect(JSON.stringify(cardOf(sampleEvent('completed')).body)).not.toContain('Failure reason');
  });

  it('marks a test card first', () => {
    const card = cardOf({ ...sampleEvent('completed'), test: true } as JobEvent);
    expect(card.body[0]).toMatchObject({ text: expect.stringMatching(/^TEST MESSAGE/), color: 'Accent' });
  });
});

describe('also check: Teams cards carry no Markdown link from job data', () => {
  const LINK = '[click here](https://evil.example/login)';

  it('escapes link syntax in the headline, the facts and the failure reason', () => {
    const event = sampleEvent('failed');
    const hostile: JobEvent = {
      ...event,
      data: {
        ...event.data,
        job: {
          ...event.data.job,
          name: `Backup ${LINK}`,
          instance: { ...event.data.job.instance, name: `<https://evil.example> ${LINK}` },
          fail_reason: `see ${LINK}`,
        },
      },
    };
    const card = JSON.stringify(teamsMessage(hostile).attachments[0].content.body);
    expect(card).toContain('evil.example');
    expect(card).not.toContain('](');
    expect(card).not.toMatch(/(^|[^\\])\[click/);
    expect(card).not.toMatch(/(^|[^\\])<https/);
  });

  it('leaves text without Markdown meaning as it was', () => {
    expect(escapeTeamsMarkdown('nosql-12f5 (inst-1) at 60%')).toBe('nosql-12f5 (inst-1) at 60%');
    expect(escapeTeamsMarkdown(LINK)).toBe('\\[click here\\]\u200b(https://evil.example/login)');
  });
});
