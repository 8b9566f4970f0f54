import { MAX_IAM_BODY_BYTES, readBodyCapped } from '../read-body';
import { serviceUrlProblem } from '../service-url';
import type { Authenticator } from './authenticator';
import {
  AuthConfigError,
  IamAuthenticationError,
  IamDeadlineError,
  type IamPrincipal,
  IamRequestError,
  IamResponseError,
  IamUnavailableError,
} from './errors';

/** The variable that names another IAM endpoint (a dedicated cloud, a local simulator). */
export const IAM_ENDPOINT_ENV = 'HUAWEICLOUD_IAM_ENDPOINT';

/** Refresh a cached token this long before IAM says it expires. */
export const IAM_REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;
/** Per IAM attempt, body included. */
export const IAM_TIMEOUT_MS = 10_000;
/** IAM calls per token fetch when IAM is unreachable, throttling or failing (5xx). */
export const IAM_MAX_ATTEMPTS = 3;
/** Token validity IAM documents; assumed when an answer lacks a readable `expires_at`. */
export const IAM_TOKEN_VALIDITY_MS = 24 * 60 * 60 * 1000;

const RETRY_BASE_DELAY_MS = 250;
const IAM_MESSAGE_MAX_CHARS = 200;

/** An IAM user's password login, scoped to the target's project. */
export interface IamPasswordOptions {
  readonly username: string;
  readonly password: string;
  /** The account (domain) the IAM user belongs to. */
  readonly domainName: string;
  readonly projectId: string;
  readonly region: string;
  /** IAM base URL; `https://iam.<region>.myhuaweicloud.com` by default (see {@link iamEndpointFor}). */
  readonly iamEndpoint?: string;
  readonly fetch?: typeof fetch;
  readonly now?: () => Date;
  readonly refreshBeforeExpiryMs?: number;
  readonly timeoutMs?: number;
  readonly maxAttempts?: number;
  /** Waits between attempts; injected by tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The public IAM endpoint of a region (`eu-west-101` lives on `.myhuaweicloud.eu`). */
export function iamEndpointFor(region: string): string {
  const domain = region === 'eu-west-101' ? 'myhuaweicloud.eu' : 'myhuaweicloud.com';
  return `https://iam.${region}.${domain}`;
}

interface CachedToken {
  readonly token: string;
  readonly refreshAtMs: number;
}

type Attempt =
  | { readonly kind: 'token'; readonly token: CachedToken }
  | { readonly kind: 'retryable'; readonly status?: number; readonly cause?: unknown };

/**
 * The token URL of an IAM endpoint. The endpoint is a base URL; one given with the API path as
 * well (`.../v3` or `.../v3/auth/tokens`, as Huawei's docs and the simulator show it) is taken
 * as its base, rather than asking `.../v3/auth/tokens/v3/auth/tokens` and reading the 404 as a
 * permission problem.
 */
function tokensUrlOf(endpoint: string): URL {
  const problem = serviceUrlProblem(endpoint);
  if (problem !== undefined) {
    throw new AuthConfigError(
      `The IAM endpoint ${problem}: set ${IAM_ENDPOINT_ENV} to a base URL such as https://iam.ap-southeast-1.myhuaweicloud.com`,
    );
  }
  const base = endpoint.replace(/\/+$/, '').replace(/\/v3(\/auth\/tokens)?$/, '');
  return new URL(`${base}/v3/auth/tokens`);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function iamErrorMessage(body: string, password: string): string | undefined {
  let message: unknown;
  try {
    message = (JSON.parse(body) as { error?: { message?: unknown } })?.error?.message;
  } catch {
    return undefined;
  }
  if (typeof message !== 'string' || message.trim() === '') return undefined;
  const flat = message.split(password).join('***').replace(/\s+/g, ' ').trim();
  return flat.length > IAM_MESSAGE_MAX_CHARS ? `${flat.slice(0, IAM_MESSAGE_MAX_CHARS)}...` : flat;
}

function expiresAtMs(body: string): number | undefined {
  try {
    const expiresAt = (JSON.parse(body) as { token?: { expires_at?: unknown } })?.token?.expires_at;
    const ms = typeof expiresAt === 'string' ? Date.parse(expiresAt) : Number.NaN;
    return Number.isNaN(ms) ? undefined : ms;
  } catch {
    return undefined;
  }
}

/**
 * Authenticates with a project-scoped IAM token obtained by password (`POST /v3/auth/tokens`),
 * sent as `X-Auth-Token`. The token is cached until shortly before it expires and fetched once
 * for concurrent callers. A request refused with 401 drops the token it used (`invalidate`), however
 * young: a token can be revoked any time. The jobs client renews once per call, so only a fresh
 * token refused again fails the call, without a storm of logins.
 */
export function createIamPasswordAuthenticator(options: IamPasswordOptions): Authenticator {
  for (const [field, variable] of [
    ['username', 'HUAWEICLOUD_USERNAME'],
    ['password', 'HUAWEICLOUD_PASSWORD'],
    ['domainName', 'HUAWEICLOUD_DOMAIN_NAME'],
    ['projectId', 'the target project id'],
  ] as const) {
    if (!options[field]?.trim())
      throw new AuthConfigError(`IAM password login needs ${field}: set ${variable}`);
  }
  const principal: IamPrincipal = { username: options.username, domainName: options.domainName };
  const tokensUrl = tokensUrlOf(options.iamEndpoint ?? iamEndpointFor(options.region));
  const iamHost = tokensUrl.host;
  const doFetch = options.fetch ?? fetch;
  const now = () => (options.now ?? (() => new Date()))().getTime();
  const sleep = options.sleep ?? defaultSleep;
  const refreshBeforeExpiryMs = options.refreshBeforeExpiryMs ?? IAM_REFRESH_BEFORE_EXPIRY_MS;
  const maxAttempts = Math.max(1, options.maxAttempts ?? IAM_MAX_ATTEMPTS);
  const requestBody = JSON.stringify({
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: { name: options.username, password: options.password, domain: { name: options.domainName } },
        },
      },
      scope: { project: { id: options.projectId } },
    },
  });

  let cached: CachedToken | undefined;
  let inFlight: Promise<CachedToken> | undefined;

  async function attempt(timeoutMs: number): Promise<Attempt> {
    let response: Response;
    let body: string;
    let complete: boolean;
    try {
      response = await doFetch(tokensUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json;charset=utf8' },
        body: requestBody,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      ({ text: body, complete } = await readBodyCapped(response, MAX_IAM_BODY_BYTES));
    } catch (cause) {
      return { kind: 'retryable', cause };
    }
    if (!complete && response.status >= 200 && response.status < 300) {
      throw new IamResponseError(
        iamHost,
        `a body within ${MAX_IAM_BODY_BYTES} bytes (reading stopped there)`,
      );
    }
    if (response.status === 401) throw new IamAuthenticationError(principal, iamHost);
    if (response.status === 429 || response.status >= 500)
      return { kind: 'retryable', status: response.status };
    if (response.status < 200 || response.status >= 300) {
      throw new IamRequestError(principal, iamHost, response.status, iamErrorMessage(body, options.password));
    }
    const token = response.headers.get('x-subject-token')?.trim();
    if (!token) throw new IamResponseError(iamHost, 'an X-Subject-Token header');
    const fetchedAtMs = now();
    const expiresMs = expiresAtMs(body) ?? fetchedAtMs + IAM_TOKEN_VALIDITY_MS;
    // A token shorter-lived than the margin is still used for half its life.
    const marginMs = Math.min(refreshBeforeExpiryMs, (expiresMs - fetchedAtMs) / 2);
    return { kind: 'token', token: { token, refreshAtMs: expiresMs - marginMs } };
  }

  /** Up to `maxAttempts` logins; with a budget, none starts, waits or lasts past its end. */
  async function fetchToken(budgetMs: number | undefined): Promise<CachedToken> {
    const endMs = budgetMs === undefined ? Number.POSITIVE_INFINITY : now() + budgetMs;
    const timeoutMs = options.timeoutMs ?? IAM_TIMEOUT_MS;
    let last: Extract<Attempt, { kind: 'retryable' }> | undefined;
    for (let attempts = 1; attempts <= maxAttempts; attempts++) {
      const waitMs = attempts > 1 ? RETRY_BASE_DELAY_MS * 2 ** (attempts - 2) : 0;
      if (now() + waitMs >= endMs) throw new IamDeadlineError(iamHost, attempts - 1, { cause: last?.cause });
      if (waitMs > 0) await sleep(waitMs);
      const result = await attempt(Math.max(1, Math.min(timeoutMs, endMs - now())));
      if (result.kind === 'token') return result.token;
      last = result;
    }
    if (now() >= endMs) throw new IamDeadlineError(iamHost, maxAttempts, { cause: last?.cause });
    throw new IamUnavailableError(iamHost, maxAttempts, last?.status, { cause: last?.cause });
  }

  /** The cached token, or one fetch shared by concurrent callers (under the first caller's budget). */
  function currentToken(budgetMs?: number): Promise<CachedToken> {
    if (cached && now() < cached.refreshAtMs) return Promise.resolve(cached);
    if (!inFlight) {
      inFlight = fetchToken(budgetMs)
        .then((fresh) => {
          cached = fresh;
          return fresh;
        })
        .finally(() => {
          inFlight = undefined;
        });
    }
    return inFlight;
  }

  return {
    kind: 'iam-password',
    async headersFor(request): Promise<Record<string, string>> {
      const { token } = await currentToken(request.budgetMs);
      return { 'X-Auth-Token': token };
    },
    async invalidate(used: Readonly<Record<string, string>>): Promise<boolean> {
      // Another caller already dropped that token (and may be fetching the next): use the next.
      if (cached !== undefined && cached.token === used['X-Auth-Token']) cached = undefined;
      return true;
    },
  };
}
