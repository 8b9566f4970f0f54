import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkWebhookSignature,
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
  MIN_WEBHOOK_SECRET_CHARS,
  SignatureProblem,
  signWebhookPayload,
  verifyWebhookSignature,
  WebhookSignatureOptionsError,
  webhookSignature,
} from '../../../shared/relay/webhook-signature';

const SECRET = 'whsec_0123456789abcdef0123456789';
const BODY = '{"specversion":"1.0","id":"e1","data":{"job":{"name":"Sauvegarde été"}}}';
const NOW_MS = 1_694_508_541_250;

describe('webhookSignature', () => {
  it('is the hex HMAC-SHA256 of "<t>.<body>" under the secret, as a receiver computes it by hand', () => {
    const expected = createHmac('sha256', SECRET).update(`1694508541.${BODY}`).digest('hex');
    expect(webhookSignature(SECRET, 1_694_508_541, BODY)).toBe(expected);
  });

  it('signs the same bytes whether the body is a string or the received buffer', () => {
    expect(webhookSignature(SECRET, 1, Buffer.from(BODY, 'utf8'))).toBe(webhookSignature(SECRET, 1, BODY));
  });
});

describe('signWebhookPayload', () => {
  it('writes t=<unix seconds>,v1=<hex>', () => {
    const header = signWebhookPayload({ body: BODY, secrets: [SECRET], nowMs: NOW_MS });
    expect(header).toBe(`t=1694508541,v1=${webhookSignature(SECRET, 1_694_508_541, BODY)}`);
  });

  it('adds one v1 per key while a key is rotated', () => {
    const header = signWebhookPayload({
      body: BODY,
      secrets: [SECRET, 'old-secret-0123456789'],
      nowMs: NOW_MS,
    });
    expect(header.split(',')).toHaveLength(3);
    expect(
      verifyWebhookSignature({ header, body: BODY, secret: 'old-secret-0123456789', nowMs: NOW_MS }),
    ).toBe(true);
  });

  it('refuses to sign without a key', () => {
    expect(() => signWebhookPayload({ body: BODY, secrets: [], nowMs: NOW_MS })).toThrow(RangeError);
  });
});

describe('verifyWebhookSignature', () => {
  const header = signWebhookPayload({ body: BODY, secrets: [SECRET], nowMs: NOW_MS });

  it('accepts the untouched body with the shared secret', () => {
    expect(verifyWebhookSignature({ header, body: BODY, secret: SECRET, nowMs: NOW_MS })).toBe(true);
  });

  it('accepts when one of several receiver keys matches (rotation on the receiver side)', () => {
    expect(
      verifyWebhookSignature({
        header,
        body: BODY,
        secret: ['another-key-0123456789', SECRET],
        nowMs: NOW_MS,
      }),
    ).toBe(true);
  });

  it.each<[string, Partial<Parameters<typeof checkWebhookSignature>[0]>, SignatureProblem]>([
    ['a missing header', { header: undefined }, SignatureProblem.Missing],
    ['an empty header', { header: '  ' }, SignatureProblem.Missing],
    ['a header without v1', { header: 't=1694508541' }, SignatureProblem.Malformed],
    ['a header without t', { header: `v1=${'a'.repeat(64)}` }, SignatureProblem.Malformed],
    ['a v1 that is not 64 hex digits', { header: 't=1694508541,v1=abc' }, SignatureProblem.Malformed],
    ['a non-numeric timestamp', { header: `t=soon,v1=${'a'.repeat(64)}` }, SignatureProblem.Malformed],
    ['two timestamps', { header: `t=1,t=2,v1=${'a'.repeat(64)}` }, SignatureProblem.Malformed],
    ['a part without =', { header: `t=1694508541,v1${'a'.repeat(64)}` }, SignatureProblem.Malformed],
    ['a changed body', { body: BODY.replace('été', 'ete') }, SignatureProblem.Mismatch],
    ['a re-serialised body', { body: JSON.stringify(JSON.parse(BODY), null, 2) }, SignatureProblem.Mismatch],
    ['the wrong secret', { secret: 'not-the-secret-0123456789' }, SignatureProblem.Mismatch],
    [
      'a timestamp too old',
      { nowMs: NOW_MS + (DEFAULT_SIGNATURE_TOLERANCE_SECONDS + 1) * 1000 },
      SignatureProblem.Expired,
    ],
    [
      'a timestamp too far ahead',
      { nowMs: NOW_MS - (DEFAULT_SIGNATURE_TOLERANCE_SECONDS + 1) * 1000 },
      SignatureProblem.Expired,
    ],
    ['a smaller tolerance', { nowMs: NOW_MS + 61_000, toleranceSeconds: 60 }, SignatureProblem.Expired],
  ])('refuses %s', (_case, change, problem) => {
    const input = { header, body: BODY, secret: SECRET, nowMs: NOW_MS, ...change };
    expect(checkWebhookSignature(input)).toEqual({ valid: false, problem });
    expect(verifyWebhookSignature(input)).toBe(false);
  });

  it('accepts a timestamp at the edge of the tolerance and ignores unknown schemes', () => {
    const withV2 = `${header},v2=future`;
    const nowMs = NOW_MS + DEFAULT_SIGNATURE_TOLERANCE_SECONDS * 1000 - 500;
    expect(checkWebhookSignature({ header: withV2, body: BODY, secret: SECRET, nowMs })).toEqual({
      valid: true,
      timestampSeconds: 1_694_508_541,
    });
  });

  it('accepts a header where any of several v1 values matches', () => {
    const other = signWebhookPayload({ body: BODY, secrets: ['another-key-0123456789'], nowMs: NOW_MS });
    const mixed = `${other},v1=${header.split('v1=')[1]}`;
    expect(verifyWebhookSignature({ header: mixed, body: BODY, secret: SECRET, nowMs: NOW_MS })).toBe(true);
  });
});

describe('finding 3: verifyWebhookSignature refuses options that turn the check off', () => {
  const header = signWebhookPayload({ body: BODY, secrets: [SECRET], nowMs: NOW_MS });

  it.each<[string, string | readonly string[]]>([
    ['an empty secret', ''],
    ['a short secret', 'short-secret'],
    ['no secret at all', []],
    ['a rotation list with an empty key', [SECRET, '']],
  ])('throws WebhookSignatureOptionsError for %s', (_case, secret) => {
    const input = { header, body: BODY, secret, nowMs: NOW_MS };
    expect(() => verifyWebhookSignature(input)).toThrow(WebhookSignatureOptionsError);
    expect(() => checkWebhookSignature(input)).toThrow(
      new RegExp(`at least (one key|${MIN_WEBHOOK_SECRET_CHARS} characters)`),
    );
  });

  it('refuses an empty secret even for a header signed with that empty secret', () => {
    const forged = `t=${Math.floor(NOW_MS / 1000)},v1=${webhookSignature('', Math.floor(NOW_MS / 1000), BODY)}`;
    expect(() => verifyWebhookSignature({ header: forged, body: BODY, secret: '', nowMs: NOW_MS })).toThrow(
      WebhookSignatureOptionsError,
    );
  });

  it.each([Number.POSITIVE_INFINITY, Number.NaN, -1])(
    'throws WebhookSignatureOptionsError for toleranceSeconds %s, naming the field',
    (toleranceSeconds) => {
      const input = {
        header,
        body: BODY,
        secret: SECRET,
        nowMs: NOW_MS + 10 * 365 * 86_400_000,
        toleranceSeconds,
      };
      expect(() => verifyWebhookSignature(input)).toThrow(
        /toleranceSeconds must be a finite number of seconds >= 0/,
      );
    },
  );

  it('refuses to sign with an empty or short key', () => {
    expect(() => signWebhookPayload({ body: BODY, secrets: [''], nowMs: NOW_MS })).toThrow(
      WebhookSignatureOptionsError,
    );
    expect(() => signWebhookPayload({ body: BODY, secrets: ['short'], nowMs: NOW_MS })).toThrow(
      WebhookSignatureOptionsError,
    );
  });
});
