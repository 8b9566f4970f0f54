import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The header that signs a generic webhook delivery, the way GitHub and Stripe sign theirs:
 * `X-GeminiDB-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * While a key is rotated the header carries one `v1=` per key; any one that verifies is enough.
 */
export const WEBHOOK_SIGNATURE_HEADER = 'X-GeminiDB-Signature';

/** How old (or how far in the future) a signature may be before receivers refuse it: replay protection. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

/** Shortest signing secret accepted on either side: a short key can be guessed from one signed delivery. */
export const MIN_WEBHOOK_SECRET_CHARS = 16;

/**
 * A signing or verifying call got options that would make the signature meaningless: an empty or
 * short secret (anyone could sign), or a tolerance that is not a finite number of seconds >= 0
 * (the replay check would be off). Thrown, not answered with `false`, so a misconfigured receiver
 * fails at its first request instead of quietly refusing (or accepting) everything.
 */
export class WebhookSignatureOptionsError extends RangeError {
  override readonly name = 'WebhookSignatureOptionsError';
}

function checkSecrets(secrets: readonly unknown[], field: string): void {
  if (secrets.length === 0)
    throw new WebhookSignatureOptionsError(`${field} must hold at least one key: pass the signingSecret`);
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_WEBHOOK_SECRET_CHARS) {
      throw new WebhookSignatureOptionsError(
        `${field} must be a string of at least ${MIN_WEBHOOK_SECRET_CHARS} characters: ` +
          'pass the signingSecret of the relay destination (is its environment variable set?)',
      );
    }
  }
}

function checkTolerance(toleranceSeconds: number): number {
  if (typeof toleranceSeconds !== 'number' || !Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    throw new WebhookSignatureOptionsError(
      `toleranceSeconds must be a finite number of seconds >= 0, got ${String(toleranceSeconds)}: ` +
        `leave it out for the default ${DEFAULT_SIGNATURE_TOLERANCE_SECONDS}`,
    );
  }
  return toleranceSeconds;
}

/** The raw request body exactly as sent: a string (UTF-8) or the received bytes. */
export type RawBody = string | Uint8Array;

/** Hex HMAC-SHA256 of `<timestamp>.<body>` under `secret`: one `v1` value. */
export function webhookSignature(secret: string, timestampSeconds: number, body: RawBody): string {
  return createHmac('sha256', secret)
    .update(`${timestampSeconds}.`, 'utf8')
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest('hex');
}

/** Inputs of {@link signWebhookPayload}. */
export interface SignWebhookInput {
  readonly body: RawBody;
  /** Keys to sign with, current first; each adds a `v1=`. */
  readonly secrets: readonly string[];
  /** Epoch ms of the delivery attempt. */
  readonly nowMs: number;
}

/** The {@link WEBHOOK_SIGNATURE_HEADER} value for a delivery sent now. */
export function signWebhookPayload(input: SignWebhookInput): string {
  checkSecrets(input.secrets, 'signWebhookPayload: secrets');
  const timestampSeconds = Math.floor(input.nowMs / 1000);
  const signatures = input.secrets.map(
    (secret) => `v1=${webhookSignature(secret, timestampSeconds, input.body)}`,
  );
  return [`t=${timestampSeconds}`, ...signatures].join(',');
}

/** Inputs of {@link verifyWebhookSignature}: what the receiver got and the key(s) it shares. */
export interface VerifyWebhookInput {
  /** The {@link WEBHOOK_SIGNATURE_HEADER} value (undefined or null when the header is missing). */
  readonly header: string | null | undefined;
  /** The raw body as received, before any JSON parsing (re-serialised JSON does not verify). */
  readonly body: RawBody;
  /**
   * The shared key ({@link MIN_WEBHOOK_SECRET_CHARS}+ characters); during a rotation, the receiver
   * may pass the old and the new one.
   */
  readonly secret: string | readonly string[];
  /** Allowed clock difference between sender and receiver, seconds (finite, >= 0); default 300. */
  readonly toleranceSeconds?: number;
  /** The receiver's clock, epoch ms; default `Date.now()`. */
  readonly nowMs?: number;
}

/** Why a signature did not verify. */
export const SignatureProblem = {
  /** No header. */
  Missing: 'missing',
  /** The header is not `t=<seconds>,v1=<hex>...`. */
  Malformed: 'malformed',
  /** The timestamp is outside the tolerance: a replay, or clocks far apart. */
  Expired: 'expired',
  /** No `v1` matches: wrong key, or the body was changed. */
  Mismatch: 'mismatch',
} as const;
export type SignatureProblem = (typeof SignatureProblem)[keyof typeof SignatureProblem];

/** The verdict of {@link checkWebhookSignature}. */
export type SignatureCheck =
  | { readonly valid: true; readonly timestampSeconds: number }
  | { readonly valid: false; readonly problem: SignatureProblem };

/**
 * Checks a delivery's signature and says why it fails, for receivers that log refusals.
 * Comparisons run in constant time ({@link timingSafeEqual}). Throws
 * {@link WebhookSignatureOptionsError} for an empty or short secret or a tolerance that is not a
 * finite number >= 0: those would turn the check (or its replay window) off.
 */
export function checkWebhookSignature(input: VerifyWebhookInput): SignatureCheck {
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  checkSecrets(Array.isArray(secrets) ? secrets : [secrets], 'secret');
  const toleranceSeconds = checkTolerance(input.toleranceSeconds ?? DEFAULT_SIGNATURE_TOLERANCE_SECONDS);
  const header = input.header?.trim();
  if (!header) return { valid: false, problem: SignatureProblem.Missing };
  let timestampSeconds: number | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator <= 0) return { valid: false, problem: SignatureProblem.Malformed };
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestampSeconds !== undefined) {
        return { valid: false, problem: SignatureProblem.Malformed };
      }
      timestampSeconds = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(value)) return { valid: false, problem: SignatureProblem.Malformed };
      candidates.push(Buffer.from(value, 'hex'));
    }
    // Other schemes (a future v2) are ignored, so senders can add them without breaking receivers.
  }
  if (timestampSeconds === undefined || candidates.length === 0) {
    return { valid: false, problem: SignatureProblem.Malformed };
  }
  const nowSeconds = (input.nowMs ?? Date.now()) / 1000;
  if (Math.abs(nowSeconds - timestampSeconds) > toleranceSeconds) {
    return { valid: false, problem: SignatureProblem.Expired };
  }
  let matched = false;
  for (const secret of secrets) {
    const expected = Buffer.from(webhookSignature(secret, timestampSeconds, input.body), 'hex');
    // Every candidate is compared, so timing says nothing about which one matched.
    for (const candidate of candidates) {
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true;
    }
  }
  return matched ? { valid: true, timestampSeconds } : { valid: false, problem: SignatureProblem.Mismatch };
}

/**
 * True when a generic webhook delivery is authentic and fresh: the header carries a `v1`
 * HMAC-SHA256 of `<t>.<raw body>` under the shared secret, and `t` is within
 * `toleranceSeconds` of the receiver's clock. Receivers answer 401 when it is false.
 */
export function verifyWebhookSignature(input: VerifyWebhookInput): boolean {
  return checkWebhookSignature(input).valid;
}
