import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { ConfigError, englishMessage, watcherSettingsSchema } from '../shared/config';
import { fieldPath, objectKeys, unknownKeysMessage } from '../shared/issue-text';
import { destinationListSchema } from '../shared/relay/destinations';
import { eventBridgeConfigSchema } from './eventbridge-config';
import { hardenedConfigSchema, hardenedLogRetentionCheck, tagsSchema } from './hardening-config';
import { parseJsonc } from './jsonc';
import { hasUserInfo, WEBHOOK_USER_INFO_MESSAGE } from './webhook-url';

/** The config file `npm run synth` reads when no `-c config=...` is given. */
export const DEFAULT_CONFIG_FILE = 'watcher.config.json';

/** The commented example shipped in the repo; used when {@link DEFAULT_CONFIG_FILE} is absent. */
export const EXAMPLE_CONFIG_FILE = 'watcher.config.example.jsonc';

/** CDK context key naming another config file: `npx cdk synth -c config=prod.json`. */
export const CONFIG_CONTEXT_KEY = 'config';

/**
 * SNS message attributes every event carries (see DESIGN.md, "The event"): the only names a
 * subscription filter policy can usefully match, so a typo is caught at synth time.
 */
export const MESSAGE_ATTRIBUTES = [
  'type',
  'job_name',
  'status',
  'previous_status',
  'instance_id',
  'instance_name',
  'project_id',
  'region',
] as const;
export type MessageAttribute = (typeof MESSAGE_ATTRIBUTES)[number];

/** SNS caps a filter policy at five attribute keys. */
const MAX_FILTER_KEYS = 5;

/** Log retention periods CloudWatch Logs accepts, in days. */
const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const filterConditionSchema = z.union([z.string(), z.number(), z.record(z.string(), z.unknown())], {
  error: 'must be a string, a number or an SNS filter operator object such as {"prefix": "Backup"}',
});

/**
 * An SNS subscription filter policy on message attributes, e.g.
 * `{"type": ["com.huaweicloud.geminidb.job.failed"], "job_name": ["BackupInstance"]}`.
 */
export const filterPolicySchema = z
  .record(z.string(), z.array(filterConditionSchema).min(1, 'needs at least one value'))
  .superRefine((policy, ctx) => {
    const attributes = Object.keys(policy);
    for (const attribute of attributes) {
      if (!(MESSAGE_ATTRIBUTES as readonly string[]).includes(attribute)) {
        ctx.addIssue({
          code: 'custom',
          path: [attribute],
          message: `is not a message attribute of the events; use ${MESSAGE_ATTRIBUTES.join(', ')}`,
        });
      }
    }
    if (attributes.length === 0) ctx.addIssue({ code: 'custom', message: 'needs at least one attribute' });
    if (attributes.length > MAX_FILTER_KEYS) {
      ctx.addIssue({
        code: 'custom',
        message: `SNS allows at most ${MAX_FILTER_KEYS} attributes in a filter policy`,
      });
    }
  });
export type FilterPolicy = z.infer<typeof filterPolicySchema>;

const emailSchema = z.email('must be an email address');

/**
 * A person subscribed by email: an address, or an address with a filter policy on the events'
 * message attributes, e.g. `{"address": "dba@example.com", "filterPolicy": {"type":
 * ["com.huaweicloud.geminidb.job.failed"]}}` mails only failures.
 */
export const emailSubscriptionSchema = z.union(
  [emailSchema, z.strictObject({ address: emailSchema, filterPolicy: filterPolicySchema.optional() })],
  {
    error: 'must be an email address, or {"address": "...", "filterPolicy": {...}} with only those two keys',
  },
);
export type EmailSubscription = z.infer<typeof emailSubscriptionSchema>;

/** An HTTPS endpoint subscribed to the topic. */
export const webhookSchema = z.strictObject({
  url: z
    .url({ protocol: /^https$/, error: 'must be an https:// URL' })
    .refine((url) => !hasUserInfo(url), { error: WEBHOOK_USER_INFO_MESSAGE }),
  /** Deliver the bare event JSON instead of the SNS envelope. */
  rawMessageDelivery: z.boolean().default(false),
  filterPolicy: filterPolicySchema.optional(),
});

/** The SQS queue for automation, subscribed to the topic. */
export const queueSchema = z.strictObject({
  enabled: z.boolean().default(true),
  filterPolicy: filterPolicySchema.optional(),
});

/**
 * The chat and webhook relay: destinations without secrets (their URLs and signing keys go into
 * the relay secret the stack creates, never into this file).
 */
export const relayConfigSchema = z.strictObject({
  // `zod/mini` schema: no `.refine` method, so the same check goes through `.check`.
  destinations: destinationListSchema.check(
    z.refine((destinations) => destinations.length > 0, {
      error: 'lists no destination: add one or leave relay out',
    }),
  ),
});

/**
 * The deployment's configuration file: the watcher settings shared with the CLI (targets, diff
 * options, lease, page size, concurrency) plus what only a deployment has. The shared settings are a
 * `zod/mini` schema (it is bundled into the Lambda), so they are composed with mini's `omit` and
 * `extend`; the fields only a deployment has use classic zod (never bundled). Both build on the same
 * zod core, so they nest either way.
 */
export const watcherConfigSchema = zm.extend(zm.omit(watcherSettingsSchema, { scheduleSeconds: true }), {
  /** Editor hint, ignored. */
  $schema: z.string().optional(),
  pageSize: z
    .union([z.literal(10), z.literal(20), z.literal(50)], { error: 'must be 10, 20 or 50' })
    .default(50),
  /** Minutes between polls (EventBridge Scheduler rate); the stack derives `scheduleSeconds` from it. */
  pollRateMinutes: z.int().min(1, 'must be at least 1').max(720, 'must be at most 720 (12 hours)').default(1),
  /** People subscribed by email (each confirms by the link SNS sends), each optionally filtered. */
  emails: z.array(emailSubscriptionSchema).default([]),
  webhooks: z.array(webhookSchema).default([]),
  queue: queueSchema.optional(),
  /** Slack, Microsoft Teams and signed webhook delivery by a relay function. */
  relay: relayConfigSchema.optional(),
  /** Also put every event on an EventBridge bus (infra/eventbridge-config.ts). */
  eventBridge: eventBridgeConfigSchema.optional(),
  /** People told about alarms (poll errors, no heartbeat, DLQ not empty, delivery failures). */
  alarmEmails: z.array(emailSchema).default([]),
  /** Name or ARN of an existing Secrets Manager secret with Huawei credentials; absent: one is created. */
  credentialsSecret: z
    .string()
    .regex(
      /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+|[\w/+=.@-]{1,512})$/,
      'must be a secret name or a Secrets Manager secret ARN',
    )
    .optional(),
  logRetentionDays: z
    .int()
    .refine((days) => (RETENTION_DAYS as readonly number[]).includes(days), {
      error: `must be one of ${RETENTION_DAYS.join(', ')}`,
    })
    .default(30),
  /** Tags on every resource the stack creates that takes tags. */
  tags: tagsSchema.default({}),
  /** false pauses polling (schedules and event sources disabled); the table and subscriptions stay. */
  enabled: z.boolean().default(true),
  /** Pass every AWS Control Tower proactive control (infra/hardening-config.ts, docs/compliance.md). */
  hardened: hardenedConfigSchema.optional(),
});
export type WatcherConfig = z.infer<typeof watcherConfigSchema>;

/** {@link watcherConfigSchema} with the checks across fields. */
const checkedConfigSchema = watcherConfigSchema.check(hardenedLogRetentionCheck);

/** Where a relay destination's URL and signing secret go, for a key that looks like one of them. */
const RELAY_SECRET_HINT =
  "webhook URLs and signing secrets go in the relay secret (the stack's RelaySecret output), never in this file: " +
  '{"destinations": {"<name>": {"url": "https://...", "signingSecret"?: "..."}}}; see docs/relay.md';

/** Where Slack and Teams go, for a top-level key that names them. */
const CHAT_HINT =
  'did you mean "relay"? Slack and Teams messages go through the relay: ' +
  '"relay": {"destinations": [{"name": "ops-slack", "kind": "slack"}]}, with the webhook URL in the relay secret; see docs/relay.md';

/**
 * A hint that fits the config file better than the nearest key: a URL or secret among a relay
 * destination's fields belongs in the relay secret; a Slack or Teams key at the top belongs in the relay.
 */
function unknownKeyHint(path: readonly PropertyKey[], key: string): string | undefined {
  const inDestination = path.length === 3 && path[0] === 'relay' && path[1] === 'destinations';
  if (inDestination && /url|secret|token|key/i.test(key)) return RELAY_SECRET_HINT;
  if (path.length === 0 && /slack|teams/i.test(key)) return CHAT_HINT;
  if (path.length === 0 && key === 'scheduleSeconds')
    return 'did you mean "pollRateMinutes"? It sets the schedule period';
  return undefined;
}

/** An issue's message, with the config file's hint for each unknown key that has one. */
function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code !== 'unrecognized_keys') return issue.message;
  const hinted = issue.keys.map((key) => [key, unknownKeyHint(issue.path, key)] as const);
  if (hinted.every(([, hint]) => hint === undefined)) return issue.message;
  return hinted.map(([key, hint]) => `Unrecognized key: "${key}"; ${hint ?? 'not a field here'}`).join('; ');
}

/** The config file's messages: "is required" for a missing field, the nearest key for an unknown one. */
const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  if (issue.code === 'unrecognized_keys') return unknownKeysMessage(issue.keys, objectKeys(issue.inst));
  return englishMessage(issue);
};

/**
 * Validates a parsed config object. Every problem becomes one line `<source>: <field>: <message>`,
 * so the error names the file and the field to fix.
 */
export function parseWatcherConfig(raw: unknown, source = DEFAULT_CONFIG_FILE): WatcherConfig {
  const result = checkedConfigSchema.safeParse(raw, { error: configErrorMap });
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const field = fieldPath(issue.path);
    const message = issueMessage(issue);
    return field === '' ? `${source}: ${message}` : `${source}: ${field}: ${message}`;
  });
  throw new ConfigError(lines.join('\n'));
}

/** Reads a JSON or JSONC (comments, trailing commas) config file and validates it. */
export function loadWatcherConfig(path: string): WatcherConfig {
  const source = basename(path);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${source}: cannot read ${path}; create it from ${EXAMPLE_CONFIG_FILE}`, {
      cause: error,
    });
  }
  let raw: unknown;
  try {
    raw = parseJsonc(text, source);
  } catch (error) {
    throw new ConfigError((error as Error).message, { cause: error });
  }
  return parseWatcherConfig(raw, source);
}

/** Which file a synth reads, and why. */
export interface ConfigChoice {
  readonly path: string;
  /** True when the shipped example stands in for a missing `watcher.config.json` (`npm run synth` only). */
  readonly isExample: boolean;
}

/**
 * The flag `npm run synth` passes (and nothing else does): without a config file, synthesize the
 * shipped example for a look instead of failing.
 */
export const PREVIEW_EXAMPLE_FLAG = '--preview-example';

/** Where a synth of the shipped example goes, apart from `cdk.out`, so no deploy ever picks it up. */
export const EXAMPLE_OUTDIR = 'cdk.out.example';

/** How the app was started, as far as the config choice cares. */
export interface ConfigChoiceOptions {
  /** {@link PREVIEW_EXAMPLE_FLAG} was given (`npm run synth`). */
  readonly previewExample?: boolean;
  /**
   * The CDK CLI runs the app (`npx cdk synth|diff|deploy|destroy`): it sets `CDK_OUTDIR`. The example
   * is never used then, whatever the flags, so no deploy can subscribe the example's addresses.
   */
  readonly runByCdkCli?: boolean;
  readonly exists?: (path: string) => boolean;
}

/** The CDK CLI sets these for every app it runs (see {@link ConfigChoiceOptions.runByCdkCli}). */
export function isRunByCdkCli(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.CDK_OUTDIR !== undefined || env.CDK_CLI_VERSION !== undefined;
}

/** What to do when there is no config file: one message with the commands that make one. */
export const NO_CONFIG_MESSAGE =
  `No ${DEFAULT_CONFIG_FILE}: nothing to synthesize or deploy. Create it from the example and edit the targets and ` +
  `subscriptions: cp ${EXAMPLE_CONFIG_FILE} ${DEFAULT_CONFIG_FILE} (or name another file: ` +
  `npx cdk deploy -c ${CONFIG_CONTEXT_KEY}=path/to/config.json). To look at the stack the example builds, ` +
  'without deploying anything: npm run synth';

/**
 * The config file to use: the one named by context (it must exist), else `watcher.config.json`.
 * Without either, `npm run synth` previews the shipped example; everything else, and whatever the
 * CDK CLI runs, fails with {@link NO_CONFIG_MESSAGE}, so `cdk deploy` never deploys the example's
 * placeholder subscriptions and project.
 * @throws ConfigError when there is no config file to use.
 */
export function chooseConfigFile(
  contextPath: string | undefined,
  { previewExample = false, runByCdkCli = false, exists = existsSync }: ConfigChoiceOptions = {},
): ConfigChoice {
  if (contextPath !== undefined && contextPath !== '') return { path: contextPath, isExample: false };
  if (exists(DEFAULT_CONFIG_FILE)) return { path: DEFAULT_CONFIG_FILE, isExample: false };
  if (previewExample && !runByCdkCli) return { path: EXAMPLE_CONFIG_FILE, isExample: true };
  throw new ConfigError(NO_CONFIG_MESSAGE);
}
