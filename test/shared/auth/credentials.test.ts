import { describe, expect, it } from 'vitest';
import {
  authenticatorFor,
  CredentialsDocumentError,
  credentialsFor,
  parseCredentialsDocument,
} from '../../../shared/auth/credentials';

const target = { region: 'eu-west-101', projectId: 'p1' };

describe('parseCredentialsDocument', () => {
  it('reads shared variables and per-target overrides', () => {
    const document = parseCredentialsDocument(
      JSON.stringify({
        HUAWEICLOUD_SDK_AK: 'AK',
        HUAWEICLOUD_SDK_SK: 'SK',
        targets: { 'eu-west-101/p1': { HUAWEICLOUD_AUTH_TOKEN: 'T' } },
      }),
    );
    expect(credentialsFor(document, target)).toEqual({ HUAWEICLOUD_AUTH_TOKEN: 'T' });
    expect(credentialsFor(document, { region: 'ap-southeast-1', projectId: 'p2' })).toEqual({
      HUAWEICLOUD_SDK_AK: 'AK',
      HUAWEICLOUD_SDK_SK: 'SK',
    });
  });

  it.each([
    ['not JSON', 'HUAWEICLOUD_SDK_SK=very-secret-value', /is not JSON/],
    [
      'a bad targets field',
      JSON.stringify({ targets: { 'a/b': { HUAWEICLOUD_SDK_SK: 42 } }, X: 'very-secret-value' }),
      /invalid fields: targets\.a\/b\.HUAWEICLOUD_SDK_SK/,
    ],
  ])('fails on %s with a message that never quotes the secret', (_name, secret, message) => {
    const error = (() => {
      try {
        parseCredentialsDocument(secret);
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('expected a CredentialsDocumentError');
    })();
    expect(error).toBeInstanceOf(CredentialsDocumentError);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('very-secret-value');
  });
});

describe('authenticatorFor', () => {
  it('picks the mode from the variables that apply to the target', () => {
    expect(authenticatorFor({ HUAWEICLOUD_AUTH_TOKEN: 'T' }, target).kind).toBe('token');
    expect(authenticatorFor({ HUAWEICLOUD_SDK_AK: 'AK', HUAWEICLOUD_SDK_SK: 'SK' }, target).kind).toBe(
      'aksk',
    );
  });
});
