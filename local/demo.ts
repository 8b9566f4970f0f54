import { parseSettings } from '../shared/config';
import { JobStatus } from '../shared/job';
import { DEFAULT_TERMINAL_COLUMNS } from '../shared/publish/console';
import { describeFatal, installFatalHandlers } from './fatal';
import { LiveBlock, progressLine } from './live-view';
import { runPoll, summarise } from './poll-command';
import { createSimulator } from './simulator/server';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Demo settings: a busy simulated estate, polled every 2 s. */
const DEMO = {
  region: 'ap-southeast-1',
  speed: 4,
  jobsPerMinute: 6,
  intervalSeconds: 2,
  token: 'local-token',
} as const;

/**
 * `npm start`: the simulated GeminiDB, the embedded DynamoDB and the real poll loop with a
 * console sink, so a newcomer sees started/completed/failed events within seconds.
 */
async function demo(): Promise<number> {
  const simulator = createSimulator({
    seed: Date.now() % 2 ** 31,
    speed: DEMO.speed,
    jobsPerMinute: DEMO.jobsPerMinute,
    token: DEMO.token,
  });
  const url = await simulator.listen(0);
  const projectId = simulator.projectIds[0] ?? '';
  const tty = process.stdout.isTTY === true;
  const live = tty ? new LiveBlock((text) => process.stdout.write(text)) : undefined;
  const print = (line: string) => (live ? live.print(line) : process.stdout.write(`${line}\n`));
  let running: readonly string[] = [];

  print(
    `geminidb-job-watcher demo: simulated GeminiDB on ${url}, embedded DynamoDB in memory, a poll every ${DEMO.intervalSeconds} s.`,
  );
  print(
    'The first cycle records a silent baseline; after it every status transition prints below. Ctrl-C to stop.\n',
  );
  const stopped = new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  let first = true;
  const code = await runPoll(
    {
      once: false,
      intervalSeconds: DEMO.intervalSeconds,
      settings: parseSettings({ targets: [{ region: DEMO.region, projectId, endpoint: url }] }),
      store: { kind: 'dynalite' },
      sinks: [{ kind: 'console' }],
      quiet: true,
    },
    {
      env: { HUAWEICLOUD_AUTH_TOKEN: DEMO.token },
      status: (line) => print(line),
      out: print,
      color: tty,
      ...(tty ? { columns: process.stdout.columns || DEFAULT_TERMINAL_COLUMNS } : {}),
      stopped,
      onScan: (_target, jobs) => {
        const now = Date.now();
        running = jobs.filter((job) => job.status === JobStatus.Running).map((job) => progressLine(job, now));
      },
      onRound: (result) => {
        if (first) {
          for (const cycle of result.reports) print(summarise(cycle));
          first = false;
        }
        live?.update(running.length > 0 ? ['running now:', ...running] : ['running now: nothing']);
      },
    },
  );
  live?.clear();
  await simulator.close();
  return code;
}

installFatalHandlers();
process.exitCode = await demo().catch((error: unknown) => {
  const { text, code } = describeFatal(error, process.env);
  process.stderr.write(text);
  return code;
});
