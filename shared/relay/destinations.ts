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

/** What the relay secret's URLs may point at. */
export interface RelaySecretOptions {
  /**
   * Allow loopback, private and link-local addresses (and plain `http://` to loopback): local
   * receivers in tests and demos. Off in the Lambda unless `WATCHER_RELAY_ALLOW_LOCAL_DESTINATIONS`
   * is `true`, since there loopback is the Lambda runtime API and 169.254.169.254 a metadata service.
   */
  readonly allowLocalDestinations?: boolean;
}

/** Parses a dotted IPv4 address (the URL parser has already normalised `0x7f.1` and the like). */
function ipv4Octets(host: string): number[] | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return match ? match.slice(1).map(Number) : undefined;
}

/** Loopback, private (RFC 1918, CGNAT), link-local or unspecified IPv4. */
function isLocalIpv4([a = 0, b = 0]: readonly number[]): boolean {
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168)
  );
}

/** Loopback, unspecified, link-local (fe80::/10), unique-local (fc00::/7) or IPv4-mapped local IPv6. */
function isLocalIpv6(bracketed: string): boolean {
  const host = bracketed.slice(1, -1).toLowerCase();
  if (host === '::' || host === '::1') return true;
  if (/^fe[89ab]/.test(host) || /^f[cd]/.test(host)) return true;
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (mapped) {
    const high = Number.parseInt(mapped[1] ?? '0', 16);
    return isLocalIpv4([high >> 8, high & 0xff]);
  }
  return false;
}

/** True for a host that names this machine or a private network, written as a literal or `localhost`. */
function isLocalHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host.startsWith('[')) return isLocalIpv6(host);
  const octets = ipv4Octets(host);
  return octets !== undefined && isLocalIpv4(octets);
}

/**
 * What is wrong with a destination URL, or undefined: `https://` to a public host. Loopback,
 * private and link-local literals (and plain `http://` to loopback) only with `allowLocalDestinations`.
 */
export function destinationUrlProblem(value: string, options: RelaySecretOptions = {}): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an https:// URL';
  }
  const local = isLocalHost(url.hostname);
  const allowLocal = options.allowLocalDestinations === true;
  const loopback = ['localhost', '[::1]'].includes(url.hostname) || ipv4Octets(url.hostname)?.[0] === 127;
  if (url.protocol === 'http:' && allowLocal && loopback) return undefined;
  if (url.protocol !== 'https:') return 'must be an https:// URL';
  if (local && !allowLocal) {
    return (
      'must not point at a loopback, private or link-local address (the Lambda runtime API, a metadata service); ' +
      'set WATCHER_RELAY_ALLOW_LOCAL_DESTINATIONS=true only for local tests'
    );
  }
  return undefined;
}

const signingSecretSchema = z
  .string()
  .check(z.minLength(MIN_WEBHOOK_SECRET_CHARS, `must be at least ${MIN_WEBHOOK_SECRET_CHARS} characters`));

/** The relay secret's schema; its URL check depends on whether local destinations are allowed. */
function relaySecretSchemaFor(options: RelaySecretOptions) {
  const destinationSecretSchema = z.strictObject({
    /** The webhook URL; for Slack and Teams the URL itself is the credential. */
    url: z.string().check(
      z.superRefine((value: string, ctx) => {
        const problem = destinationUrlProblem(value, options);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', input: value, message: problem });
      }),
    ),
    /** `webhook` only: the HMAC-SHA256 key the receiver verifies the signature with. */
    signingSecret: z.optional(signingSecretSchema),
    /** `webhook` only, while rotating: the old key, so receivers not yet updated still verify. */
    previousSigningSecret: z.optional(signingSecretSchema),
  });
  return z.strictObject({ destinations: z.record(z.string(), destinationSecretSchema) });
}

/**
 * The relay secret (Secrets Manager): per destination name, its URL and signing secrets.
 * `{"destinations": {"ops-slack": {"url": "https://hooks.slack.com/services/..."},
 *   "automation": {"url": "https://...", "signingSecret": "..."}}}`
 */
export const relaySecretSchema = relaySecretSchemaFor({});
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
export function parseRelaySecret(
  text: string,
  secretId = 'the relay secret',
  options: RelaySecretOptions = {},
): RelaySecret {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new RelayConfigError(
      `${secretId} is not JSON: put {"destinations": {"<name>": {"url": "https://..."}}} with aws secretsmanager put-secret-value`,
    );
  }
  const result = relaySecretSchemaFor(options).safeParse(raw, ENGLISH);
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
