import { Duration, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import type { WatcherConfig } from './config';
import { eventBridgeProps } from './eventbridge';
import { JobWatcher } from './job-watcher';
import { addWatcherOutputs } from './outputs';

/** Props of {@link WatcherStack}. */
export interface WatcherStackProps extends StackProps {
  /** The validated `watcher.config.json`. */
  readonly config: WatcherConfig;
}

/** A complete ARN ends in the six random characters Secrets Manager appends to the name. */
const COMPLETE_SECRET_ARN = /^arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;

/**
 * The deployable app: one {@link JobWatcher} configured from the config file, with the outputs
 * subscribers, operators and `doctor` need (see {@link addWatcherOutputs}).
 */
export class WatcherStack extends Stack {
  readonly watcher: JobWatcher;

  constructor(scope: Construct, id: string, props: WatcherStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.watcher = new JobWatcher(this, 'Watcher', {
      targets: config.targets,
      pollRate: Duration.minutes(config.pollRateMinutes),
      progressStepPercent: config.progressStepPercent,
      stalledAfterSeconds: config.stalledAfterSeconds,
      announceBaseline: config.announceBaseline,
      leaseSeconds: config.leaseSeconds,
      pageSize: config.pageSize,
      targetConcurrency: config.targetConcurrency,
      fullResyncSeconds: config.fullResyncSeconds,
      overlapSeconds: config.overlapSeconds,
      fastPollSeconds: config.fastPollSeconds,
      emails: config.emails,
      webhooks: config.webhooks,
      ...(config.queue?.enabled ? { queue: config.queue } : {}),
      alarmEmails: config.alarmEmails,
      ...(config.credentialsSecret ? { credentialsSecret: this.importSecret(config.credentialsSecret) } : {}),
      logRetention: config.logRetentionDays as logs.RetentionDays,
      ...(config.relay ? { relay: { destinations: config.relay.destinations } } : {}),
      ...(config.eventBridge ? { eventBridge: eventBridgeProps(config.eventBridge) } : {}),
      enabled: config.enabled,
      ...(config.hardened ? { hardening: config.hardened.vpc } : {}),
    });
    // Every resource of the stack that takes tags (what CloudFormation creates on its own gets the stack's).
    for (const [key, value] of Object.entries(config.tags)) Tags.of(this).add(key, value);

    addWatcherOutputs(this, this.watcher, config);
  }

  /** An existing secret by complete ARN, partial ARN or name. */
  private importSecret(nameOrArn: string): secretsmanager.ISecret {
    if (COMPLETE_SECRET_ARN.test(nameOrArn)) {
      return secretsmanager.Secret.fromSecretCompleteArn(this, 'ImportedCredentialsSecret', nameOrArn);
    }
    if (nameOrArn.startsWith('arn:')) {
      return secretsmanager.Secret.fromSecretPartialArn(this, 'ImportedCredentialsSecret', nameOrArn);
    }
    return secretsmanager.Secret.fromSecretNameV2(this, 'ImportedCredentialsSecret', nameOrArn);
  }
}
