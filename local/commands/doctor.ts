import { parseArgs } from 'node:util';
import { DEFAULT_STACK_NAME, StackOutput } from '../../shared/stack-outputs';
import { TransitionType } from '../../shared/transition';
import { UsageError } from '../specs';
import {
  checkCredentials,
  checkJobsApi,
  checkQueues,
  checkRecentPolls,
  checkRelaySecret,
  checkSubscriptions,
} from './doctor-checks';
import {
  awsClients,
  type Check,
  checkOutputs,
  type Deployment,
  readStack,
  StackNotReadableError,
} from './doctor-stack';
import { runSendTest } from './send-test';

/** A parsed `doctor` command line. */
export interface DoctorCommand {
  readonly stackName: string;
  /** AWS region of the stack; undefined: the SDK's usual chain (AWS_REGION, the profile). */
  readonly region: string | undefined;
  readonly sendTest: boolean;
}

const DOCTOR_FLAGS = {
  stack: { type: 'string' },
  region: { type: 'string' },
  'send-test': { type: 'boolean' },
} as const;

/** Parses `doctor` arguments; throws UsageError (exit 2). */
export function parseDoctorCommand(args: readonly string[]): DoctorCommand {
  let values: ReturnType<typeof parseArgs<{ options: typeof DOCTOR_FLAGS; strict: true }>>['values'];
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: DOCTOR_FLAGS,
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`doctor: ${(error as Error).message}; see --help`);
  }
  if (values.stack === '')
    throw new UsageError('doctor: --stack needs the stack name (default GeminiDbJobWatcher)');
  return {
    stackName: values.stack ?? DEFAULT_STACK_NAME,
    region: values.region,
    sendTest: values['send-test'] ?? false,
  };
}

/** What `runDoctor` writes to; injectable for tests. */
export interface DoctorIo {
  /** One line per check (stdout). */
  readonly out: (line: string) => void;
  readonly now?: () => Date;
}

/** `✓ what` or `✗ what — fix: how`. */
export function formatCheck(check: Check): string {
  return check.ok ? `✓ ${check.text}` : `✗ ${check.text} — fix: ${check.fix ?? ''}`;
}

/**
 * Runs `doctor`: reads the stack's outputs and checks, one line each, that the deployment works:
 * credentials, the jobs API of every target, confirmed subscriptions, recent polls, empty
 * failure and dead-letter queues, the relay secret, and with `--send-test` a test event through
 * the topic. Exit code 0 when every check holds, 1 when one does not.
 */
export async function runDoctor(command: DoctorCommand, io: DoctorIo): Promise<number> {
  const now = io.now ?? (() => new Date());
  const clients = awsClients(command.region);
  try {
    let deployment: Deployment;
    try {
      deployment = await readStack(command.stackName, clients);
    } catch (error) {
      if (!(error instanceof StackNotReadableError)) throw error;
      io.out(formatCheck({ ok: false, text: error.message, fix: error.fix }));
      return 1;
    }
    const checks: Check[] = [];
    const report = (...found: Check[]) => {
      for (const check of found) io.out(formatCheck(check));
      checks.push(...found);
    };
    report(checkOutputs(deployment));
    const credentials = await checkCredentials(deployment);
    report(credentials.check);
    report(...(await checkJobsApi(credentials.auths, now())));
    report(...(await checkSubscriptions(deployment)));
    report(...(await checkRecentPolls(deployment, now())));
    report(...(await checkQueues(deployment)));
    report(...(await checkRelaySecret(deployment)));
    if (command.sendTest) report(await sendTestEvent(deployment));
    const failed = checks.filter((check) => !check.ok).length;
    io.out(
      failed === 0
        ? `doctor: all ${checks.length} checks hold`
        : `doctor: ${failed} of ${checks.length} checks failed`,
    );
    return failed === 0 ? 0 : 1;
  } finally {
    for (const client of Object.values(clients)) client.destroy();
  }
}

/** Publishes one test event through the topic, as `send-test --sink sns:TOPIC_ARN` does. */
async function sendTestEvent(deployment: Deployment): Promise<Check> {
  const topicArn = deployment.outputs[StackOutput.topicArn] ?? '';
  const target = deployment.targets[0] ?? { region: 'test', projectId: 'watcher-test' };
  const lines: string[] = [];
  const code = await runSendTest(
    { target, type: TransitionType.Completed, sinks: [{ kind: 'sns', topicArn }] },
    { status: (line) => lines.push(line) },
  );
  const said = lines.join('; ');
  return code === 0
    ? { ok: true, text: `${said}: every subscriber should now have it` }
    : {
        ok: false,
        text: said,
        fix: 'allow sns:Publish and kms:GenerateDataKey on the topic key, then run doctor --send-test again',
      };
}
