import type { JobEvent } from '../job-event';
import { eventFacts, eventKind, formatTime, headline, isTestEvent, TEST_NOTICE } from '../publish/format';
import { instanceConsoleUrl } from './console-link';

/** Emoji per event kind: a failure stands out in a busy channel. */
export const EMOJI_BY_KIND: Readonly<Record<string, string>> = {
  started: ':arrow_forward:',
  progressed: ':hourglass_flowing_sand:',
  completed: ':white_check_mark:',
  failed: ':x:',
  status_changed: ':arrows_counterclockwise:',
  stalled: ':warning:',
};
const TEST_EMOJI = ':test_tube:';

/** Slack's limits: header text, section text, field text (characters). */
const HEADER_MAX_CHARS = 150;
const SECTION_MAX_CHARS = 3_000;
const FIELD_MAX_CHARS = 2_000;

/** A Slack Block Kit block (the subset the relay sends). */
export type SlackBlock = Readonly<Record<string, unknown>>;

/** The JSON body of a Slack incoming webhook request. */
export interface SlackMessage {
  /** Shown in notifications and where blocks cannot be (also the accessibility text). */
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

/**
 * A Slack incoming-webhook message (Block Kit) for an event: a header with what happened, the key
 * facts as fields, the failure reason quoted, a button to the instance in the Huawei Cloud console,
 * and the event id and detection time in small print. Test events say so first.
 */
export function slackMessage(event: JobEvent): SlackMessage {
  const { job } = event.data;
  const test = isTestEvent(event);
  const emoji = test ? TEST_EMOJI : (EMOJI_BY_KIND[eventKind(event)] ?? ':information_source:');
  const line = headline(event);
  const blocks: SlackBlock[] = [
    {
      type: 'header',
      text: { type: 'plain_text', text: cut(`${emoji} ${line}`, HEADER_MAX_CHARS), emoji: true },
    },
  ];
  if (test) blocks.push(section(`*${escapeMrkdwn(TEST_NOTICE)}*`));
  blocks.push({
    type: 'section',
    fields: eventFacts(event)
      .slice(0, 10)
      .map((fact) => ({
        type: 'mrkdwn',
        text: cut(`*${fact.label}*\n${escapeMrkdwn(fact.value)}`, FIELD_MAX_CHARS),
      })),
  });
  if (job.fail_reason !== null) {
    blocks.push(section(`*Failure reason*\n${quote(escapeMrkdwn(job.fail_reason))}`));
  }
  blocks.push({
    type: 'actions',
    elements: [
      {
        type: 'button',
        text: { type: 'plain_text', text: 'Open in Huawei Cloud console', emoji: false },
        url: instanceConsoleUrl(event.data.region, job.instance.id),
      },
    ],
  });
  blocks.push({
    type: 'context',
    elements: [
      {
        type: 'mrkdwn',
        text: escapeMrkdwn(
          `Event ${event.id} · ${event.type} · detected ${formatTime(event.time)} · geminidb-job-watcher`,
        ),
      },
    ],
  });
  // The fallback text is mrkdwn too: escaped, or a job name could notify a whole channel.
  return { text: cut(escapeMrkdwn(`[GeminiDB] ${line}`), SECTION_MAX_CHARS), blocks };
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: cut(text, SECTION_MAX_CHARS) } };
}

/** Slack mrkdwn control characters: `&`, `<` and `>` must be escaped, or a value could form a link or mention. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function quote(text: string): string {
  return text
    .split(/\r?\n/)
    .map((line) => `>${line}`)
    .join('\n');
}

function cut(text: string, maxChars: number): string {
  const chars = [...text];
  return chars.length <= maxChars ? text : `${chars.slice(0, maxChars - 1).join('')}…`;
}
