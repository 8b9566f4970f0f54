import { describe, expect, it } from 'vitest';
import { TargetsPayloadError, targetsForEvent } from '../../functions/poll-targets';
import { parseWatcherConfig } from '../../infra/config';
import { parsePollCommand } from '../../local/poll-command';
import { ConfigError, settingsFromEnv } from '../../shared/config';
import { HUAWEI_CLOUD_REGIONS, isHuaweiCloudRegion, nearestRegions } from '../../shared/regions';
import { defaultEndpoint } from '../../shared/target';

const TYPO = 'ap-southest';
const TYPO_MESSAGE =
  '"ap-southest" is not a Huawei Cloud region (nearest: ap-southeast-1, ap-southeast-2, ap-southeast-3); ' +
  'use the region of the GeminiDB project, or give the target an endpoint';
const AWS_MESSAGE =
  '"us-east-1" is not a Huawei Cloud region (nearest: me-east-1, cn-east-2, cn-east-3); ' +
  'use the region of the GeminiDB project, or give the target an endpoint';

describe('HUAWEI_CLOUD_REGIONS', () => {
  it.each([
    'af-south-1',
    'ap-southeast-1',
    'ap-southeast-2',
    'ap-southeast-3',
    'ap-southeast-4',
    'cn-east-3',
    'cn-north-4',
    'eu-west-101',
    'la-south-2',
    'me-east-1',
    'sa-brazil-1',
    'tr-west-1',
  ])('knows %s', (region) => {
    expect(isHuaweiCloudRegion(region)).toBe(true);
  });

  it.each(['ap-southest', 'us-east-1', 'eu-central-1', 'toString', '__proto__', ''])(
    'does not know %j',
    (region) => {
      expect(isHuaweiCloudRegion(region)).toBe(false);
    },
  );

  it('puts every region on myhuaweicloud.com except eu-west-101 on myhuaweicloud.eu', () => {
    const domains = Object.entries(HUAWEI_CLOUD_REGIONS);
    expect(domains.filter(([, domain]) => domain !== 'myhuaweicloud.com')).toEqual([
      ['eu-west-101', 'myhuaweicloud.eu'],
    ]);
    expect(defaultEndpoint('eu-west-101')).toBe('https://gaussdb-nosql.eu-west-101.myhuaweicloud.eu');
    expect(defaultEndpoint('la-south-2')).toBe('https://gaussdb-nosql.la-south-2.myhuaweicloud.com');
  });
});

describe('nearestRegions', () => {
  it.each([
    ['ap-southest', ['ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3']],
    ['ap-southeast-9', ['ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3']],
    ['cn-nort-4', ['cn-north-4', 'cn-north-1', 'cn-north-2']],
    ['eu-west-1', ['eu-west-101', 'tr-west-1', 'me-east-1']],
    ['la-south-1', ['la-south-2', 'af-south-1', 'cn-south-1']],
  ])('suggests the closest names for %s', (region, expected) => {
    expect(nearestRegions(region)).toEqual(expected);
  });
});

describe('an unknown region, wherever targets are validated', () => {
  it.each([
    [
      { targets: [{ region: TYPO, projectId: 'p1' }] },
      `watcher.config.json: targets[0].region: ${TYPO_MESSAGE}`,
    ],
    [
      {
        targets: [
          { region: 'ap-southeast-1', projectId: 'p1' },
          { region: 'us-east-1', projectId: 'p2' },
        ],
      },
      `watcher.config.json: targets[1].region: ${AWS_MESSAGE}`,
    ],
    [
      { targets: [{ region: 'Tokyo', projectId: 'p1' }] },
      'watcher.config.json: targets[0].region: must look like a Huawei Cloud region such as ap-southeast-1',
    ],
    [
      { targets: [{ region: 'ap-southest', projectId: 'p 1' }] },
      'watcher.config.json: targets[0].projectId: must be a project id (letters, digits, - and _, at most 64)\n' +
        `watcher.config.json: targets[0].region: ${TYPO_MESSAGE}`,
    ],
  ])('is an error naming the config field: %j', (raw, message) => {
    expect(() => parseWatcherConfig(raw)).toThrow(new ConfigError(message));
  });

  it.each([
    [[{ region: TYPO, projectId: 'p1' }], `WATCHER_TARGETS[0][region]: ${TYPO_MESSAGE}`],
    [[{ region: 'us-east-1', projectId: 'p1' }], `WATCHER_TARGETS[0][region]: ${AWS_MESSAGE}`],
  ])('is an error naming the variable in WATCHER_TARGETS=%j', (targets, message) => {
    expect(() => settingsFromEnv({ WATCHER_TARGETS: JSON.stringify(targets) })).toThrow(
      new ConfigError(`Invalid configuration: ${message}`),
    );
  });

  it.each([
    [{ targets: [{ region: TYPO, projectId: 'p1' }] }, `targets[0].region: ${TYPO_MESSAGE}`],
    [{ targets: [{ region: 'us-east-1', projectId: 'p1' }] }, `targets[0].region: ${AWS_MESSAGE}`],
  ])('refuses the poll event %j naming the field', (event, message) => {
    const sources = { configured: [], allowedEndpoints: [] };
    expect(() => targetsForEvent(event, sources)).toThrow(TargetsPayloadError);
    expect(() => targetsForEvent(event, sources)).toThrow(`Invalid poll event: ${message} (`);
  });

  it.each([
    [['--region', TYPO, '--project-id', 'p1'], `--region (or HUAWEICLOUD_SDK_REGION): ${TYPO_MESSAGE}`],
    [['--target', 'ap-southeast-1/p1', '--target', 'us-east-1/p2'], `--target #2 region: ${AWS_MESSAGE}`],
  ])('is a configuration error of the CLI for %j', (args, message) => {
    expect(() => parsePollCommand(['--once', ...args], {})).toThrow(
      new ConfigError(`Invalid configuration: ${message}`),
    );
  });
});

describe('a region the list does not know, with its own endpoint', () => {
  const target = {
    region: 'xx-private-1',
    projectId: 'p1',
    endpoint: 'https://gaussdb-nosql.example.internal',
  };

  it('passes in the config file, WATCHER_TARGETS, the poll event and the CLI', () => {
    expect(parseWatcherConfig({ targets: [target] }).targets).toEqual([target]);
    expect(settingsFromEnv({ WATCHER_TARGETS: JSON.stringify([target]) }).targets).toEqual([target]);
    expect(
      targetsForEvent({ targets: [target] }, { configured: [], allowedEndpoints: [target.endpoint] }).targets,
    ).toEqual([target]);
    expect(
      parsePollCommand(['--once', '--target', `xx-private-1/p1@${target.endpoint}`], {}).settings.targets,
    ).toEqual([target]);
  });
});
