/**
 * The environment (or credentials document) does not configure exactly one usable way to
 * authenticate. The message names the variables to set; it never quotes a value.
 */
export class AuthConfigError extends Error {
  override readonly name = 'AuthConfigError';
}

/** Who asked IAM for a token: named in IAM errors instead of any secret. */
export interface IamPrincipal {
  readonly username: string;
  readonly domainName: string;
}

/**
 * IAM refused the user's password (HTTP 401). Not retried: the same credentials will be
 * refused again. Names the user and domain, never the password.
 */
export class IamAuthenticationError extends Error {
  override readonly name = 'IamAuthenticationError';
  readonly username: string;
  readonly domainName: string;

  constructor(principal: IamPrincipal, iamHost: string, options?: ErrorOptions) {
    super(
      `IAM ${iamHost} refused the password of user "${principal.username}" in domain "${principal.domainName}" (HTTP 401): ` +
        'check HUAWEICLOUD_USERNAME, HUAWEICLOUD_PASSWORD and HUAWEICLOUD_DOMAIN_NAME (the domain is the account name)',
      options,
    );
    this.username = principal.username;
    this.domainName = principal.domainName;
  }
}

/**
 * IAM rejected the token request for a reason other than the password (400, 403, 404...):
 * e.g. a wrong project id, a locked user, a password that must be changed. Not retried.
 */
export class IamRequestError extends Error {
  override readonly name = 'IamRequestError';
  readonly status: number;

  constructor(principal: IamPrincipal, iamHost: string, status: number, iamMessage: string | undefined) {
    const said = iamMessage ? `: "${iamMessage}"` : '';
    super(
      `IAM ${iamHost} refused a token for user "${principal.username}" in domain "${principal.domainName}" ` +
        `(HTTP ${status})${said}; check the project id, the user's state and its permissions in IAM`,
    );
    this.status = status;
  }
}

/** IAM could not be reached or kept failing (network, timeout, 429, 5xx) after the retries. */
export class IamUnavailableError extends Error {
  override readonly name = 'IamUnavailableError';
  readonly attempts: number;
  readonly status: number | undefined;

  constructor(iamHost: string, attempts: number, status: number | undefined, options?: ErrorOptions) {
    const what = status === undefined ? 'could not be reached' : `answered HTTP ${status}`;
    super(
      `IAM ${iamHost} ${what} after ${attempts} attempt${attempts === 1 ? '' : 's'}; ` +
        'check the IAM endpoint (HUAWEICLOUD_IAM_ENDPOINT) and the network, or try again later',
      options,
    );
    this.attempts = attempts;
    this.status = status;
  }
}

/**
 * The caller's deadline (the invocation's time) ended the token fetch before IAM issued a token:
 * nothing is wrong with the credentials; the next cycle logs in again.
 */
export class IamDeadlineError extends Error {
  override readonly name = 'IamDeadlineError';
  readonly attempts: number;

  constructor(iamHost: string, attempts: number, options?: ErrorOptions) {
    super(
      `IAM ${iamHost} issued no token within the time the invocation had left (${attempts} attempt${attempts === 1 ? '' : 's'}); ` +
        'the next cycle logs in again; if this repeats, check the IAM endpoint (HUAWEICLOUD_IAM_ENDPOINT) and the network',
      options,
    );
    this.attempts = attempts;
  }
}

/** IAM answered success without a usable token (no `X-Subject-Token` header). */
export class IamResponseError extends Error {
  override readonly name = 'IamResponseError';

  constructor(iamHost: string, problem: string) {
    super(
      `IAM ${iamHost} answered a token request without ${problem}; check HUAWEICLOUD_IAM_ENDPOINT points at IAM`,
    );
  }
}
