import { describe, expect, it } from 'vitest';
import { createConsolePublisher } from '../../../shared/publish/console';
import { consoleLine } from '../../../shared/publish/format';
import type { TransitionType } from '../../../shared/transition';
import { sampleEvent } from './fixtures';

describe('createConsolePublisher', () => {
  it('writes the console line of each event, uncoloured by default when given a writer', async () => {
    const lines: string[] = [];
    const publisher = createConsolePublisher({ write: (line) => lines.push(line) });
    const completed = sampleEvent('completed');
    const failed = sampleEvent('failed');
    await publisher.publish([completed]);
    await publisher.publish([failed]);
    expect(publisher.name).toBe('console');
    expect(lines).toEqual([consoleLine(completed), consoleLine(failed)]);
    expect(lines.join('')).not.toContain('\u001b[');
  });

  it.each<[TransitionType, string]>([
    ['failed', '\u001b[31m'],
    ['completed', '\u001b[32m'],
    ['stalled', '\u001b[33m'],
    ['started', '\u001b[36m'],
  ])('colours %s events with %j when colour is on', async (type, ansi) => {
    const lines: string[] = [];
    const publisher = createConsolePublisher({ write: (line) => lines.push(line), color: true });
    const event = sampleEvent(type);
    await publisher.publish([event]);
    expect(lines).toEqual([`${ansi}${consoleLine(event)}\u001b[0m`]);
  });

  it('names the target and wraps to the columns it is given', async () => {
    const lines: string[] = [];
    const publisher = createConsolePublisher({
      write: (line) => lines.push(line),
      showTarget: true,
      maxColumns: 40,
    });
    const event = sampleEvent('failed');
    await publisher.publish([event]);
    expect(lines).toEqual([consoleLine(event, { showTarget: true, maxColumns: 40 })]);
    expect(lines[0]).toMatch(/^08:49:01 ap-southeast-1\/proj-1 failed/);
    for (const row of lines[0]?.split('\n') ?? []) expect([...row].length).toBeLessThanOrEqual(40);
  });
});

describe('finding 9: the console sink prints no terminal escape from job data', () => {
  it('writes names with ESC, C1 and bidi controls as spaces, colour codes still its own', async () => {
    const lines: string[] = [];
    const publisher = createConsolePublisher({ write: (line) => lines.push(line), color: true });
    const event = sampleEvent('failed');
    const hostile = {
      ...event,
      data: {
        ...event.data,
        job: {
          ...event.data.job,
          name: 'Backup\u001b]0;owned\u0007',
          instance: { ...event.data.job.instance, name: 'nosql\u009b2J\u202e' },
        },
      },
    };
    await publisher.publish([hostile]);
    const [line = ''] = lines;
    const inner = line.slice('\u001b[31m'.length, -'\u001b[0m'.length);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character is the point
    expect(inner).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(inner).toContain('Backup ]0;owned  on nosql 2J ');
  });
});
