import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { isHuaweiCloudRegion, nearestRegions } from './regions';
import { serviceUrlProblem } from './service-url';
import type { Target } from './target';
import type { DiffOptions } from './transition';

/** Longest window the jobs API accepts (DESIGN.md: a window may span 30 days at most). */
export const API_WINDOW_SECONDS = 30 * 24 * 3600;

/** Default longest seconds a poll holds its target's claim; longer than any poll should take. */
export const DEFAULT_LEASE_SECONDS = 120;

/** Default seconds between full 30-day resyncs of a target (incremental cycles in between). */
export const DEFAULT_FULL_RESYNC_SECONDS = 3600;

/** Default seconds an incremental cycle looks back before the newest job start it has seen. */
export const DEFAULT_OVERLAP_SECONDS = 600;

/** Default seconds between polls of a target with running jobs, inside one invocation. */
export const DEFAULT_FAST_POLL_SECONDS = 15;

/** Default seconds between scheduled invocations (the stack's schedule). */
export const DEFAULT_SCHEDULE_SECONDS = 60;

/**
 * English messages, as classic zod gives them: `zod/mini` loads no locale, so without this every
 * message without its own text would read "Invalid input". Passed per parse, not set globally.
 */
export const englishMessage: z.core.$ZodErrorMap = en().localeError;
const ENGLISH = { error: englishMessage };

/** An integer in `[min, max]` with a default, as classic zod's `z.int().min().max().default()`. */
const boundedInt = (min: number, max: number, fallback: number) =>
  z._default(z.int().check(z.minimum(min), z.maximum(max)), fallback);

/** What a region ID looks like; one that does not gets this message only, not the list's hint too. */
const REGION_FORMAT = /^[a-z]{2,}(-[a-z0-9]+)+$/;
const regionSchema = z
  .string()
  .check(z.regex(REGION_FORMAT, 'must look like a Huawei Cloud region such as ap-southeast-1'));
const projectIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a project id (letters, digits, - and _, at most 64)'));
/** A jobs endpoint: the shared {@link serviceUrlProblem} check, here and in the clients alike. */
const endpointSchema = z.string().check(
  z.superRefine((value: string, ctx) => {
    const problem = serviceUrlProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', input: value, message: problem });
  }),
);

/**
 * What is wrong with a region missing from `HUAWEI_CLOUD_REGIONS` (shared/regions.ts), with the nearest names
 * and the way out for a region the list does not know yet.
 */
export function unknownRegionMessage(region: string): string {
  return (
    `"${region}" is not a Huawei Cloud region (nearest: ${nearestRegions(region).join(', ')}); ` +
    'use the region of the GeminiDB project, or give the target an endpoint'
  );
}

/**
 * One target as configured. Its region must be a known Huawei Cloud region unless the target names
 * its own endpoint (a new region, a dedicated cloud, a test server): a typo such as `ap-southest` or
 * an AWS region would otherwise deploy a watcher that fails every cycle on a host that does not exist.
 */
export const targetSchema = z
  .strictObject({
    region: regionSchema,
    projectId: projectIdSchema,
    endpoint: z.optional(endpointSchema),
  })
  .check(
    z.superRefine((target, ctx) => {
      const { region, endpoint } = target;
      if (endpoint !== undefined || !REGION_FORMAT.test(region) || isHuaweiCloudRegion(region)) return;
      ctx.addIssue({
        code: 'custom',
        path: ['region'],
        input: region,
        message: unknownRegionMessage(region),
      });
    }),
  );

/** How the diff decides, with its defaults. */
export const diffOptionsSchema = z.strictObject({
  progressStepPercent: boundedInt(0, 100, 0),
  stalledAfterSeconds: z._default(
    z.record(z.string().check(z.minLength(1)), z.int().check(z.positive())),
    {},
  ),
  announceBaseline: z._default(z.boolean(), false),
});

/** Everything a poll cycle needs to know besides its adapters. */
export interface CycleOptions extends DiffOptions {
  /** Longest seconds a poll holds its target's claim (a crashed poll's work is finished after). */
  readonly leaseSeconds: number;
  /** Jobs API page size. */
  readonly pageSize: 10 | 20 | 50;
  /** Most seconds a full pass over the 30-day window takes (it is read in slices, poll by poll). */
  readonly fullResyncSeconds: number;
  /** Seconds the new-jobs scan looks back before the watermark. */
  readonly overlapSeconds: number;
}

/** The watcher's settings, shared by the Lambda and the CLI. */
export const watcherSettingsSchema = z.extend(diffOptionsSchema, {
  targets: z.array(targetSchema).check(z.minLength(1, 'needs at least one target')),
  leaseSeconds: boundedInt(10, 3600, DEFAULT_LEASE_SECONDS),
  pageSize: z._default(z.union([z.literal(10), z.literal(20), z.literal(50)]), 50),
  targetConcurrency: boundedInt(1, 64, 4),
  fullResyncSeconds: boundedInt(60, 7 * 86_400, DEFAULT_FULL_RESYNC_SECONDS),
  overlapSeconds: boundedInt(0, 86_400, DEFAULT_OVERLAP_SECONDS),
  /** 0 turns adaptive polling off: one poll per scheduled invocation. */
  fastPollSeconds: boundedInt(0, 300, DEFAULT_FAST_POLL_SECONDS),
  scheduleSeconds: boundedInt(1, 86_400, DEFAULT_SCHEDULE_SECONDS),
});
export type WatcherSettings = z.infer<typeof watcherSettingsSchema> & { readonly targets: readonly Target[] };

/** A bad configuration value: names the variable or field, what is wrong, and what fits. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Turns zod issues into one line per problem, each naming the field as the user wrote it. */
export function describeIssues(
  error: z.core.$ZodError,
  fieldName: (path: readonly PropertyKey[]) => string,
): string {
  return error.issues.map((issue) => `${fieldName(issue.path)}: ${issue.message}`).join('; ');
}

/** Environment variables of the Lambda (and of `poll` when flags are absent), with the setting each one feeds. */
export const ENV = {
  targets: 'WATCHER_TARGETS',
  progressStepPercent: 'WATCHER_PROGRESS_STEP_PERCENT',
  stalledAfterSeconds: 'WATCHER_STALLED_AFTER_SECONDS',
  announceBaseline: 'WATCHER_ANNOUNCE_BASELINE',
  leaseSeconds: 'WATCHER_LEASE_SECONDS',
  pageSize: 'WATCHER_PAGE_SIZE',
  targetConcurrency: 'WATCHER_TARGET_CONCURRENCY',
  fullResyncSeconds: 'WATCHER_FULL_RESYNC_SECONDS',
  overlapSeconds: 'WATCHER_OVERLAP_SECONDS',
  fastPollSeconds: 'WATCHER_FAST_POLL_SECONDS',
  scheduleSeconds: 'WATCHER_SCHEDULE_SECONDS',
} as const;

const JSON_ENV = new Set<string>([ENV.targets, ENV.stalledAfterSeconds]);
const BOOLEAN_ENV = new Set<string>([ENV.announceBaseline]);

/**
 * Reads and validates the watcher settings from environment variables, once, failing fast
 * with a message that names each bad variable. `WATCHER_TARGETS` is a JSON array of
 * `{ region, projectId, endpoint? }`; `WATCHER_STALLED_AFTER_SECONDS` a JSON object such as
 * `{"BackupInstance": 3600, "*": 7200}`.
 */
export function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): WatcherSettings {
  return parseSettings(rawSettingsFromEnv(env), envFieldName);
}

/** The Lambda's settings: the target list may be empty, since the invocation event can carry it. */
export const lambdaSettingsSchema = z.extend(watcherSettingsSchema, {
  targets: z._default(z.array(targetSchema), []),
});
export type LambdaSettings = Omit<WatcherSettings, 'targets'> & { readonly targets: readonly Target[] };

/**
 * Reads the poll Lambda's settings from its environment like {@link settingsFromEnv}, except that
 * `WATCHER_TARGETS` may be absent: the stack sends the targets in the schedule's input, so that
 * a hundred of them do not run into Lambda's 4 KB environment limit.
 */
export function lambdaSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): LambdaSettings {
  const result = lambdaSettingsSchema.safeParse(rawSettingsFromEnv(env), ENGLISH);
  if (!result.success) {
    throw new ConfigError(`Invalid configuration: ${describeIssues(result.error, envFieldName)}`);
  }
  return result.data;
}

function envFieldName(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path;
  const variable = ENV[head as keyof typeof ENV] ?? String(head);
  return `${variable}${rest.map((part) => `[${String(part)}]`).join('')}`;
}

function rawSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [field, variable] of Object.entries(ENV)) {
    const value = env[variable];
    if (value === undefined || value.trim() === '') continue;
    if (JSON_ENV.has(variable)) {
      try {
        raw[field] = JSON.parse(value);
      } catch {
        problems.push(`${variable}: is not valid JSON`);
      }
    } else if (BOOLEAN_ENV.has(variable)) {
      if (value !== 'true' && value !== 'false') problems.push(`${variable}: must be true or false`);
      raw[field] = value === 'true';
    } else {
      const number = Number(value);
      raw[field] = Number.isFinite(number) ? number : value;
    }
  }
  if (problems.length > 0) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  return raw;
}

/** Validates settings given as an object (CLI flags, a config file); `fieldName` renders a path for errors. */
export function parseSettings(
  raw: unknown,
  fieldName: (path: readonly PropertyKey[]) => string = (path) => path.map(String).join('.'),
): WatcherSettings {
  const result = watcherSettingsSchema.safeParse(raw, ENGLISH);
  if (!result.success) {
    throw new ConfigError(`Invalid configuration: ${describeIssues(result.error, fieldName)}`);
  }
  return result.data;
}
