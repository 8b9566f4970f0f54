import { z } from 'zod';
import { EVENT_BUS_HINT, parseEventBus } from '../shared/publish/event-bus';

/** Names a bus the stack creates may have: no `default`, no `aws.` prefix, no `/` (partner buses only). */
const CREATED_BUS_NAME = /^(?!aws\.)(?!default$)[.\-_A-Za-z0-9]{1,256}$/;

/** Schema registry names: letters, digits, `.`, `-`, `_`, `@`, at most 64 (CreateRegistry). */
const REGISTRY_NAME = /^[.\-_A-Za-z@0-9]{1,64}$/;

const existingBusSchema = z.string().refine((value) => parseEventBus(value) !== undefined, {
  error: `must be ${EVENT_BUS_HINT}`,
});

const createdBusSchema = z.strictObject({
  create: z.literal(true),
  name: z
    .string()
    .regex(
      CREATED_BUS_NAME,
      'must be a new bus name: letters, digits, . - _ (not "default", not starting with "aws.")',
    )
    .optional(),
});

/**
 * `eventBridge` in the config file: send every event to an EventBridge bus as well as to SNS, e.g.
 * `{"bus": "default"}`, `{"bus": "arn:aws:events:...:event-bus/jobs"}` or
 * `{"bus": {"create": true, "name": "geminidb-jobs"}, "archive": {"retentionDays": 30}}`.
 */
export const eventBridgeConfigSchema = z.strictObject({
  /** `default` (the account's bus), an existing bus by name or ARN, or `{create: true, name?}`. */
  bus: z
    .union([existingBusSchema, createdBusSchema], {
      error: (issue) =>
        issue.code === 'invalid_union'
          ? `must be "default", an existing bus name or ARN, or {"create": true, "name": "..."} for a new bus`
          : undefined,
    })
    .default('default'),
  /** Archive the watcher's events on the bus for this many days, so EventBridge can replay them. */
  archive: z
    .strictObject({
      retentionDays: z
        .int({
          error: (issue) => (issue.input === undefined ? 'is required' : 'must be a whole number of days'),
        })
        .min(1, 'must be at least 1 (leave archive out for no archive)'),
    })
    .optional(),
  /** Name of the schema registry the event schemas go into; absent: CloudFormation names it. */
  schemaRegistryName: z
    .string()
    .regex(REGISTRY_NAME, 'must be 1 to 64 letters, digits, . - _ or @')
    .optional(),
});
export type EventBridgeConfig = z.infer<typeof eventBridgeConfigSchema>;
