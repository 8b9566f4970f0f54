/**
 * Checks of an SNS webhook URL. A subscription's URL is stored in plain text in the CloudFormation
 * template, in `cdk.out` and in the SNS subscription itself, so it must not carry a credential.
 * Free of CDK: the config validation uses these before CDK is loaded.
 */

/** Why a user name or password in a webhook URL is refused, and what to do instead. */
export const WEBHOOK_USER_INFO_MESSAGE =
  'must not carry a user name or password (https://user:password@host/...): the URL is stored in plain text in ' +
  'the CloudFormation template and cdk.out; let the receiver check the SNS message signature instead, or use ' +
  'the relay (its URLs are kept in Secrets Manager)';

/** True when the URL has user info (`user@` or `user:password@`). Never echoes the URL. */
export function hasUserInfo(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== '' || parsed.password !== '';
  } catch {
    return false;
  }
}

/** True when the URL has a query string, where a token often travels. */
export function hasQueryString(url: string): boolean {
  try {
    return new URL(url).search !== '';
  } catch {
    return false;
  }
}

/** The warning for a webhook URL with a query string; names the field, never the URL. */
export function webhookQueryWarning(field: string): string {
  return (
    `${field} has a query string: if it carries a token, that token is stored in plain text in the ` +
    'CloudFormation template, cdk.out and the SNS subscription; prefer a receiver that checks the SNS ' +
    'message signature, or the relay (its URLs are kept in Secrets Manager)'
  );
}
