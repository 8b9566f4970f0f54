import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseWatcherConfig } from '../../infra/config';
import { JobWatcher } from '../../infra/job-watcher';
import { WEBHOOK_QUERY_WARNING_ID, WebhookUrlError } from '../../infra/webhooks';
import { ConfigError } from '../../shared/config';
import { MINIMAL_CONFIG, NO_BUNDLING, watcherApp } from './support';

const USER_INFO_MESSAGE =
  'must not carry a user name or password (https://user:password@host/...): the URL is stored in plain text in ' +
  'the CloudFormation template and cdk.out; let the receiver check the SNS message signature instead, or use ' +
  'the relay (its URLs are kept in Secrets Manager)';

function watcher(urls: readonly string[]) {
  const stack = new Stack(new App({ context: NO_BUNDLING }), 'Hooks');
  new JobWatcher(stack, 'Watcher', {
    targets: MINIMAL_CONFIG.targets,
    webhooks: urls.map((url) => ({ url })),
  });
  return stack;
}

/** Synthesizing loads most of aws-cdk-lib: generous on a loaded machine. */
const SYNTH_TIMEOUT_MS = 120_000;

describe('webhook subscriptions', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it('have fixed construct ids, Webhook<index>, never derived from the URL', () => {
    const stack = watcher(['https://hooks.example.com/a', 'https://hooks.example.com/b?team=dba']);
    const subscriptions = Template.fromStack(stack).findResources('AWS::SNS::Subscription', {
      Properties: { Protocol: 'https' },
    });
    const byEndpoint = Object.fromEntries(
      Object.entries(subscriptions).map(([id, resource]) => [resource.Properties.Endpoint, id]),
    );
    expect(byEndpoint['https://hooks.example.com/a']).toMatch(/^WatcherTopicWebhook0[0-9A-F]{8}$/);
    expect(byEndpoint['https://hooks.example.com/b?team=dba']).toMatch(/^WatcherTopicWebhook1[0-9A-F]{8}$/);
    const paths = stack.node.findAll().map((construct) => construct.node.path);
    expect(paths.filter((path) => path.includes('hooks'))).toEqual([]);
  });

  it('refuses a URL with a user name or password in the construct, without echoing it', () => {
    expect(() => watcher(['https://hooks.example.com/a', 'https://user:s3cret@hooks.example.com/b'])).toThrow(
      new WebhookUrlError(`webhooks[1].url ${USER_INFO_MESSAGE}`),
    );
    expect(() => watcher(['https://token@hooks.example.com/a'])).toThrow(WebhookUrlError);
  });

  it('refuses a URL with user info in the config, naming the field', () => {
    expect(() =>
      parseWatcherConfig({
        ...MINIMAL_CONFIG,
        webhooks: [{ url: 'https://user:s3cret@hooks.example.com/b' }],
      }),
    ).toThrow(new ConfigError(`watcher.config.json: webhooks[0].url: ${USER_INFO_MESSAGE}`));
  });

  it('warns about a URL with a query string, naming the field and not the query', () => {
    const stack = watcher(['https://hooks.example.com/a', 'https://hooks.example.com/b?token=s3cret']);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('query string'));
    expect(warnings.map((warning) => warning.entry.data)).toEqual([
      expect.stringMatching(
        /^webhooks\[1\]\.url has a query string: if it carries a token, .*\[ack: geminidb-job-watcher:webhookQueryString1\]$/,
      ),
    ]);
    expect(JSON.stringify(warnings)).not.toContain('s3cret');
    expect(WEBHOOK_QUERY_WARNING_ID).toBe('geminidb-job-watcher:webhookQueryString');
  });

  it('stores the URL as the subscription endpoint in the template and tree.json only, never as a path or logical id', () => {
    const { app, stack } = watcherApp(
      { ...MINIMAL_CONFIG, webhooks: [{ url: 'https://hooks.example.com/geminidb-hook-path' }] },
      NO_BUNDLING,
    );
    const directory = app.synth().directory;
    const template = readFileSync(join(directory, `${stack.artifactId}.template.json`), 'utf8');
    expect(template.split('geminidb-hook-path')).toHaveLength(2);
    expect(readFileSync(join(directory, 'manifest.json'), 'utf8').includes('geminidb-hook-path')).toBe(false);
    const paths: string[] = [];
    JSON.parse(readFileSync(join(directory, 'tree.json'), 'utf8'), (key, value) => {
      if (key === 'path' || key === 'id' || key === 'aws:cdk:cloudformation:logicalId')
        paths.push(String(value));
      return value;
    });
    expect(paths.length).toBeGreaterThan(50);
    expect(paths.filter((path) => path.includes('geminidb-hook-path'))).toEqual([]);
  });
});
