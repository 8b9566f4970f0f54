/** A request about to be sent to a Huawei Cloud API, as an authenticator sees it. */
export interface OutgoingRequest {
  readonly method: string;
  readonly url: URL;
  /** Headers already set (lowercase names). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Port: how a request to Huawei Cloud is authenticated (static token now; AK/SK signing
 * and IAM password tokens plug in here). Never logs or returns the secret in errors.
 */
export interface Authenticator {
  /** `token`, `aksk`, `iam-password`: logged at start, never the secret. */
  readonly kind: string;
  /** Headers to add to this request (e.g. `X-Auth-Token`, or `Authorization` + `X-Sdk-Date`). */
  headersFor(request: OutgoingRequest): Promise<Record<string, string>>;
  /**
   * Called once when a request was answered 401: drop cached credentials.
   * Returns true when a retry can succeed (a fresh token was or can be fetched).
   */
  invalidate?(): Promise<boolean>;
}
