import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  parseJobEvent,
  verifyWebhookSignature,
  WEBHOOK_SIGNATURE_HEADER,
} from '../../../shared/consumer/index';
import { signWebhookPayload } from '../../../shared/relay/webhook-signature';
import { sampleEvent } from '../publish/fixtures';

describe('the consumer kit (shared/consumer/index.ts)', () => {
  it('gives the webhook signature check and the parser in one import', () => {
    const body = JSON.stringify(sampleEvent('failed'));
    const nowMs = Date.parse('2026-11-30T01:02:03Z');
    const header = signWebhookPayload({ body, secrets: ['s3cret-0123456789abcdef'], nowMs });
    expect(WEBHOOK_SIGNATURE_HEADER).toBe('X-GeminiDB-Signature');
    expect(verifyWebhookSignature({ header, body, secret: 's3cret-0123456789abcdef', nowMs })).toBe(true);
    expect(verifyWebhookSignature({ header, body, secret: 'other-0123456789abcdef', nowMs })).toBe(false);
    expect(parseJobEvent(body).id).toBe(sampleEvent('failed').id);
  });

  it('bundles without the AWS SDK, Powertools or middy (consumers bundle it)', async () => {
    const result = await build({
      entryPoints: [new URL('../../../shared/consumer/index.ts', import.meta.url).pathname],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => /@aws-sdk|@smithy|@aws-lambda-powertools|@middy/.test(input))).toEqual(
      [],
    );
    expect(inputs.some((input) => input.includes('node_modules/zod/'))).toBe(true);
  });
});
