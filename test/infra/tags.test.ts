import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { FULL_CONFIG, HARDENED_FULL_CONFIG, NO_BUNDLING, watcherApp } from './support';

/** Synthesizing loads most of aws-cdk-lib: generous on a loaded machine. */
const SYNTH_TIMEOUT_MS = 120_000;

/** Resource types of the stack that take no tags in CloudFormation. */
const UNTAGGABLE = new Set([
  'AWS::Events::Archive',
  'AWS::IAM::Policy',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Lambda::Permission',
  'AWS::Logs::QueryDefinition',
  'AWS::Scheduler::Schedule',
  'AWS::SNS::Subscription',
  'AWS::SNS::TopicPolicy',
  'AWS::SQS::QueuePolicy',
]);

const TAGS = { CostCenter: 'dba', Environment: 'production' };

describe('WatcherStack tags', { timeout: SYNTH_TIMEOUT_MS }, () => {
  it('puts the config tags on every taggable resource and on the stack', () => {
    const { stack } = watcherApp({ ...HARDENED_FULL_CONFIG, tags: TAGS }, NO_BUNDLING);
    const resources = Template.fromStack(stack).toJSON().Resources as Record<
      string,
      { Type: string; Properties?: { Tags?: unknown } }
    >;
    const tagged = Object.entries(resources).filter(([, resource]) => !UNTAGGABLE.has(resource.Type));
    expect(tagged.length).toBeGreaterThan(20);
    for (const [id, resource] of tagged) {
      const tags = resource.Properties?.Tags;
      // Most types take a list of {Key, Value}; a few take a map.
      const asMap = Array.isArray(tags)
        ? Object.fromEntries(tags.map((tag: { Key: string; Value: string }) => [tag.Key, tag.Value]))
        : tags;
      expect(asMap, `${id} (${resource.Type})`).toEqual(expect.objectContaining(TAGS));
    }
    expect(stack.tags.tagValues()).toEqual(TAGS);
  });

  it('adds no tag when the config names none', () => {
    const { stack } = watcherApp(FULL_CONFIG, NO_BUNDLING);
    const text = JSON.stringify(Template.fromStack(stack).toJSON());
    expect(text).not.toContain('CostCenter');
    expect(stack.tags.tagValues()).toEqual({});
  });
});
