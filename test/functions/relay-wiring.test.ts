import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRelayHandler } from '../../functions/relay-handler';
import { relayDepsFromEnv } from '../../functions/relay-wiring';
import { RELAY_ENV } from '../../shared/relay/contract';
import { RelayConfigError } from '../../shared/relay/destinations';
import { sampleEvent } from '../shared/publish/fixtures';
import { type Receiver, startSlackReceiver, startWebhookReceiver } from '../shared/relay/receivers';
import { type CapturedOutput, captureOutput, lambdaContext, snsEvent } from './relay-support';

const SECRET_ID = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:geminidb-relay-AbCdEf';
const SIGNING_SECRET = 'whsec_wiring_0123456789abcdef';
const DESTINATIONS = JSON.stringify([
  { name: 'ops-slack', kind: 'slack', filter: { types: ['failed'] } },
  { name: 'automation', kind: 'webhook', maxAttempts: 2 },
]);

const secretsManager = mockClient(SecretsManagerClient);
let slack: Receiver;
let webhook: Receiver;
let output: CapturedOutput;
beforeEach(async () => {
  secretsManager.reset();
  [slack, webhook] = await Promise.all([startSlackReceiver(), startWebhookReceiver(SIGNING_SECRET)]);
  output = captureOutput();
});
afterEach(async () => {
  output.restore();
  await Promise.all([slack.close(), webhook.close()]);
});

function env(extra: Record<string, string | undefined> = {}) {
  return {
    [RELAY_ENV.destinations]: DESTINATIONS,
    [RELAY_ENV.secretId]: SECRET_ID,
    [RELAY_ENV.allowLocalDestinations]: 'true',
    ...extra,
  };
}

function secretText(): string {
  return JSON.stringify({
    destinations: {
      'ops-slack': { url: slack.url },
      automation: { url: webhook.url, signingSecret: SIGNING_SECRET },
    },
  });
}

describe('relayDepsFromEnv', () => {
  it('reads the destinations from the environment with defaults applied', () => {
    const deps = relayDepsFromEnv(env(), {
      secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
    });
    expect(deps.destinations).toEqual([
      { name: 'ops-slack', kind: 'slack', filter: { types: ['failed'] }, timeoutMs: 5_000, maxAttempts: 4 },
      { name: 'automation', kind: 'webhook', timeoutMs: 5_000, maxAttempts: 2 },
    ]);
  });

  it.each<[string, Record<string, string | undefined>, RegExp]>([
    ['no destinations', { [RELAY_ENV.destinations]: undefined }, /WATCHER_RELAY_DESTINATIONS: is required/],
    [
      'destinations that are not JSON',
      { [RELAY_ENV.destinations]: '[{' },
      /WATCHER_RELAY_DESTINATIONS: is not valid JSON/,
    ],
    ['an empty list', { [RELAY_ENV.destinations]: '[]' }, /WATCHER_RELAY_DESTINATIONS: lists no destination/],
    [
      'a bad destination',
      { [RELAY_ENV.destinations]: '[{"name":"a","kind":"fax"}]' },
      /WATCHER_RELAY_DESTINATIONS\.0\.kind/,
    ],
    ['no secret id', { [RELAY_ENV.secretId]: ' ' }, /WATCHER_RELAY_SECRET_ID: is required/],
    [
      'a bad max age',
      { [RELAY_ENV.secretMaxAgeSeconds]: 'soon' },
      /WATCHER_RELAY_SECRET_MAX_AGE_SECONDS: must be a number/,
    ],
  ])('fails fast on %s, naming the variable', (_case, extra, message) => {
    expect(() => relayDepsFromEnv(env(extra))).toThrow(RelayConfigError);
    expect(() => relayDepsFromEnv(env(extra))).toThrow(message);
  });

  it('reads the secret once and caches it for the max age', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: secretText() });
    const deps = relayDepsFromEnv(env(), {
      secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
    });
    const first = await deps.readSecret();
    const second = await deps.readSecret();
    expect(second).toBe(first);
    expect(first.destinations['ops-slack']?.url).toBe(slack.url);
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(secretsManager.commandCalls(GetSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: SECRET_ID,
    });
  });

  it('explains an empty or invalid secret without repeating its content', async () => {
    secretsManager
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretBinary: new Uint8Array([1]) })
      .resolves({
        SecretString: JSON.stringify({
          destinations: { 'ops-slack': { url: 'http://hooks.example/XXsecretXX' } },
        }),
      });
    const client = new SecretsManagerClient({ region: 'eu-west-1' });
    const empty = relayDepsFromEnv(env({ [RELAY_ENV.secretMaxAgeSeconds]: '0' }), { secretsManager: client });
    await expect(empty.readSecret()).rejects.toThrow(/has no string value: put \{"destinations"/);
    const invalid = relayDepsFromEnv(env({ [RELAY_ENV.secretMaxAgeSeconds]: '0' }), {
      secretsManager: client,
    });
    const error = await invalid.readSecret().then(
      () => undefined,
      (caught: Error) => caught,
    );
    expect(error?.message).toMatch(/destinations\.ops-slack\.url: must be an https:\/\/ URL/);
    expect(error?.message).not.toContain('XXsecretXX');
  });

  it('wires a handler that delivers with the URLs from the secret', async () => {
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: secretText() });
    const deps = relayDepsFromEnv(env(), {
      secretsManager: new SecretsManagerClient({ region: 'eu-west-1' }),
    });
    const summary = await createRelayHandler(deps)(snsEvent([sampleEvent('failed')]), lambdaContext());
    expect(summary.delivered).toHaveLength(2);
    expect(slack.accepted).toHaveLength(1);
    expect(webhook.accepted).toHaveLength(1);
  });
});

describe('finding 10: the relay refuses local destinations unless its environment allows them', () => {
  it('refuses a loopback destination when WATCHER_RELAY_ALLOW_LOCAL_DESTINATIONS is not set', async () => {
    const client = new SecretsManagerClient({ region: 'eu-west-1' });
    const mock = mockClient(client);
    mock.on(GetSecretValueCommand).resolves({ SecretString: secretText() });
    const deps = relayDepsFromEnv(env({ [RELAY_ENV.allowLocalDestinations]: undefined }), {
      secretsManager: client,
    });
    await expect(deps.readSecret()).rejects.toThrow(
      /destinations\.ops-slack\.url: must be an https:\/\/ URL/,
    );
    mock.restore();
  });
});
