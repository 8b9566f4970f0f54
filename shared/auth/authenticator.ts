/** A request about to be sent to a Huawei Cloud API, as an authenticator sees it. */
export interface OutgoingRequest {
  readonly method: string;
  readonly url: URL;
  /** Headers already set (lowercase names). */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /**
   * Milliseconds the caller has left for this request (its invocation's deadline): an authenticator
   * that must log in first starts no attempt and no retry wait past it. Absent: no deadline.
   */
  readonly budgetMs?: number;
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
   * Called when a request was answered 401, with the headers that request carried: drop the
   * credentials it used if they are still cached. Returns true when a retry with new credentials
   * can succeed (a token that can be fetched again), false when nothing would change (a signature).
   */
  invalidate?(used: Readonly<Record<string, string>>): Promise<boolean>;
}
