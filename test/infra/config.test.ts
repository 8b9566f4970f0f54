import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  chooseConfigFile,
  DEFAULT_CONFIG_FILE,
  EXAMPLE_CONFIG_FILE,
  isRunByCdkCli,
  loadWatcherConfig,
  NO_CONFIG_MESSAGE,
  parseWatcherConfig,
} from '../../infra/config';
import { ConfigError, parseSettings } from '../../shared/config';
import { serviceUrlProblem } from '../../shared/service-url';

const base = { targets: [{ region: 'ap-southeast-1', projectId: 'p1' }] };
const dir = mkdtempSync(join(tmpdir(), 'watcher-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseWatcherConfig', () => {
  it('fills the defaults of a minimal config: the shared settings defaults plus the deployment ones', () => {
    const { scheduleSeconds: _derivedFromPollRate, ...settingsDefaults } = parseSettings(base);
    expect(parseWatcherConfig(base)).toEqual({
      ...settingsDefaults,
      pollRateMinutes: 1,
      emails: [],
      webhooks: [],
      alarmEmails: [],
      logRetentionDays: 30,
      tags: {},
      enabled: true,
    });
  });

  it.each([
    ['no targets field', {}, 'watcher.config.json: targets: is required'],
    ['an empty target list', { targets: [] }, 'watcher.config.json: targets: needs at least one target'],
    [
      'a bad region',
      { targets: [{ region: 'Tokyo', projectId: 'p1' }] },
      'watcher.config.json: targets[0].region: must look like a Huawei Cloud region such as ap-southeast-1',
    ],
    [
      'a mistyped region',
      { targets: [{ region: 'ap-southest', projectId: 'p1' }] },
      'watcher.config.json: targets[0].region: "ap-southest" is not a Huawei Cloud region (nearest: ap-southeast-1, ap-southeast-2, ap-southeast-3); use the region of the GeminiDB project, or give the target an endpoint',
    ],
    [
      'an AWS region',
      { targets: [{ region: 'us-east-1', projectId: 'p1' }] },
      'watcher.config.json: targets[0].region: "us-east-1" is not a Huawei Cloud region (nearest: me-east-1, cn-east-2, cn-east-3); use the region of the GeminiDB project, or give the target an endpoint',
    ],
    [
      'a target without region',
      { targets: [{ projectId: 'p1' }] },
      'watcher.config.json: targets[0].region: is required',
    ],
    [
      'a non-http endpoint',
      { targets: [{ region: 'ap-southeast-1', projectId: 'p1', endpoint: 'ftp://x' }] },
      'watcher.config.json: targets[0].endpoint: must be an https:// URL',
    ],
    [
      'a poll rate of 0',
      { ...base, pollRateMinutes: 0 },
      'watcher.config.json: pollRateMinutes: must be at least 1',
    ],
    [
      'a page size the API refuses',
      { ...base, pageSize: 25 },
      'watcher.config.json: pageSize: must be 10, 20 or 50',
    ],
    [
      'a negative stall limit',
      { ...base, stalledAfterSeconds: { BackupInstance: -1 } },
      'watcher.config.json: stalledAfterSeconds.BackupInstance: Too small: expected number to be >0',
    ],
    [
      'a bad email',
      { ...base, emails: ['nope'] },
      'watcher.config.json: emails[0]: must be an email address',
    ],
    [
      'a bad address in a filtered email',
      { ...base, emails: [{ address: 'nope', filterPolicy: { type: ['x'] } }] },
      'watcher.config.json: emails[0].address: must be an email address',
    ],
    [
      'an email filter on an attribute the events lack',
      { ...base, emails: [{ address: 'dba@example.com', filterPolicy: { severity: ['high'] } }] },
      'watcher.config.json: emails[0].filterPolicy.severity: is not a message attribute of the events; use type, job_name, status, previous_status, instance_id, instance_name, project_id, region',
    ],
    [
      'an email object with a misspelt key',
      { ...base, emails: [{ adress: 'dba@example.com' }] },
      'watcher.config.json: emails[0]: must be an email address, or {"address": "...", "filterPolicy": {...}} with only those two keys',
    ],
    [
      'a bad alarm email',
      { ...base, alarmEmails: ['ops@example.com', 'ops'] },
      'watcher.config.json: alarmEmails[1]: must be an email address',
    ],
    [
      'a plain http webhook',
      { ...base, webhooks: [{ url: 'http://hooks.example.com' }] },
      'watcher.config.json: webhooks[0].url: must be an https:// URL',
    ],
    [
      'a filter on an attribute events do not carry',
      { ...base, queue: { filterPolicy: { jobname: ['BackupInstance'] } } },
      'watcher.config.json: queue.filterPolicy.jobname: is not a message attribute of the events; use type, job_name, status, previous_status, instance_id, instance_name, project_id, region',
    ],
    [
      'a filter attribute without values',
      { ...base, webhooks: [{ url: 'https://h.example.com', filterPolicy: { type: [] } }] },
      'watcher.config.json: webhooks[0].filterPolicy.type: needs at least one value',
    ],
    [
      'an empty filter policy',
      { ...base, queue: { filterPolicy: {} } },
      'watcher.config.json: queue.filterPolicy: needs at least one attribute',
    ],
    [
      'a filter value of the wrong type',
      { ...base, queue: { filterPolicy: { status: [true] } } },
      'watcher.config.json: queue.filterPolicy.status[0]: must be a string, a number or an SNS filter operator object such as {"prefix": "Backup"}',
    ],
    [
      'a filter with six attributes',
      {
        ...base,
        queue: {
          filterPolicy: {
            type: ['a'],
            job_name: ['b'],
            status: ['c'],
            region: ['d'],
            project_id: ['e'],
            instance_id: ['f'],
          },
        },
      },
      'watcher.config.json: queue.filterPolicy: SNS allows at most 5 attributes in a filter policy',
    ],
    [
      'a secret id with a space',
      { ...base, credentialsSecret: 'my secret' },
      'watcher.config.json: credentialsSecret: must be a secret name or a Secrets Manager secret ARN',
    ],
    [
      'a retention CloudWatch does not offer',
      { ...base, logRetentionDays: 31 },
      'watcher.config.json: logRetentionDays: must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
    ],
    [
      'a misspelt field',
      { ...base, pollRate: 1 },
      'watcher.config.json: Unrecognized key: "pollRate"; did you mean "pollRateMinutes"?',
    ],
    [
      'the schedule period, which pollRateMinutes sets',
      { ...base, scheduleSeconds: 30 },
      'watcher.config.json: Unrecognized key: "scheduleSeconds"; did you mean "pollRateMinutes"? It sets the schedule period',
    ],
    [
      'two problems at once',
      { targets: [{ region: 'ap-southeast-1', projectId: 'p 1' }], emails: 'a@example.com' },
      'watcher.config.json: targets[0].projectId: must be a project id (letters, digits, - and _, at most 64)\n' +
        'watcher.config.json: emails: Invalid input: expected array, received string',
    ],
  ])('rejects %s naming the field', (_case, raw, message) => {
    expect(() => parseWatcherConfig(raw)).toThrow(new ConfigError(message));
  });

  it.each([
    [
      'a mistyped key',
      { pollRateMinute: 5 },
      'watcher.config.json: Unrecognized key: "pollRateMinute"; did you mean "pollRateMinutes"?',
    ],
    [
      'a singular list',
      { webhook: [] },
      'watcher.config.json: Unrecognized key: "webhook"; did you mean "webhooks"?',
    ],
    [
      'a nested key',
      { relay: { destinations: [{ name: 'a', kind: 'slack', filter: { type: ['failed'] } }] } },
      'watcher.config.json: relay.destinations[0].filter: Unrecognized key: "type"; did you mean "types"?',
    ],
    [
      'a key like no other',
      { eventBridge: { topic: 'x' } },
      'watcher.config.json: eventBridge: Unrecognized key: "topic"; the keys here are "bus", "archive", "schemaRegistryName"',
    ],
  ])('suggests the nearest key for %s', (_case, extra, message) => {
    expect(() => parseWatcherConfig({ ...base, ...extra })).toThrow(new ConfigError(message));
  });

  it('points a Slack URL at the relay, and a destination URL at the relay secret', () => {
    expect(() => parseWatcherConfig({ ...base, slackWebhookUrl: 'https://hooks.slack.com/x' })).toThrow(
      /^watcher\.config\.json: Unrecognized key: "slackWebhookUrl"; did you mean "relay"\? Slack and Teams messages go through the relay: .*"kind": "slack".*relay secret; see docs\/relay\.md$/,
    );
    const relay = { destinations: [{ name: 'ops', kind: 'slack', url: 'https://hooks.slack.com/x' }] };
    expect(() => parseWatcherConfig({ ...base, relay })).toThrow(
      /^watcher\.config\.json: relay\.destinations\[0\]: Unrecognized key: "url"; webhook URLs and signing secrets go in the relay secret \(the stack's RelaySecret output\), never in this file/,
    );
  });

  it('names the file the config came from', () => {
    expect(() => parseWatcherConfig({}, 'prod.json')).toThrow(
      new ConfigError('prod.json: targets: is required'),
    );
  });
});

describe('loadWatcherConfig', () => {
  it('reads JSON with comments and trailing commas', () => {
    const path = join(dir, 'commented.json');
    writeFileSync(
      path,
      '{\n  // one target\n  "targets": [{ "region": "ap-southeast-1", "projectId": "p1" },],\n}\n',
    );
    expect(loadWatcherConfig(path).targets).toEqual(base.targets);
  });

  it.each([
    [
      'an unclosed list',
      'broken.json',
      '{ "targets": [ }',
      'broken.json:1:16: is not valid JSON: expected a value\n  { "targets": [ }\n                 ^',
    ],
    [
      'a missing comma after a commented line',
      'watcher.config.json',
      '{\n  // two targets\n  "targets": [{ "region": "ap-southeast-1", "projectId": "p1" }]\n  "emails": []\n}\n',
      'watcher.config.json:4:3: is not valid JSON: expected "," between two entries\n    "emails": []\n    ^',
    ],
    [
      'an empty file',
      'empty.json',
      '',
      'empty.json:1:1: is empty; it needs a JSON object such as {"targets": [...]}',
    ],
  ])('reports %s as a ConfigError with the file, line and column', (_case, name, text, message) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    expect(() => loadWatcherConfig(path)).toThrow(new ConfigError(message));
  });

  it('reports a missing file with the file name and the example to start from', () => {
    expect(() => loadWatcherConfig(join(dir, 'absent.json'))).toThrow(
      new ConfigError(
        `absent.json: cannot read ${join(dir, 'absent.json')}; create it from ${EXAMPLE_CONFIG_FILE}`,
      ),
    );
  });

  it('reads the shipped example: every feature on, with a failed-backups queue filter', () => {
    const config = loadWatcherConfig(EXAMPLE_CONFIG_FILE);
    expect(config.queue).toEqual({
      enabled: true,
      filterPolicy: { type: ['com.huaweicloud.geminidb.job.failed'], job_name: ['BackupInstance'] },
    });
    expect(config.webhooks).toHaveLength(1);
    // People get failures and stalls, not the progress the example turns on.
    expect(config.emails).toEqual([
      {
        address: 'dba-team@example.com',
        filterPolicy: {
          type: ['com.huaweicloud.geminidb.job.failed', 'com.huaweicloud.geminidb.job.stalled'],
        },
      },
    ]);
  });
});

describe('chooseConfigFile', () => {
  const example = { path: EXAMPLE_CONFIG_FILE, isExample: true };
  const noConfig = new ConfigError(NO_CONFIG_MESSAGE);

  it.each([
    ['the context path when given', 'prod.json', true, {}, { path: 'prod.json', isExample: false }],
    [
      'the context path under the CDK CLI',
      'prod.json',
      false,
      { runByCdkCli: true },
      { path: 'prod.json', isExample: false },
    ],
    [
      'watcher.config.json when present',
      undefined,
      true,
      {},
      { path: DEFAULT_CONFIG_FILE, isExample: false },
    ],
    [
      'watcher.config.json under the CDK CLI',
      undefined,
      true,
      { runByCdkCli: true },
      { path: DEFAULT_CONFIG_FILE, isExample: false },
    ],
    ['the example for npm run synth without a config', undefined, false, { previewExample: true }, example],
    [
      'the example for npm run synth with an empty context value',
      '',
      false,
      { previewExample: true },
      example,
    ],
  ])('picks %s', (_case, context, defaultExists, options, expected) => {
    expect(chooseConfigFile(context, { ...options, exists: () => defaultExists })).toEqual(expected);
  });

  it.each([
    ['npx cdk synth / deploy without a config', { runByCdkCli: true }],
    ['the CDK CLI even with the preview flag', { runByCdkCli: true, previewExample: true }],
    ['the app run directly without the preview flag', {}],
  ])('refuses %s, saying how to make one', (_case, options) => {
    expect(() => chooseConfigFile(undefined, { ...options, exists: () => false })).toThrow(noConfig);
  });

  it('says how to make a config in that one message', () => {
    expect(NO_CONFIG_MESSAGE).toContain('cp watcher.config.example.jsonc watcher.config.json');
    expect(NO_CONFIG_MESSAGE).toContain('-c config=path/to/config.json');
    expect(NO_CONFIG_MESSAGE).toContain('npm run synth');
  });
});

describe('isRunByCdkCli', () => {
  it.each([
    [{ CDK_OUTDIR: '/tmp/cdk.out', CDK_CONTEXT_JSON: '{}' }, true],
    [{ CDK_CLI_VERSION: '2.1148.1' }, true],
    [{}, false],
    [{ CDK_DEFAULT_REGION: 'eu-west-1' }, false],
  ])('reads %j as %s', (env, expected) => {
    expect(isRunByCdkCli(env)).toBe(expected);
  });
});

describe('finding 4: a target endpoint is checked at synth time as at run time', () => {
  it.each([
    'http://gaussdb-nosql.ap-southeast-1.myhuaweicloud.com',
    'https://user:pw@gaussdb.example.test',
    'https://gaussdb.example.test/?token=x',
    'https://gaussdb.example.test/#x',
  ])('refuses %s with the message the run-time check gives', (endpoint) => {
    const targets = [{ region: 'ap-southeast-1', projectId: 'p1', endpoint }];
    expect(() => parseWatcherConfig({ targets })).toThrow(
      `watcher.config.json: targets[0].endpoint: ${serviceUrlProblem(endpoint)}`,
    );
    expect(() => parseSettings({ targets })).toThrow(`targets.0.endpoint: ${serviceUrlProblem(endpoint)}`);
  });
});
