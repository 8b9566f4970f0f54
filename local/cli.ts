import { parseDoctorCommand, runDoctor } from './commands/doctor';
import { parseJobsCommand, runJobs } from './commands/jobs';
import { parseReplayCommand, runReplay } from './commands/replay';
import { parseSendTestCommand, runSendTest } from './commands/send-test';
import { describeFatal, ExitCode, installFatalHandlers } from './fatal';
import { HELP } from './help';
import { parsePollCommand, runPoll } from './poll-command';
import { runSimulate } from './simulate-command';
import { UsageError } from './specs';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export { ExitCode } from './fatal';

/** Runs one CLI invocation and resolves its exit code. */
export async function main(args: readonly string[]): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (
      command === undefined ||
      command === '--help' ||
      command === '-h' ||
      command === 'help' ||
      rest.includes('--help')
    ) {
      process.stdout.write(HELP);
      return command === undefined ? ExitCode.Usage : ExitCode.Ok;
    }
    if (command === 'poll') {
      return await runPoll(parsePollCommand(rest, process.env), {
        env: process.env,
        status: (line) => process.stderr.write(`${line}\n`),
        color: process.stdout.isTTY === true,
        stopped: stopSignal(),
      });
    }
    if (command === 'simulate') return await runSimulate(rest, stopSignal());
    if (command === 'send-test') {
      return await runSendTest(parseSendTestCommand(rest, process.env), {
        status: (line) => process.stderr.write(`${line}\n`),
        color: process.stdout.isTTY === true,
      });
    }
    if (command === 'jobs') {
      return await runJobs(parseJobsCommand(rest, process.env), {
        out: (line) => process.stdout.write(`${line}\n`),
        status: (line) => process.stderr.write(`${line}\n`),
      });
    }
    if (command === 'replay') {
      return await runReplay(parseReplayCommand(rest, process.env), {
        out: (line) => process.stdout.write(`${line}\n`),
        status: (line) => process.stderr.write(`${line}\n`),
        color: process.stdout.isTTY === true,
      });
    }
    if (command === 'doctor') {
      return await runDoctor(parseDoctorCommand(rest), {
        out: (line) => process.stdout.write(`${line}\n`),
      });
    }
    throw new UsageError(
      `unknown command "${command}"; use poll, simulate, send-test, jobs, replay or doctor (see --help)`,
    );
  } catch (error) {
    const { text, code } = describeFatal(error, process.env);
    process.stderr.write(text);
    return code;
  }
}

/**
 * Resolves on the first Ctrl-C or SIGTERM, for the commands that run until stopped (poll,
 * simulate) and end cleanly; a second signal exits at once. The other commands keep Node's
 * default, so a signal ends them even while they wait on a slow store.
 */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const onSignal = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

installFatalHandlers();
process.exitCode = await main(process.argv.slice(2));
