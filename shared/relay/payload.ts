import type { DeliveryRequest } from './deliver';
import { type DestinationConfig, DestinationKind, type DestinationSecrets } from './destinations';
import type { JobEventMessage } from './job-event-message';
import { slackMessage } from './slack';
import { teamsMessage } from './teams';
import { signWebhookPayload, WEBHOOK_SIGNATURE_HEADER } from './webhook-signature';

/** The `User-Agent` of every relay request. */
export const RELAY_USER_AGENT = 'geminidb-job-watcher-relay/1';

/**
 * Generic webhooks: the event id, so a receiver can see a duplicate before parsing the body. It is
 * NOT covered by `X-GeminiDB-Signature` (which signs `<t>.<raw body>`): a replay within the tolerance
 * may carry any value here. De-duplicate by the `id` inside the verified body (the same value,
 * signed); treat this header as a hint only. See docs/security.md.
 */
export const WEBHOOK_EVENT_ID_HEADER = 'X-GeminiDB-Event-Id';

/** Content type of a generic webhook body: a CloudEvent in structured mode (CloudEvents HTTP binding). */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';

/**
 * The request that delivers an event to a destination: a Slack Block Kit message, a Teams
 * Adaptive Card, or for a generic webhook the CloudEvent JSON exactly as it came from SNS,
 * signed afresh on each attempt.
 */
export function deliveryRequest(
  destination: DestinationConfig,
  secrets: DestinationSecrets,
  message: JobEventMessage,
): DeliveryRequest {
  const base = { destination: destination.name, url: secrets.url };
  if (destination.kind === DestinationKind.Webhook) {
    const body = message.raw;
    return {
      ...base,
      body,
      headers: (_attempt, nowMs) => ({
        'content-type': CLOUDEVENTS_CONTENT_TYPE,
        'user-agent': RELAY_USER_AGENT,
        [WEBHOOK_EVENT_ID_HEADER]: message.event.id,
        [WEBHOOK_SIGNATURE_HEADER]: signWebhookPayload({ body, secrets: secrets.signingSecrets, nowMs }),
      }),
    };
  }
  const payload =
    destination.kind === DestinationKind.Slack ? slackMessage(message.event) : teamsMessage(message.event);
  return {
    ...base,
    body: JSON.stringify(payload),
    headers: () => ({ 'content-type': 'application/json; charset=utf-8', 'user-agent': RELAY_USER_AGENT }),
  };
}
