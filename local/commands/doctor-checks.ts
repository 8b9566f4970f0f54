import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  type SNSClient,
  type Subscription,
} from '@aws-sdk/client-sns';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { Authenticator } from '../../shared/auth/authenticator';
import { authenticatorFor, credentialsFor, parseCredentialsDocument } from '../../shared/auth/credentials';
import { describeAuth } from '../../shared/auth/from-env';
import { createJobsClient } from '../../shared/jobs/http-client';
import { describeError } from '../../shared/publish/publisher';
import { parseRelaySecret } from '../../shared/relay/destinations';
import { DEAD_LETTER_QUEUE_OUTPUTS, StackOutput } from '../../shared/stack-outputs';
import { DynamoDbTaskStore } from '../../shared/store/dynamodb-store';
import { type Target, targetEndpoint } from '../../shared/target';
import { type Check, type Deployment, fail, pass, secretString, targetName } from './doctor-stack';

/** Each target's authenticator from the credentials secret, or why there is none. */
export type TargetAuth = {
  readonly target: Target;
  readonly auth?: Authenticator;
  readonly problem?: string;
};

/** The credentials secret holds a complete auth mode for every target. */
export async function checkCredentials(
  deployment: Deployment,
): Promise<{ check: Check; auths: TargetAuth[] }> {
  const secretId = deployment.outputs[StackOutput.credentialsSecret] ?? '';
  const fix =
    `put the credentials: aws secretsmanager put-secret-value --secret-id ${secretId} ` +
    `--secret-string '{"HUAWEICLOUD_SDK_AK":"...","HUAWEICLOUD_SDK_SK":"..."}'`;
  let text: string;
  try {
    text = await secretString(deployment.clients, secretId);
  } catch (error) {
    const problem = `cannot read the credentials secret: ${describeError(error)}`;
    return {
      check: fail(problem, `${fix} (and allow secretsmanager:GetSecretValue on it)`),
      auths: deployment.targets.map((target) => ({ target, problem })),
    };
  }
  const auths = deployment.targets.map((target) => authFor(text, target));
  const broken = auths.filter((entry) => entry.problem !== undefined);
  if (broken.length === 0) {
    const modes = [...new Set(deployment.targets.map((target) => modeOf(text, target)))].join(', ');
    return { check: pass(`credentials secret holds ${modes} for every target`), auths };
  }
  const names = broken.map((entry) => targetName(entry.target)).join(', ');
  return { check: fail(`credentials secret, for ${names}: ${broken[0]?.problem}`, fix), auths };
}

function authFor(secret: string, target: Target): TargetAuth {
  try {
    return {
      target,
      auth: authenticatorFor(credentialsFor(parseCredentialsDocument(secret), target), target),
    };
  } catch (error) {
    return { target, problem: describeError(error) };
  }
}

function modeOf(secret: string, target: Target): string {
  return describeAuth(credentialsFor(parseCredentialsDocument(secret), target));
}

/** Each target answers one jobs API request (the last hour, one page) with its credentials. */
export async function checkJobsApi(auths: readonly TargetAuth[], now: Date): Promise<Check[]> {
  return Promise.all(
    auths.map(async ({ target, auth }) => {
      const name = `target ${targetName(target)}`;
      if (auth === undefined) {
        return fail(
          `${name}: jobs API not asked: no complete credentials for it`,
          'fix the credentials secret first',
        );
      }
      try {
        const api = createJobsClient({
          endpoint: targetEndpoint(target),
          projectId: target.projectId,
          auth,
          maxAttempts: 2,
        });
        const page = await api.listJobs({
          start_time: new Date(now.getTime() - 3_600_000),
          end_time: now,
          limit: 10,
        });
        return pass(`${name}: the jobs API answers (${page.total_count} job(s) in the last hour)`);
      } catch (error) {
        return fail(
          `${name}: the jobs API refused: ${describeError(error)}`,
          'check the credentials for this project (a 401/403 is a wrong or expired key or token, or a user without GeminiDB read permission) and the endpoint',
        );
      }
    }),
  );
}

/** Every email and HTTP(S) subscription of the topic is confirmed. */
export async function checkSubscriptions(deployment: Deployment): Promise<Check[]> {
  const topicArn = deployment.outputs[StackOutput.topicArn] ?? '';
  let subscriptions: Subscription[];
  try {
    subscriptions = await listSubscriptions(deployment.clients.sns, topicArn);
  } catch (error) {
    return [
      fail(
        `cannot list the topic's subscriptions: ${describeError(error)}`,
        'allow sns:ListSubscriptionsByTopic',
      ),
    ];
  }
  const confirmable = subscriptions.filter((subscription) =>
    /^(email|email-json|https?)$/.test(subscription.Protocol ?? ''),
  );
  if (confirmable.length === 0) return [pass('no email or HTTPS subscription waits for a confirmation')];
  return Promise.all(
    confirmable.map((subscription) => checkConfirmed(deployment.clients.sns, topicArn, subscription)),
  );
}

async function checkConfirmed(sns: SNSClient, topicArn: string, subscription: Subscription): Promise<Check> {
  const name = `${subscription.Protocol} subscription ${subscription.Endpoint}`;
  const fix =
    subscription.Protocol?.startsWith('email') === true
      ? `click the link in the mail "AWS Notification - Subscription Confirmation" (to send it again: aws sns subscribe --topic-arn ${topicArn} --protocol ${subscription.Protocol} --notification-endpoint ${subscription.Endpoint})`
      : 'the endpoint must visit the SubscribeURL SNS posted to it (to post it again: aws sns subscribe with the same endpoint)';
  const arn = subscription.SubscriptionArn ?? 'PendingConfirmation';
  if (arn === 'PendingConfirmation') return fail(`${name} is not confirmed (PendingConfirmation)`, fix);
  try {
    const { Attributes } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn }));
    return Attributes?.PendingConfirmation === 'true'
      ? fail(`${name} is not confirmed (PendingConfirmation)`, fix)
      : pass(`${name} is confirmed`);
  } catch (error) {
    return fail(
      `${name}: cannot read its attributes: ${describeError(error)}`,
      'allow sns:GetSubscriptionAttributes',
    );
  }
}

async function listSubscriptions(sns: SNSClient, topicArn: string): Promise<Subscription[]> {
  const all: Subscription[] = [];
  let next: string | undefined;
  do {
    const page = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: next }));
    all.push(...(page.Subscriptions ?? []));
    next = page.NextToken;
  } while (next);
  return all;
}

/** Each target's cursor records a cycle recent enough (a full resync writes it at least that often). */
export async function checkRecentPolls(deployment: Deployment, now: Date): Promise<Check[]> {
  const { outputs } = deployment;
  const store = new DynamoDbTaskStore({
    tableName: outputs[StackOutput.tableName] ?? '',
    client: deployment.clients.dynamo,
  });
  const withinSeconds = Number(outputs[StackOutput.cycleRecordedWithinSeconds] ?? 3720);
  const logs = `read the poll logs: aws logs tail ${outputs[StackOutput.pollLogGroupName] ?? '<PollLogGroupName>'} --since 1h`;
  return Promise.all(
    deployment.targets.map(async (target) => {
      const name = `target ${targetName(target)}`;
      try {
        const lastCycleAt = (await store.getCursor(target))?.lastCycleAt ?? null;
        if (lastCycleAt === null) return fail(`${name}: no cycle recorded yet`, logs);
        const ageSeconds = Math.round((now.getTime() - Date.parse(lastCycleAt)) / 1000);
        const age = `last recorded cycle ${describeAge(ageSeconds)} ago`;
        return ageSeconds <= withinSeconds
          ? pass(`${name}: ${age}`)
          : fail(`${name}: ${age}, a healthy one is within ${describeAge(withinSeconds)}`, logs);
      } catch (error) {
        return fail(
          `${name}: cannot read its cursor: ${describeError(error)}`,
          'allow dynamodb:GetItem on the table',
        );
      }
    }),
  );
}

const QUEUE_ROLES: Readonly<Record<(typeof DEAD_LETTER_QUEUE_OUTPUTS)[number], string>> = {
  FailureQueueUrl: 'failure queue (failed poll invocations)',
  DeliveryDeadLetterQueueUrl: 'delivery dead-letter queue (SNS to webhooks and the queue)',
  QueueDeadLetterQueueUrl: 'automation queue dead-letter queue',
  RelayDeadLetterQueueUrl: 'relay dead-letter queue (undelivered chat and webhook events)',
};

/** The failure queue and every dead-letter queue are empty. */
export async function checkQueues(deployment: Deployment): Promise<Check[]> {
  const present = DEAD_LETTER_QUEUE_OUTPUTS.filter((key) => deployment.outputs[key] !== undefined);
  return Promise.all(
    present.map(async (key) => {
      const url = deployment.outputs[key] ?? '';
      try {
        const count = await queueDepth(deployment.clients.sqs, url);
        return count === 0
          ? pass(`${QUEUE_ROLES[key]} is empty`)
          : fail(
              `${QUEUE_ROLES[key]} holds ${count} message(s)`,
              `read why: aws sqs receive-message --queue-url ${url} --max-number-of-messages 10; when handled: aws sqs purge-queue --queue-url ${url}`,
            );
      } catch (error) {
        return fail(
          `${QUEUE_ROLES[key]}: cannot read its depth: ${describeError(error)}`,
          'allow sqs:GetQueueAttributes',
        );
      }
    }),
  );
}

async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** The relay secret has an entry for every configured destination (no relay: nothing to check). */
export async function checkRelaySecret(deployment: Deployment): Promise<Check[]> {
  const names = deployment.outputs[StackOutput.relayDestinations];
  if (names === undefined) return [];
  const secretId = deployment.outputs[StackOutput.relaySecret] ?? '';
  const destinations = names.split(',').filter((name) => name !== '');
  const fix = `put every destination's URL: aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string '{"destinations": {"${destinations[0] ?? 'name'}": {"url": "https://..."}}}'`;
  try {
    const secret = parseRelaySecret(await secretString(deployment.clients, secretId));
    const missing = destinations.filter((name) => secret.destinations[name] === undefined);
    return [
      missing.length === 0
        ? pass(`relay secret names every destination (${destinations.join(', ')})`)
        : fail(`relay secret has no entry for ${missing.join(', ')}`, fix),
    ];
  } catch (error) {
    return [fail(`relay secret: ${describeError(error)}`, fix)];
  }
}

function describeAge(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}
