import * as z from 'zod/mini';
import type { Target } from '../target';
import type { Authenticator } from './authenticator';
import { authenticatorFromEnv } from './from-env';

/**
 * The Secrets Manager document that holds Huawei credentials: the same variable names as the
 * CLI's environment at the top level (shared by every target), and optional per-target
 * overrides under `targets["<region>/<projectId>"]`.
 *
 * ```json
 * { "HUAWEICLOUD_SDK_AK": "...", "HUAWEICLOUD_SDK_SK": "...",
 *   "targets": { "eu-west-101/0549b4...": { "HUAWEICLOUD_AUTH_TOKEN": "..." } } }
 * ```
 */
export const credentialsDocumentSchema = z.looseObject({
  targets: z.optional(z.record(z.string(), z.record(z.string(), z.string()))),
});
export type CredentialsDocument = z.infer<typeof credentialsDocumentSchema>;

/** The secret could not be read as a credentials document. The message never quotes the secret. */
export class CredentialsDocumentError extends Error {
  override readonly name = 'CredentialsDocumentError';
}

/** Parses the secret string; errors name the field, never a value. */
export function parseCredentialsDocument(secret: string): CredentialsDocument {
  let json: unknown;
  try {
    json = JSON.parse(secret);
  } catch {
    throw new CredentialsDocumentError(
      'The Huawei credentials secret is not JSON: store an object such as {"HUAWEICLOUD_SDK_AK": "...", "HUAWEICLOUD_SDK_SK": "..."}',
    );
  }
  const result = credentialsDocumentSchema.safeParse(json);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new CredentialsDocumentError(`The Huawei credentials secret has invalid fields: ${fields}`);
  }
  return result.data;
}

/** The credential variables that apply to one target: its own override, else the shared ones. */
export function credentialsFor(document: CredentialsDocument, target: Target): Record<string, string> {
  const override = document.targets?.[`${target.region}/${target.projectId}`];
  if (override) return override;
  const shared: Record<string, string> = {};
  for (const [key, value] of Object.entries(document)) if (typeof value === 'string') shared[key] = value;
  return shared;
}

/** An authenticator for a target from a credentials document (Lambda) or an environment (CLI). */
export function authenticatorFor(
  variables: Readonly<Record<string, string | undefined>>,
  target: Target,
  options: { readonly fetch?: typeof fetch } = {},
): Authenticator {
  return authenticatorFromEnv(variables, { projectId: target.projectId, region: target.region, ...options });
}
