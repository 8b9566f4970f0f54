/**
 * Time bounds of every AWS SDK client the watcher builds (DynamoDB, SNS, EventBridge, Secrets
 * Manager): a call that hangs is abandoned after {@link AWS_REQUEST_TIMEOUT_MS} and retried by the
 * SDK at most {@link AWS_MAX_ATTEMPTS} times, so no AWS call can outlive the poll's claim or the
 * invocation. Without `throwOnRequestTimeout` the SDK only logs a breached request timeout.
 */
export const AWS_REQUEST_TIMEOUT_MS = 3_000;
/** Milliseconds to open a connection to an AWS endpoint. */
export const AWS_CONNECTION_TIMEOUT_MS = 1_000;
/** Attempts per AWS call, the first included (the SDK's standard retry mode). */
export const AWS_MAX_ATTEMPTS = 3;

/** Client settings with the watcher's time bounds; pass them to `new DynamoDBClient(...)` and the like. */
export function awsClientConfig(
  overrides: { readonly requestTimeoutMs?: number; readonly maxAttempts?: number } = {},
) {
  return {
    maxAttempts: overrides.maxAttempts ?? AWS_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: AWS_CONNECTION_TIMEOUT_MS,
      requestTimeout: overrides.requestTimeoutMs ?? AWS_REQUEST_TIMEOUT_MS,
      throwOnRequestTimeout: true,
    },
  } as const;
}
