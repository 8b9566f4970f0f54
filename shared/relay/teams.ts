import type { JobEvent } from '../job-event';
import { eventFacts, eventKind, formatTime, headline, isTestEvent, TEST_NOTICE } from '../publish/format';
import { instanceConsoleUrl } from './console-link';

/** Adaptive Card schema and version Teams renders (1.4 is the highest every Teams client shows). */
export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';
export const ADAPTIVE_CARD_VERSION = '1.4';
export const ADAPTIVE_CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';

/** Title colour per event kind (Adaptive Card colour names). */
const COLOR_BY_KIND: Readonly<Record<string, string>> = {
  completed: 'Good',
  failed: 'Attention',
  stalled: 'Warning',
};

/**
 * Job data as Adaptive Card text: Teams renders a subset of Markdown in TextBlocks and facts, so a
 * job or instance name such as `[click here](https://evil.example)` would show as a link. The
 * characters of links and autolinks (`[`, `]`, `<`, `>` and the backslash itself) are escaped with a backslash
 * (CommonMark), and a zero-width space keeps `](` apart for a renderer that ignores escapes: the text
 * shows as typed, never as a link.
 */
export function escapeTeamsMarkdown(text: string): string {
  return text.replace(/[\\[\]<>]/g, (char) => `\\${char}`).replaceAll('](', ']\u200b(');
}

/** An Adaptive Card element (the subset the relay sends). */
export type AdaptiveElement = Readonly<Record<string, unknown>>;

/** The JSON body a Teams Workflows webhook ("When a Teams webhook request is received") expects. */
export interface TeamsMessage {
  readonly type: 'message';
  readonly attachments: readonly [
    {
      readonly contentType: typeof ADAPTIVE_CARD_CONTENT_TYPE;
      readonly contentUrl: null;
      readonly content: {
        readonly $schema: typeof ADAPTIVE_CARD_SCHEMA;
        readonly type: 'AdaptiveCard';
        readonly version: typeof ADAPTIVE_CARD_VERSION;
        readonly msteams: { readonly width: 'Full' };
        readonly body: readonly AdaptiveElement[];
        readonly actions: readonly AdaptiveElement[];
      };
    },
  ];
}

/**
 * A Microsoft Teams message for a Workflows webhook: one Adaptive Card with what happened as the
 * title (red for failures, green for completions), the key facts, the failure reason, the event
 * id in small print, and a button to the instance in the Huawei Cloud console.
 */
export function teamsMessage(event: JobEvent): TeamsMessage {
  const { job } = event.data;
  const test = isTestEvent(event);
  const color = test ? 'Accent' : (COLOR_BY_KIND[eventKind(event)] ?? 'Default');
  const body: AdaptiveElement[] = [];
  if (test)
    body.push({ type: 'TextBlock', text: TEST_NOTICE, weight: 'Bolder', color: 'Accent', wrap: true });
  body.push({
    type: 'TextBlock',
    text: escapeTeamsMarkdown(headline(event)),
    size: 'Medium',
    weight: 'Bolder',
    color,
    wrap: true,
  });
  body.push({
    type: 'FactSet',
    facts: eventFacts(event).map((fact) => ({ title: fact.label, value: escapeTeamsMarkdown(fact.value) })),
  });
  if (job.fail_reason !== null) {
    body.push({ type: 'TextBlock', text: 'Failure reason', weight: 'Bolder', spacing: 'Medium', wrap: true });
    body.push({
      type: 'TextBlock',
      text: escapeTeamsMarkdown(job.fail_reason),
      color: 'Attention',
      wrap: true,
    });
  }
  body.push({
    type: 'TextBlock',
    text: `Event ${event.id} · ${event.type} · detected ${formatTime(event.time)} · geminidb-job-watcher`,
    isSubtle: true,
    size: 'Small',
    spacing: 'Medium',
    wrap: true,
  });
  return {
    type: 'message',
    attachments: [
      {
        contentType: ADAPTIVE_CARD_CONTENT_TYPE,
        contentUrl: null,
        content: {
          $schema: ADAPTIVE_CARD_SCHEMA,
          type: 'AdaptiveCard',
          version: ADAPTIVE_CARD_VERSION,
          msteams: { width: 'Full' },
          body,
          actions: [
            {
              type: 'Action.OpenUrl',
              title: 'Open in Huawei Cloud console',
              url: instanceConsoleUrl(event.data.region, job.instance.id),
            },
          ],
        },
      },
    ],
  };
}
