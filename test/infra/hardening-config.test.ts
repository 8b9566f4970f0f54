import { describe, expect, it } from 'vitest';
import { loadWatcherConfig, parseWatcherConfig } from '../../infra/config';
import { ConfigError } from '../../shared/config';

const base = { targets: [{ region: 'ap-southeast-1', projectId: 'p1' }] };
const vpc = { vpcId: 'vpc-0a1b2c3d4e5f67890', subnetIds: ['subnet-0a1b2c3d4e5f67890'] };

describe('watcher config: tags, enabled, hardened', () => {
  it('takes tags, a pause and a hardened VPC', () => {
    const config = parseWatcherConfig({
      ...base,
      tags: { CostCenter: 'dba', 'team:owner': 'db-ops@example.com' },
      enabled: false,
      hardened: { vpc: { ...vpc, securityGroupIds: ['sg-0123456789abcdef0'] } },
      logRetentionDays: 365,
    });
    expect(config.tags).toEqual({ CostCenter: 'dba', 'team:owner': 'db-ops@example.com' });
    expect(config.enabled).toBe(false);
    expect(config.hardened?.vpc.securityGroupIds).toEqual(['sg-0123456789abcdef0']);
  });

  it('loads the shipped hardened example', () => {
    const config = loadWatcherConfig('watcher.config.hardened.example.jsonc');
    expect(config.hardened?.vpc.subnetIds).toHaveLength(2);
    expect(config.logRetentionDays).toBeGreaterThanOrEqual(365);
  });

  it.each([
    [
      'a tag key AWS reserves',
      { ...base, tags: { 'aws:cost': 'x' } },
      'watcher.config.json: tags.aws:cost: tag keys must not start with "aws:" (reserved by AWS)',
    ],
    [
      'a tag value that is not a string',
      { ...base, tags: { Owner: 42 } },
      'watcher.config.json: tags.Owner: tag values must be strings',
    ],
    [
      'a tag value with a character AWS refuses',
      { ...base, tags: { Owner: 'a;b' } },
      'watcher.config.json: tags.Owner: tag values may hold letters, digits, spaces and _ . : / = + - @ only',
    ],
    [
      'more than 50 tags',
      { ...base, tags: Object.fromEntries(Array.from({ length: 51 }, (_, index) => [`k${index}`, 'v'])) },
      'watcher.config.json: tags: AWS allows at most 50 tags on a resource',
    ],
    [
      'enabled as a string',
      { ...base, enabled: 'no' },
      'watcher.config.json: enabled: Invalid input: expected boolean, received string',
    ],
    [
      'hardened without a VPC',
      { ...base, hardened: {}, logRetentionDays: 365 },
      'watcher.config.json: hardened.vpc: is required',
    ],
    [
      'a subnet id that is not one',
      { ...base, hardened: { vpc: { ...vpc, subnetIds: ['10.0.1.0/24'] } }, logRetentionDays: 365 },
      'watcher.config.json: hardened.vpc.subnetIds[0]: must be a subnet id such as subnet-0a1b2c3d4e5f67890',
    ],
    [
      'no subnet',
      { ...base, hardened: { vpc: { ...vpc, subnetIds: [] } }, logRetentionDays: 365 },
      'watcher.config.json: hardened.vpc.subnetIds: needs at least one subnet (two in different zones keep the functions up when one zone fails)',
    ],
    [
      'hardened with logs kept a month',
      { ...base, hardened: { vpc } },
      'watcher.config.json: logRetentionDays: is 30; a hardened stack keeps logs at least 365 days (Control Tower CT.CLOUDWATCH.PR.2): set it to 365 or more',
    ],
  ])('rejects %s naming the field', (_case, raw, message) => {
    expect(() => parseWatcherConfig(raw)).toThrow(new ConfigError(message));
  });
});
