import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { awsClientConfig } from '../shared/aws-client-config';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../shared/contract';
import { RELAY_ENV } from '../shared/relay/contract';
import {
  parseDestinations,
  parseRelaySecret,
  RelayConfigError,
  type RelaySecret,
  type RelaySecretOptions,
} from '../shared/relay/destinations';
import type { RelayHandlerDeps } from './relay-handler';

/** Seconds a warm container reuses the relay secret before reading it again. */
export const DEFAULT_RELAY_SECRET_MAX_AGE_SECONDS = 300;

type Env = Readonly<Record<string, string | undefined>>;

/** Clients to use instead of the defaults (tests). */
export interface RelayClients {
  readonly secretsManager?: SecretsManagerClient;
  readonly fetch?: typeof fetch;
}

/**
 * Builds the relay handler's dependencies from the Lambda environment, once per container: the
 * destinations from `WATCHER_RELAY_DESTINATIONS`, and a reader of the secret named by
 * `WATCHER_RELAY_SECRET_ID` (cached `maxAge` seconds by Powertools Parameters). Fails fast with a
 * message naming the variable at fault.
 */
export function relayDepsFromEnv(env: Env, clients: RelayClients = {}): RelayHandlerDeps {
  const destinationsJson = required(env, RELAY_ENV.destinations);
  let raw: unknown;
  try {
    raw = JSON.parse(destinationsJson);
  } catch {
    throw new RelayConfigError(`Invalid relay configuration: ${RELAY_ENV.destinations}: is not valid JSON`);
  }
  const destinations = parseDestinations(raw, RELAY_ENV.destinations);
  if (destinations.length === 0) {
    throw new RelayConfigError(
      `Invalid relay configuration: ${RELAY_ENV.destinations}: lists no destination`,
    );
  }
  const secretId = required(env, RELAY_ENV.secretId);
  const maxAgeSeconds = maxAge(env);
  const secrets = new SecretsProvider(
    clients.secretsManager ? { awsSdkV3Client: clients.secretsManager } : { clientConfig: awsClientConfig() },
  );
  return {
    destinations,
    readSecret: relaySecretReader(secrets, secretId, maxAgeSeconds, {
      allowLocalDestinations: env[RELAY_ENV.allowLocalDestinations]?.trim() === 'true',
    }),
    logger: new Logger({ serviceName: SERVICE_NAME }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
    ...(clients.fetch ? { delivery: { fetch: clients.fetch } } : {}),
  };
}

/**
 * Reads and parses the relay secret through the Powertools provider (cached `maxAgeSeconds`).
 * Errors name the secret, never its content.
 */
export function relaySecretReader(
  secrets: SecretsProvider,
  secretId: string,
  maxAgeSeconds: number,
  options: RelaySecretOptions = {},
): () => Promise<RelaySecret> {
  let parsed: { text: string; secret: RelaySecret } | undefined;
  return async () => {
    const value = await secrets.get(secretId, { maxAge: maxAgeSeconds });
    if (typeof value !== 'string' || value.trim() === '') {
      throw new RelayConfigError(
        `The relay secret ${secretId} has no string value: put {"destinations": {"<name>": {"url": "https://..."}}} with aws secretsmanager put-secret-value`,
      );
    }
    if (parsed?.text !== value)
      parsed = { text: value, secret: parseRelaySecret(value, `relay secret ${secretId}`, options) };
    return parsed.secret;
  };
}

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value)
    throw new RelayConfigError(`Invalid relay configuration: ${name}: is required (the stack sets it)`);
  return value;
}

function maxAge(env: Env): number {
  const raw = env[RELAY_ENV.secretMaxAgeSeconds]?.trim();
  if (!raw) return DEFAULT_RELAY_SECRET_MAX_AGE_SECONDS;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new RelayConfigError(
      `Invalid relay configuration: ${RELAY_ENV.secretMaxAgeSeconds}: must be a number of seconds, got "${raw}"`,
    );
  }
  return value;
}
