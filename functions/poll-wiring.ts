import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { authenticatorFor, credentialsFor, parseCredentialsDocument } from '../shared/auth/credentials';
import { awsClientConfig } from '../shared/aws-client-config';
import { ConfigError, ENV, lambdaSettingsFromEnv } from '../shared/config';
import { LAMBDA_ENV, METRICS_NAMESPACE, SERVICE_NAME } from '../shared/contract';
import { createJobsClient } from '../shared/jobs/http-client';
import type { JobsApi } from '../shared/jobs/jobs-client';
import { EVENT_BUS_HINT, parseEventBus } from '../shared/publish/event-bus';
import type { Publisher } from '../shared/publish/publisher';
import { DynamoDbTaskStore } from '../shared/store/dynamodb-store';
import { createSqsSubTickSender } from '../shared/sub-tick-sqs';
import { type Target, targetEndpoint, targetKey } from '../shared/target';
import type { PollHandlerDeps } from './poll-handler';

/** Seconds a warm container reuses the credentials secret before reading it again. */
export const DEFAULT_SECRET_MAX_AGE_SECONDS = 300;

/** Stop starting targets when less than this remains of the invocation. */
export const DEFAULT_MIN_REMAINING_MS = 10_000;

type Env = Readonly<Record<string, string | undefined>>;

/** Clients to use instead of the defaults (tests, custom endpoints). */
export interface PollClients {
  readonly dynamoDb?: DynamoDBClient;
  readonly sns?: SNSClient;
  readonly eventBridge?: EventBridgeClient;
  readonly secretsManager?: SecretsManagerClient;
  /** Sends the sub-tick messages. */
  readonly sqs?: SQSClient;
  /** Used for the jobs API and IAM token requests. */
  readonly fetch?: typeof fetch;
}

/** The credentials secret holds no usable value (binary, or empty). */
export class CredentialsSecretEmptyError extends Error {
  override readonly name = 'CredentialsSecretEmptyError';
}

/**
 * Builds the poll handler's dependencies from the Lambda environment, once per container:
 * validated settings (the targets may come with each invocation's event instead), the DynamoDB
 * store, the SNS publisher (and the EventBridge one when `WATCHER_EVENT_BUS` names a bus), the
 * sub-tick queue (while fast polling is on), and per target a jobs client whose credentials come
 * from the Secrets Manager secret (cached `maxAge` seconds; a changed secret rebuilds the target's
 * client). Fails fast with a message naming the variable at fault.
 *
 * Only DynamoDB is loaded with the function: the SNS, EventBridge, SQS and Secrets Manager clients
 * are imported when first used (an idle sub-tick uses none of them), which keeps the cold start
 * short; the deployed bundle splits them into chunks of their own (infra/bundling.ts).
 */
export function pollDepsFromEnv(env: Env, clients: PollClients = {}): PollHandlerDeps {
  const settings = lambdaSettingsFromEnv(env);
  const allowedEndpoints = endpointList(env, LAMBDA_ENV.allowedEndpoints);
  const tableName = required(env, LAMBDA_ENV.tableName);
  const topicArn = required(env, LAMBDA_ENV.topicArn);
  const eventBus = optionalEventBus(env, LAMBDA_ENV.eventBus);
  const secretId = required(env, LAMBDA_ENV.credentialsSecretId);
  const maxAgeSeconds = positiveNumber(env, LAMBDA_ENV.secretMaxAgeSeconds, DEFAULT_SECRET_MAX_AGE_SECONDS);
  const minRemainingMs = positiveNumber(env, LAMBDA_ENV.minRemainingMs, DEFAULT_MIN_REMAINING_MS);
  const subTickQueueUrl = settings.fastPollSeconds > 0 ? subTickQueue(env) : undefined;
  const secrets = async () => {
    const { SecretsProvider } = await import('@aws-lambda-powertools/parameters/secrets');
    return new SecretsProvider(
      clients.secretsManager
        ? { awsSdkV3Client: clients.secretsManager }
        : { clientConfig: awsClientConfig() },
    );
  };
  return {
    settings,
    allowedEndpoints,
    store: new DynamoDbTaskStore({ tableName, ...(clients.dynamoDb ? { client: clients.dynamoDb } : {}) }),
    publishers: [
      lazyPublisher('sns', async () =>
        (await import('../shared/publish/sns')).createSnsPublisher({
          topicArn,
          ...(clients.sns ? { client: clients.sns } : {}),
        }),
      ),
      ...(eventBus === undefined
        ? []
        : [
            lazyPublisher('eventbridge', async () =>
              (await import('../shared/publish/eventbridge')).createEventBridgePublisher({
                eventBus,
                ...(clients.eventBridge ? { client: clients.eventBridge } : {}),
              }),
            ),
          ]),
    ],
    apiFor: createApiFactory(secretReader(secrets, secretId, maxAgeSeconds), clients.fetch),
    logger: new Logger({ serviceName: SERVICE_NAME }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME }),
    minRemainingMs,
    ...(subTickQueueUrl === undefined
      ? {}
      : {
          subTicks: createSqsSubTickSender({
            queueUrl: subTickQueueUrl,
            ...(clients.sqs ? { client: clients.sqs } : {}),
          }),
        }),
  };
}

/**
 * A publisher whose module (and AWS SDK client) is imported at its first publish, not at start-up:
 * a container that never publishes never loads it.
 */
export function lazyPublisher(name: string, load: () => Promise<Publisher>): Publisher {
  let loaded: Promise<Publisher> | undefined;
  const get = () => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined;
      throw error;
    });
    return loaded;
  };
  return {
    name,
    publish: async (events, options) => (await get()).publish(events, options),
    async close(): Promise<void> {
      if (loaded) await (await loaded).close?.();
    },
  };
}

/** The sub-tick queue's URL, which fast polling needs. */
function subTickQueue(env: Env): string {
  const value = env[LAMBDA_ENV.subTickQueueUrl]?.trim();
  if (!value) {
    throw new ConfigError(
      `Invalid configuration: ${LAMBDA_ENV.subTickQueueUrl}: is required while ${ENV.fastPollSeconds} is above 0 ` +
        `(the stack sets it); set ${ENV.fastPollSeconds}=0 to turn fast polling off`,
    );
  }
  if (!URL.canParse(value)) {
    throw new ConfigError(
      `Invalid configuration: ${LAMBDA_ENV.subTickQueueUrl}: must be an SQS queue URL such as ` +
        `https://sqs.eu-west-1.amazonaws.com/123456789012/watcher-sub-ticks, got "${value}"`,
    );
  }
  return value;
}

/**
 * Per target, a jobs client built from the current secret. The client (and so an IAM token it
 * fetched) is kept while the secret is unchanged.
 */
export function createApiFactory(
  readSecretString: () => Promise<string>,
  fetchImpl?: typeof fetch,
): (target: Target) => Promise<JobsApi> {
  const built = new Map<string, { secret: string; api: JobsApi }>();
  return async (target) => {
    const secret = await readSecretString();
    const key = targetKey(target);
    const cached = built.get(key);
    if (cached?.secret === secret) return cached.api;
    const variables = credentialsFor(parseCredentialsDocument(secret), target);
    const api = createJobsClient({
      endpoint: targetEndpoint(target),
      projectId: target.projectId,
      auth: authenticatorFor(variables, target, fetchImpl ? { fetch: fetchImpl } : {}),
      ...(fetchImpl ? { fetch: fetchImpl } : {}),
    });
    built.set(key, { secret, api });
    return api;
  };
}

/**
 * Reads the secret through the Powertools provider (cached `maxAgeSeconds`), built on the first
 * read when given as a factory. One read in flight at a time: targets polled concurrently share it.
 */
export function secretReader(
  secrets: SecretsProvider | (() => Promise<SecretsProvider>),
  secretId: string,
  maxAgeSeconds: number,
): () => Promise<string> {
  let inFlight: Promise<string> | undefined;
  let provider: Promise<SecretsProvider> | undefined;
  const read = async (): Promise<string> => {
    provider ??= typeof secrets === 'function' ? secrets() : Promise.resolve(secrets);
    const value = await (await provider).get(secretId, { maxAge: maxAgeSeconds });
    if (typeof value !== 'string' || value.trim() === '') {
      throw new CredentialsSecretEmptyError(
        `The credentials secret ${secretId} has no string value: put a JSON document such as ` +
          '{"HUAWEICLOUD_SDK_AK": "...", "HUAWEICLOUD_SDK_SK": "..."} with aws secretsmanager put-secret-value',
      );
    }
    return value;
  };
  return () => {
    inFlight ??= read().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new ConfigError(`Invalid configuration: ${name}: is required (the stack sets it)`);
  return value;
}

function optionalEventBus(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (parseEventBus(raw)) return raw;
  throw new ConfigError(`Invalid configuration: ${name}: "${raw}" is not ${EVENT_BUS_HINT}`);
}

function positiveNumber(env: Env, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`Invalid configuration: ${name}: must be a positive number, got "${raw}"`);
  }
  return value;
}

function endpointList(env: Env, name: string): string[] {
  const raw = env[name]?.trim();
  if (!raw) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && URL.canParse(item))) {
    throw new ConfigError(
      `Invalid configuration: ${name}: must be a JSON array of endpoint URLs such as ["https://gaussdb-nosql.example.com"]`,
    );
  }
  return value;
}
