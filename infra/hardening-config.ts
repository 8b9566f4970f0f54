import { z } from 'zod';

/** CloudWatch Logs retention AWS Control Tower's CT.CLOUDWATCH.PR.2 asks for, in days. */
export const HARDENED_MIN_LOG_RETENTION_DAYS = 365;

/** AWS allows at most 50 user tags on a resource. */
const MAX_TAGS = 50;

/** Characters AWS accepts in tag keys and values (letters, digits, spaces and `_ . : / = + - @`). */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Why a tag key is refused, or undefined when AWS takes it. */
function tagKeyProblem(key: string): string | undefined {
  if (key.length === 0) return 'tag keys must not be empty';
  if (key.length > 128) return 'tag keys must be at most 128 characters';
  if (!TAG_CHARACTERS.test(key)) return 'tag keys may hold letters, digits, spaces and _ . : / = + - @ only';
  if (key.toLowerCase().startsWith('aws:')) return 'tag keys must not start with "aws:" (reserved by AWS)';
  return undefined;
}

/**
 * `tags` in the config file: tags put on every resource the stack creates that takes tags, e.g.
 * `{"CostCenter": "dba", "Environment": "prod"}` (AWS's rules: at most 50, keys 1 to 128 and values up
 * to 256 characters, no `aws:` prefix).
 */
export const tagsSchema = z
  .record(
    z.string(),
    z
      .string({ error: 'tag values must be strings' })
      .max(256, 'tag values must be at most 256 characters')
      .regex(TAG_CHARACTERS, 'tag values may hold letters, digits, spaces and _ . : / = + - @ only'),
  )
  .superRefine((tags, ctx) => {
    const keys = Object.keys(tags);
    for (const key of keys) {
      const problem = tagKeyProblem(key);
      if (problem) ctx.addIssue({ code: 'custom', path: [key], message: problem });
    }
    if (keys.length > MAX_TAGS) {
      ctx.addIssue({ code: 'custom', message: `AWS allows at most ${MAX_TAGS} tags on a resource` });
    }
  });

const VPC_ID = /^vpc-[0-9a-f]{8,17}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;

/**
 * The existing VPC the functions run in. Its subnets need a route to the internet (a NAT gateway),
 * since the functions call Huawei Cloud and AWS APIs; the NAT's fixed address is the one a Huawei
 * IAM policy can allow.
 */
export const hardenedVpcSchema = z.strictObject({
  vpcId: z.string().regex(VPC_ID, 'must be a VPC id such as vpc-0a1b2c3d4e5f67890'),
  subnetIds: z
    .array(z.string().regex(SUBNET_ID, 'must be a subnet id such as subnet-0a1b2c3d4e5f67890'))
    .min(1, 'needs at least one subnet (two in different zones keep the functions up when one zone fails)')
    .max(16, 'Lambda takes at most 16 subnets'),
  /** Security groups the functions get; absent: the stack creates one with no inbound rule. */
  securityGroupIds: z
    .array(z.string().regex(SECURITY_GROUP_ID, 'must be a security group id such as sg-0a1b2c3d4e5f67890'))
    .min(1, 'lists no security group: name one or leave securityGroupIds out')
    .max(5, 'Lambda takes at most 5 security groups')
    .optional(),
});

/**
 * `hardened` in the config file: the stack then passes every AWS Control Tower proactive control
 * that applies to its resources (docs/compliance.md): customer-managed KMS keys for the table and the
 * logs, logs kept a year, key policies that keep grants to AWS services, a dead-letter queue on every
 * queue, and the functions in the VPC named here. Absent: the lean default stack.
 */
export const hardenedConfigSchema = z.strictObject({
  vpc: hardenedVpcSchema,
});
export type HardenedConfig = z.infer<typeof hardenedConfigSchema>;

/**
 * A hardened config keeps logs at least {@link HARDENED_MIN_LOG_RETENTION_DAYS} days; the default
 * (30) is refused with the field and the fix rather than raised in silence.
 */
export const hardenedLogRetentionCheck = z.superRefine(
  (config: { readonly hardened?: unknown; readonly logRetentionDays: number }, ctx) => {
    if (config.hardened === undefined || config.logRetentionDays >= HARDENED_MIN_LOG_RETENTION_DAYS) return;
    ctx.addIssue({
      code: 'custom',
      path: ['logRetentionDays'],
      message:
        `is ${config.logRetentionDays}; a hardened stack keeps logs at least ${HARDENED_MIN_LOG_RETENTION_DAYS} days ` +
        `(Control Tower CT.CLOUDWATCH.PR.2): set it to ${HARDENED_MIN_LOG_RETENTION_DAYS} or more`,
    });
  },
);
