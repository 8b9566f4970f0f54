import { Annotations } from 'aws-cdk-lib';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Construct } from 'constructs';
import { hasQueryString, hasUserInfo, WEBHOOK_USER_INFO_MESSAGE, webhookQueryWarning } from './webhook-url';

/** A webhook URL that would put a credential into the template; the message names the prop, never the URL. */
export class WebhookUrlError extends Error {
  override readonly name = 'WebhookUrlError';
}

/** Id of the warning on a webhook URL with a query string (`cdk synth` prints it; tests find it). */
export const WEBHOOK_QUERY_WARNING_ID = 'geminidb-job-watcher:webhookQueryString';

/**
 * The HTTPS subscription of `webhooks[index]`, under the fixed construct id `Webhook<index>`: CDK's
 * own id for a URL subscription is the URL, which puts it into the logical id and every construct
 * path. A URL with a user name or password is refused; one with a query string is warned about,
 * since both are stored in plain text in the template and `cdk.out`.
 * @throws WebhookUrlError when the URL carries user info.
 */
export function webhookSubscription(
  scope: Construct,
  index: number,
  url: string,
  options: subscriptions.UrlSubscriptionProps,
): sns.ITopicSubscription {
  const field = `webhooks[${index}].url`;
  if (hasUserInfo(url)) throw new WebhookUrlError(`${field} ${WEBHOOK_USER_INFO_MESSAGE}`);
  if (hasQueryString(url)) {
    Annotations.of(scope).addWarningV2(`${WEBHOOK_QUERY_WARNING_ID}${index}`, webhookQueryWarning(field));
  }
  const subscription = new subscriptions.UrlSubscription(url, options);
  return {
    bind: (topic) => ({ ...subscription.bind(topic), subscriberId: `Webhook${index}` }),
  };
}
