import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { EVENT_TYPE_PREFIX } from '../job-event';
import { TransitionType } from '../transition';
import { MIN_WEBHOOK_SECRET_CHARS } from './webhook-signature';

/** Where the relay can deliver: a Slack incoming webhook, a Teams Workflows webhook, or any HTTPS receiver. */
export const DestinationKind = {
  Slack: 'slack',
  Teams: 'teams',
  Webhook: 'webhook',
} as const;
export type DestinationKind = (typeof DestinationKind)[keyof typeof DestinationKind];

/** Per-attempt timeout of a delivery when the destination sets none. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 5_000;

/** Attempts per event and destination (the first one included) when the destination sets none. */
export const DEFAULT_DELIVERY_ATTEMPTS = 4;

const TRANSITION_TYPES = Object.values(TransitionType) as [TransitionType, ...TransitionType[]];

/** A type in a filter: the suffix (`failed`) or the whole type; stored as the suffix. */
const filterTypeSchema = z.pipe(
  z.pipe(
    z.string(),
    z.transform((value: string) =>
      value.startsWith(EVENT_TYPE_PREFIX) ? value.slice(EVENT_TYPE_PREFIX.length) : value,
    ),
  ),
  z.enum(TRANSITION_TYPES, { error: `must be one of ${TRANSITION_TYPES.join(', ')}` }),
);

const nonEmptyList = <T extends z.core.SomeType>(item: T) =>
  z.array(item).check(z.minLength(1, 'must list at least one value'));

const nonEmptyString = () => z.string().check(z.minLength(1));

/**
 * English messages, as classic zod gives them: `zod/mini` loads no locale, so without this every
 * message without its own text would read "Invalid input". Passed per parse, not set globally.
 */
const ENGLISH = { error: en().localeError };

/**
 * Which events a destination gets. Every list given must match (AND); within a list any value
 * matches (OR); an absent list matches everything. Values are compared exactly.
 */
export const destinationFilterSchema = z.strictObject({
  /** Event types: `failed` or `com.huaweicloud.geminidb.job.failed`. */
  types: z.optional(nonEmptyList(filterTypeSchema)),
  /** Job names, e.g. `BackupInstance`. */
  jobNames: z.optional(nonEmptyList(nonEmptyString())),
  /** Instance names or ids. */
  instances: z.optional(nonEmptyList(nonEmptyString())),
  /** Job statuses after the transition, e.g. `Failed`. */
  statuses: z.optional(nonEmptyList(nonEmptyString())),
});
export type DestinationFilter = z.infer<typeof destinationFilterSchema>;

/**
 * One destination, without its secrets: safe to keep in an environment variable or a stack.
 * Its URL (and for `webhook` its signing secret) live in the relay secret under the same name.
 */
export const destinationConfigSchema = z.strictObject({
  /** Names the destination in the secret, in logs and in the `destination` metric dimension. */
  name: z
    .string()
    .check(
      z.regex(
        /^[A-Za-z0-9_.-]{1,64}$/,
        'must be 1-64 letters, digits, "_", "." or "-" (it is a metric dimension)',
      ),
    ),
  kind: z.enum([DestinationKind.Slack, DestinationKind.Teams, DestinationKind.Webhook], {
    error: 'must be slack, teams or webhook',
  }),
  filter: z.optional(destinationFilterSchema),
  /** Per-attempt timeout. */
  timeoutMs: z._default(z.int().check(z.minimum(100), z.maximum(30_000)), DEFAULT_DELIVERY_TIMEOUT_MS),
  /** Attempts per event (the first one included) before the event goes to the dead-letter queue. */
  maxAttempts: z._default(z.int().check(z.minimum(1), z.maximum(10)), DEFAULT_DELIVERY_ATTEMPTS),
});
export type DestinationConfig = z.infer<typeof destinationConfigSchema>;
/** A destination as written by people (defaults not yet applied). */
export type DestinationConfigInput = z.input<typeof destinationConfigSchema>;

/** A list of destinations with unique names (the relay configuration without its secret). */
export const destinationListSchema = z.array(destinationConfigSchema).check(
  z.superRefine((destinations: DestinationConfig[], context) => {
    const seen = new Set<string>();
    destinations.forEach((destination, index) => {
      if (seen.has(destination.name)) {
        context.addIssue({
          code: 'custom',
          path: [index, 'name'],
          message: `"${destination.name}" is used twice`,
        });
      }
      seen.add(destination.name);
    });
  }),
);

/** The relay configuration or its secret does not fit; the message names the field and the fix. */
export class RelayConfigError extends Error {
  override readonly name = 'RelayConfigError';
}

/**
 * Validates the destinations (the non-secret part of the relay configuration), applying defaults.
 * `where` names the source in errors, e.g. `WATCHER_RELAY_DESTINATIONS`.
 */
export function parseDestinations(raw: unknown, where = 'destinations'): DestinationConfig[] {
  const result = destinationListSchema.safeParse(raw, ENGLISH);
  if (!result.success) {
    throw new RelayConfigError(`Invalid relay configuration: ${describe(result.error, where)}`);
  }
  return result.data;
}

/** True for `https:` URLs, and `http:` on a loopback host (local receivers in tests and demos). */
function isAllowedUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

const signingSecretSchema = z
  .string()
  .check(z.minLength(MIN_WEBHOOK_SECRET_CHARS, `must be at least ${MIN_WEBHOOK_SECRET_CHARS} characters`));

const destinationSecretSchema = z.strictObject({
  /** The webhook URL; for Slack and Teams the URL itself is the credential. */
  url: z.string().check(z.refine(isAllowedUrl, 'must be an https:// URL')),
  /** `webhook` only: the HMAC-SHA256 key the receiver verifies the signature with. */
  signingSecret: z.optional(signingSecretSchema),
  /** `webhook` only, while rotating: the old key, so receivers not yet updated still verify. */
  previousSigningSecret: z.optional(signingSecretSchema),
});

/**
 * The relay secret (Secrets Manager): per destination name, its URL and signing secrets.
 * `{"destinations": {"ops-slack": {"url": "https://hooks.slack.com/services/..."},
 *   "automation": {"url": "https://...", "signingSecret": "..."}}}`
 */
export const relaySecretSchema = z.strictObject({
  destinations: z.record(z.string(), destinationSecretSchema),
});
export type RelaySecret = z.infer<typeof relaySecretSchema>;

/** What delivering to one destination needs from the secret. */
export interface DestinationSecrets {
  readonly url: string;
  /** Keys to sign with, current first (empty for Slack and Teams). */
  readonly signingSecrets: readonly string[];
}

/**
 * Parses the relay secret's JSON text. Errors name the destination and field, never a value:
 * the values are webhook URLs and keys.
 */
export function parseRelaySecret(text: string, secretId = 'the relay secret'): RelaySecret {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new RelayConfigError(
      `${secretId} is not JSON: put {"destinations": {"<name>": {"url": "https://..."}}} with aws secretsmanager put-secret-value`,
    );
  }
  const result = relaySecretSchema.safeParse(raw, ENGLISH);
  if (!result.success) throw new RelayConfigError(`Invalid ${secretId}: ${describe(result.error, 'secret')}`);
  return result.data;
}

/** The relay secret holds nothing usable for a destination; only that destination fails. */
export class DestinationSecretMissingError extends Error {
  override readonly name = 'DestinationSecretMissingError';
}

/** The URL and signing secrets of one destination, or {@link DestinationSecretMissingError}. */
export function destinationSecrets(secret: RelaySecret, destination: DestinationConfig): DestinationSecrets {
  const entry = secret.destinations[destination.name];
  if (entry === undefined) {
    throw new DestinationSecretMissingError(
      `the relay secret has no entry "destinations.${destination.name}": add {"url": "https://..."} for it`,
    );
  }
  const signingSecrets = [entry.signingSecret, entry.previousSigningSecret].filter(
    (value): value is string => value !== undefined,
  );
  if (destination.kind === DestinationKind.Webhook && entry.signingSecret === undefined) {
    throw new DestinationSecretMissingError(
      `the relay secret entry "destinations.${destination.name}" has no signingSecret: a webhook destination signs every request; add a random string of 32+ characters`,
    );
  }
  return { url: entry.url, signingSecrets };
}

function describe(error: z.core.$ZodError, root: string): string {
  return error.issues
    .map((issue) => `${[root, ...issue.path.map(String)].join('.')}: ${issue.message}`)
    .join('; ');
}
