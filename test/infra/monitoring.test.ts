import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { JobWatcher, type JobWatcherProps } from '../../infra/job-watcher';
import { NO_BUNDLING } from './support';

const targets = Array.from({ length: 30 }, (_, index) => ({
  region: 'ap-southeast-1',
  projectId: `p${String(index).padStart(2, '0')}`,
}));

function synth(props: Partial<JobWatcherProps> = {}) {
  const app = new App({ context: NO_BUNDLING });
  const stack = new Stack(app, 'Monitoring');
  new JobWatcher(stack, 'Watcher', { targets, ...props });
  return Template.fromStack(stack);
}

describe('JobWatcher monitoring', () => {
  it('keeps alarms and the dashboard the same size whatever the number of targets', () => {
    const many = synth();
    const one = synth({ targets: targets.slice(0, 1) });
    const count = (template: Template, type: string) => Object.keys(template.findResources(type)).length;
    expect(count(many, 'AWS::CloudWatch::Alarm')).toBe(count(one, 'AWS::CloudWatch::Alarm'));
    const body = (template: Template) =>
      JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]?.Properties);
    expect(body(many)).not.toContain('p29');
    expect(body(many).length).toBe(body(one).length);
  });

  it('creates no dashboard with dashboard: false, and keeps the alarms and the failing-targets query', () => {
    const template = synth({ dashboard: false });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    template.resourceCountIs('AWS::Logs::QueryDefinition', 1);
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm'))).toEqual(
      Object.keys(synth().findResources('AWS::CloudWatch::Alarm')),
    );
  });
});
