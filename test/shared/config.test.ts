import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULT_FAST_POLL_SECONDS,
  DEFAULT_LEASE_SECONDS,
  lambdaSettingsFromEnv,
  parseSettings,
  settingsFromEnv,
} from '../../shared/config';

const TARGETS = JSON.stringify([{ region: 'ap-southeast-1', projectId: 'p1' }]);

describe('settingsFromEnv', () => {
  it('fills the defaults around WATCHER_TARGETS', () => {
    const settings = settingsFromEnv({ WATCHER_TARGETS: TARGETS });
    expect(settings).toMatchObject({
      targets: [{ region: 'ap-southeast-1', projectId: 'p1' }],
      leaseSeconds: DEFAULT_LEASE_SECONDS,
      fastPollSeconds: DEFAULT_FAST_POLL_SECONDS,
      pageSize: 50,
      stalledAfterSeconds: {},
      announceBaseline: false,
    });
  });

  // zod/mini loads no locale: these are the English messages classic zod gave, word for word.
  it.each([
    [{ WATCHER_LEASE_SECONDS: '5' }, 'WATCHER_LEASE_SECONDS: Too small: expected number to be >=10'],
    [{ WATCHER_PAGE_SIZE: '25' }, 'WATCHER_PAGE_SIZE: Invalid input'],
    [
      { WATCHER_FAST_POLL_SECONDS: 'soon' },
      'WATCHER_FAST_POLL_SECONDS: Invalid input: expected number, received string',
    ],
    [
      { WATCHER_STALLED_AFTER_SECONDS: '{"Backup": 0}' },
      'WATCHER_STALLED_AFTER_SECONDS[Backup]: Too small: expected number to be >0',
    ],
    [
      { WATCHER_TARGETS: '[{"region": "ap-southeast-1"}]' },
      'WATCHER_TARGETS[0][projectId]: Invalid input: expected string, received undefined',
    ],
    [{ WATCHER_TARGETS: '[]' }, 'WATCHER_TARGETS: needs at least one target'],
    [
      { WATCHER_TARGETS: '[{"region": "ap-southeast-1", "projectId": "p1", "x": 1}]' },
      'WATCHER_TARGETS[0]: Unrecognized key: "x"',
    ],
  ])('names the variable and says in English what is wrong with %j', (env, message) => {
    expect(() => settingsFromEnv({ WATCHER_TARGETS: TARGETS, ...env })).toThrow(
      new ConfigError(`Invalid configuration: ${message}`),
    );
  });

  it('lets the Lambda start without WATCHER_TARGETS (the schedule input carries them)', () => {
    expect(lambdaSettingsFromEnv({}).targets).toEqual([]);
    expect(() => lambdaSettingsFromEnv({ WATCHER_LEASE_SECONDS: '4000' })).toThrow(
      new ConfigError('Invalid configuration: WATCHER_LEASE_SECONDS: Too big: expected number to be <=3600'),
    );
  });
});

describe('parseSettings', () => {
  it('renders paths with the given field names', () => {
    expect(() => parseSettings({ targets: [] }, (path) => `--${path.join('.')}`)).toThrow(
      new ConfigError('Invalid configuration: --targets: needs at least one target'),
    );
  });
});

describe('finding 4: a target endpoint is checked at run time as by the clients', () => {
  const withEndpoint = (endpoint: string) =>
    JSON.stringify([{ region: 'ap-southeast-1', projectId: 'p1', endpoint }]);

  it.each([
    ['http://gaussdb-nosql.ap-southeast-1.myhuaweicloud.com', 'must be an https:// URL (plain http://'],
    ['https://user:pw@gaussdb.example.test', 'must not carry user info'],
    ['https://gaussdb.example.test/?x=1', 'must not carry a query string'],
    ['https://gaussdb.example.test/#x', 'must not carry a fragment'],
  ])('refuses %s in WATCHER_TARGETS, naming the field', (endpoint, problem) => {
    expect(() => settingsFromEnv({ WATCHER_TARGETS: withEndpoint(endpoint) })).toThrow(
      `Invalid configuration: WATCHER_TARGETS[0][endpoint]: ${problem}`,
    );
  });

  it('accepts plain http to a loopback host, for local runs', () => {
    const settings = settingsFromEnv({ WATCHER_TARGETS: withEndpoint('http://127.0.0.1:4010') });
    expect(settings.targets[0]?.endpoint).toBe('http://127.0.0.1:4010');
  });
});
