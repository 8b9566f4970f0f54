import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DELIVERY_ATTEMPTS,
  DEFAULT_DELIVERY_TIMEOUT_MS,
  DestinationSecretMissingError,
  destinationSecrets,
  destinationUrlProblem,
  parseDestinations,
  parseRelaySecret,
  RelayConfigError,
} from '../../../shared/relay/destinations';

const SLACK_URL = 'https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX';

describe('parseDestinations', () => {
  it('applies defaults and stores filter types as suffixes', () => {
    const [destination] = parseDestinations([
      {
        name: 'ops-slack',
        kind: 'slack',
        filter: { types: ['failed', 'com.huaweicloud.geminidb.job.stalled'] },
      },
    ]);
    expect(destination).toEqual({
      name: 'ops-slack',
      kind: 'slack',
      filter: { types: ['failed', 'stalled'] },
      timeoutMs: DEFAULT_DELIVERY_TIMEOUT_MS,
      maxAttempts: DEFAULT_DELIVERY_ATTEMPTS,
    });
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown kind', [{ name: 'a', kind: 'discord' }], /where\.0\.kind: must be slack, teams or webhook/],
    [
      'a name that is no metric dimension',
      [{ name: 'ops slack', kind: 'slack' }],
      /where\.0\.name: must be 1-64/,
    ],
    [
      'a name used twice',
      [
        { name: 'a', kind: 'slack' },
        { name: 'a', kind: 'teams' },
      ],
      /where\.1\.name: "a" is used twice/,
    ],
    [
      'an unknown type',
      [{ name: 'a', kind: 'slack', filter: { types: ['exploded'] } }],
      /filter\.types\.0: must be one of started/,
    ],
    [
      'an empty filter list',
      [{ name: 'a', kind: 'slack', filter: { statuses: [] } }],
      /filter\.statuses: must list at least one value/,
    ],
    [
      'an unknown filter field',
      [{ name: 'a', kind: 'slack', filter: { region: ['x'] } }],
      /filter: Unrecognized key/,
    ],
    [
      'a URL in the non-secret part',
      [{ name: 'a', kind: 'slack', url: SLACK_URL }],
      /where\.0: Unrecognized key: "url"/,
    ],
    ['too many attempts', [{ name: 'a', kind: 'slack', maxAttempts: 50 }], /where\.0\.maxAttempts/],
    ['not a list', { name: 'a' }, /where: /],
  ])('refuses %s, naming the field', (_case, raw, message) => {
    expect(() => parseDestinations(raw, 'where')).toThrow(RelayConfigError);
    expect(() => parseDestinations(raw, 'where')).toThrow(message);
  });
});

describe('parseRelaySecret', () => {
  it('reads URLs and signing secrets by destination name', () => {
    const secret = parseRelaySecret(
      JSON.stringify({
        destinations: {
          'ops-slack': { url: SLACK_URL },
          hook: { url: 'http://127.0.0.1:9/x', signingSecret: 's'.repeat(32) },
        },
      }),
      'the relay secret',
      { allowLocalDestinations: true },
    );
    expect(Object.keys(secret.destinations)).toEqual(['ops-slack', 'hook']);
  });

  it.each<[string, string, RegExp]>([
    ['text that is not JSON', `{"destinations": {"a": {"url": "${SLACK_URL}"`, /is not JSON/],
    [
      'an http URL off loopback',
      JSON.stringify({ destinations: { a: { url: SLACK_URL.replace('https', 'http') } } }),
      /secret\.destinations\.a\.url: must be an https:\/\/ URL/,
    ],
    [
      'a URL that is not one',
      JSON.stringify({ destinations: { a: { url: `not a url ${SLACK_URL}` } } }),
      /must be an https/,
    ],
    [
      'a short signing secret',
      JSON.stringify({ destinations: { a: { url: SLACK_URL, signingSecret: 'XXXXsecretXXXX' } } }),
      /signingSecret: must be at least 16/,
    ],
    [
      'a misspelled field',
      JSON.stringify({ destinations: { a: { uri: SLACK_URL } } }),
      /Unrecognized key: "uri"/,
    ],
  ])('refuses %s without repeating any value', (_case, text, message) => {
    let caught: unknown;
    try {
      parseRelaySecret(text, 'relay secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:relay');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RelayConfigError);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain('XXXXsecretXXXX');
  });
});

describe('destinationSecrets', () => {
  const secret = parseRelaySecret(
    JSON.stringify({
      destinations: {
        'ops-slack': { url: SLACK_URL },
        hook: {
          url: 'https://example.com/h',
          signingSecret: 'n'.repeat(32),
          previousSigningSecret: 'o'.repeat(32),
        },
        unsigned: { url: 'https://example.com/u' },
      },
    }),
  );
  const config = (name: string, kind: 'slack' | 'webhook') => parseDestinations([{ name, kind }])[0] as never;

  it('gives a chat destination its URL and no keys', () => {
    expect(destinationSecrets(secret, config('ops-slack', 'slack'))).toEqual({
      url: SLACK_URL,
      signingSecrets: [],
    });
  });

  it('gives a webhook its current key first, then the previous one', () => {
    expect(destinationSecrets(secret, config('hook', 'webhook')).signingSecrets).toEqual([
      'n'.repeat(32),
      'o'.repeat(32),
    ]);
  });

  it('fails a destination missing from the secret, naming the entry to add', () => {
    expect(() => destinationSecrets(secret, config('teams', 'slack'))).toThrow(DestinationSecretMissingError);
    expect(() => destinationSecrets(secret, config('teams', 'slack'))).toThrow(/"destinations\.teams"/);
  });

  it('fails a webhook without a signing secret', () => {
    expect(() => destinationSecrets(secret, config('unsigned', 'webhook'))).toThrow(/has no signingSecret/);
  });
});

describe('finding 10: the relay secret refuses local and private destinations', () => {
  const secretWith = (url: string) => JSON.stringify({ destinations: { a: { url } } });

  it.each([
    'https://169.254.169.254/latest/meta-data/',
    'https://127.0.0.1:9001/2018-06-01/runtime/invocation/next',
    'https://localhost/hook',
    'https://10.1.2.3/hook',
    'https://172.16.0.1/hook',
    'https://192.168.1.10/hook',
    'https://100.64.0.1/hook',
    'https://0.0.0.0/hook',
    'https://[::1]/hook',
    'https://[fe80::1]/hook',
    'https://[fd00::1]/hook',
    'https://[::ffff:169.254.169.254]/hook',
    'https://0xa9.0xfe.0xa9.0xfe/hook',
    'https://2852039166/hook',
  ])('refuses %s, naming the field and the local flag', (url) => {
    expect(() => parseRelaySecret(secretWith(url))).toThrow(
      /secret\.destinations\.a\.url: must not point at a loopback, private or link-local address .*WATCHER_RELAY_ALLOW_LOCAL_DESTINATIONS=true/,
    );
    expect(() =>
      parseRelaySecret(secretWith(url), 'the relay secret', { allowLocalDestinations: true }),
    ).not.toThrow();
  });

  it('refuses plain http to loopback unless local destinations are allowed', () => {
    expect(() => parseRelaySecret(secretWith('http://127.0.0.1:9/x'))).toThrow(/must be an https:\/\/ URL/);
    expect(() =>
      parseRelaySecret(secretWith('http://10.0.0.1/x'), 'secret', { allowLocalDestinations: true }),
    ).toThrow(/must be an https:\/\/ URL/);
  });

  it.each(['https://hooks.slack.com/services/T/B/X', 'https://8.8.8.8/hook', 'https://[2001:db8::1]/hook'])(
    'accepts the public destination %s',
    (url) => {
      expect(destinationUrlProblem(url)).toBeUndefined();
    },
  );
});
