import { createAkskAuthenticator } from './aksk';
import type { Authenticator } from './authenticator';
import { AuthConfigError } from './errors';
import { createIamPasswordAuthenticator } from './iam-password';
import { createTokenAuthenticator } from './token';

/** The variables read by {@link authenticatorFromEnv}, the same names as Huawei's SDKs and tools. */
export const AUTH_ENV = {
  accessKey: 'HUAWEICLOUD_SDK_AK',
  secretKey: 'HUAWEICLOUD_SDK_SK',
  securityToken: 'HUAWEICLOUD_SDK_SECURITY_TOKEN',
  username: 'HUAWEICLOUD_USERNAME',
  password: 'HUAWEICLOUD_PASSWORD',
  domainName: 'HUAWEICLOUD_DOMAIN_NAME',
  iamEndpoint: 'HUAWEICLOUD_IAM_ENDPOINT',
  authToken: 'HUAWEICLOUD_AUTH_TOKEN',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

/** What the target adds to the credentials. */
export interface AuthFromEnvOptions {
  readonly projectId: string;
  readonly region: string;
  readonly fetch?: typeof fetch;
}

type AuthChoice =
  | {
      readonly kind: 'aksk';
      readonly accessKey: string;
      readonly secretKey: string;
      readonly securityToken?: string;
    }
  | {
      readonly kind: 'iam-password';
      readonly username: string;
      readonly password: string;
      readonly domainName: string;
      readonly iamEndpoint?: string;
    }
  | { readonly kind: 'token'; readonly token: string };

const MODES_TEXT =
  `set ${AUTH_ENV.accessKey} and ${AUTH_ENV.secretKey} (AK/SK signing), ` +
  `or ${AUTH_ENV.username}, ${AUTH_ENV.password} and ${AUTH_ENV.domainName} (IAM password token), ` +
  `or ${AUTH_ENV.authToken} (static token); they are tried in this order`;

function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function andList(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** Throws when some but not all of a mode's variables are set; names the missing ones. */
function requireAll(
  env: Env,
  mode: string,
  names: readonly string[],
  optional: readonly string[] = [],
): void {
  const missing = names.filter((name) => read(env, name) === undefined);
  if (missing.length === 0) return;
  const present = [...names, ...optional].filter((name) => read(env, name) !== undefined);
  const verb = (list: readonly string[]) => (list.length === 1 ? 'is' : 'are');
  throw new AuthConfigError(
    `${andList(present)} ${verb(present)} set but ${andList(missing)} ${verb(missing)} not: ` +
      `${mode} needs ${andList(names)}; set ${andList(missing)}, or unset ${andList(present)} to use another way to authenticate`,
  );
}

/**
 * Picks the authentication mode: AK/SK first (any of AK, SK or security token set), then IAM
 * password (user name or password set), then a static token. A half-configured mode is an
 * error, not a fall-through, so a typo never silently picks another account's credentials.
 */
function chooseAuth(env: Env): AuthChoice {
  const { accessKey, secretKey, securityToken, username, password, domainName, iamEndpoint, authToken } =
    AUTH_ENV;
  if ([accessKey, secretKey, securityToken].some((name) => read(env, name) !== undefined)) {
    requireAll(env, 'AK/SK signing', [accessKey, secretKey], [securityToken]);
    return {
      kind: 'aksk',
      accessKey: read(env, accessKey) ?? '',
      secretKey: read(env, secretKey) ?? '',
      ...(read(env, securityToken) ? { securityToken: read(env, securityToken) } : {}),
    };
  }
  if ([username, password].some((name) => read(env, name) !== undefined)) {
    requireAll(env, 'IAM password login', [username, password, domainName]);
    return {
      kind: 'iam-password',
      username: read(env, username) ?? '',
      // Passwords may legitimately start or end with spaces: only the presence check trims.
      password: env[password] ?? '',
      domainName: read(env, domainName) ?? '',
      ...(read(env, iamEndpoint) ? { iamEndpoint: read(env, iamEndpoint) } : {}),
    };
  }
  const token = read(env, authToken);
  if (token) return { kind: 'token', token };
  throw new AuthConfigError(`No Huawei Cloud credentials are configured: ${MODES_TEXT}`);
}

/**
 * The authenticator the environment (or a credentials document) configures for one target.
 * Order: AK/SK (`HUAWEICLOUD_SDK_AK`, `HUAWEICLOUD_SDK_SK`, optional
 * `HUAWEICLOUD_SDK_SECURITY_TOKEN`), then IAM password (`HUAWEICLOUD_USERNAME`,
 * `HUAWEICLOUD_PASSWORD`, `HUAWEICLOUD_DOMAIN_NAME`, optional `HUAWEICLOUD_IAM_ENDPOINT`), then
 * `HUAWEICLOUD_AUTH_TOKEN`. Throws {@link AuthConfigError} naming what is missing.
 */
export function authenticatorFromEnv(env: Env, options: AuthFromEnvOptions): Authenticator {
  const choice = chooseAuth(env);
  switch (choice.kind) {
    case 'aksk':
      return createAkskAuthenticator({ ...choice, projectId: options.projectId });
    case 'iam-password':
      return createIamPasswordAuthenticator({
        ...choice,
        projectId: options.projectId,
        region: options.region,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
    case 'token':
      return createTokenAuthenticator(choice.token);
  }
}

/** A URL for a log line: without user info, query or fragment (which may hold a secret). */
function withoutUserInfo(value: string): string {
  try {
    const url = new URL(value);
    if (!url.username && !url.password && !url.search && !url.hash) return value;
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return 'an endpoint that is not a URL';
  }
}

/**
 * One line for the start-up log saying which mode the environment selects, e.g.
 * `aksk (AK ABCD…)`, without any secret. A configuration problem is described, not thrown.
 */
export function describeAuth(env: Env): string {
  let choice: AuthChoice;
  try {
    choice = chooseAuth(env);
  } catch (error) {
    if (error instanceof AuthConfigError) return `unconfigured (${error.message})`;
    throw error;
  }
  switch (choice.kind) {
    case 'aksk': {
      const shown = choice.accessKey.length >= 8 ? `${choice.accessKey.slice(0, 4)}…` : '…';
      return `aksk (AK ${shown}${choice.securityToken ? ', temporary, with security token' : ''})`;
    }
    case 'iam-password': {
      const endpoint = choice.iamEndpoint ? `, IAM ${withoutUserInfo(choice.iamEndpoint)}` : '';
      return `iam-password (user ${choice.username}, domain ${choice.domainName}${endpoint})`;
    }
    case 'token':
      return `token (static ${AUTH_ENV.authToken})`;
  }
}
