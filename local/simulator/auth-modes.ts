import { akskAuthorizer } from './aksk-check';
import { createIamHandler, type IamHandler, type SimulatedIamUser } from './iam';
import type { SimulatorOptions } from './server';

/** The credentials a simulator accepts, one field per Huawei auth mode; any mix. */
export interface SimulatedCredentials {
  /** Static `X-Auth-Token`; null: none. */
  readonly token?: string | null;
  /** An AK/SK pair whose `SDK-HMAC-SHA256` signatures it verifies. */
  readonly aksk?: { readonly accessKey: string; readonly secretKey: string };
  /** IAM users it issues tokens to at `POST /v3/auth/tokens` (same server). */
  readonly iamUsers?: readonly SimulatedIamUser[];
}

/**
 * Turns accepted credentials into simulator options: the token check, an `authorize` hook that
 * accepts valid AK/SK signatures or IAM-issued tokens, and the IAM route.
 */
export function simulatorAuth(
  credentials: SimulatedCredentials,
): Pick<SimulatorOptions, 'token' | 'authorize' | 'routes'> & { readonly iam?: IamHandler } {
  const aksk = credentials.aksk ? akskAuthorizer(credentials.aksk) : undefined;
  const iam = credentials.iamUsers?.length ? createIamHandler({ users: credentials.iamUsers }) : undefined;
  return {
    token: credentials.token ?? null,
    ...(aksk || iam
      ? { authorize: (req, url) => (aksk?.(req, url) ?? false) || (iam?.authorize(req) ?? false) }
      : {}),
    ...(iam ? { routes: [(req, res) => iam.handle(req, res)], iam } : {}),
  };
}
