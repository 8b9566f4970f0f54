/**
 * Re-runs the probes of issue 19's runtime findings against this code and prints what each one
 * does now: `npx tsx scripts/probes/security-19.ts`. Real HTTP servers on 127.0.0.1; no network.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authenticatorFromEnv } from '../../shared/auth/from-env';
import { settingsFromEnv } from '../../shared/config';
import { createJobsClient } from '../../shared/jobs/http-client';
import { parseJobsBody, skippedRecordLine } from '../../shared/jobs/response';
import { printable } from '../../shared/printable';
import { deliver, redact } from '../../shared/relay/deliver';
import { parseRelaySecret } from '../../shared/relay/destinations';
import { escapeTeamsMarkdown } from '../../shared/relay/teams';
import { verifyWebhookSignature } from '../../shared/relay/webhook-signature';

const PROJECT = '0549b4a43100d4f32f51c01c2fe4acdb';

function outcome(run: () => unknown): string {
  try {
    return `ok: ${JSON.stringify(run())}`;
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

async function outcomeAsync(run: () => Promise<unknown>): Promise<string> {
  try {
    return `ok: ${JSON.stringify(await run())}`;
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

/** A server answering every request with `status` and a 1 GiB body, written as fast as it is read. */
async function gigabyteServer(status: number): Promise<{ url: string; server: Server; sent: () => number }> {
  let sent = 0;
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.write('{"total_count": 0, "jobs": [');
    let left = 1024;
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        left -= 1;
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server, sent: () => sent };
}

/** Peak RSS while `run` runs, sampled every 20 ms, in MiB. */
async function peakRssMiB(run: () => Promise<string>): Promise<[string, number]> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  try {
    const result = await run();
    return [result, Math.round(peak / 1024 / 1024)];
  } finally {
    clearInterval(timer);
  }
}

async function main(): Promise<void> {
  console.log('finding 1: AK/SK/security token with a line break');
  console.log(
    ' ',
    outcome(() =>
      authenticatorFromEnv(
        {
          HUAWEICLOUD_SDK_AK: 'HPUAEXAMPLEAK0001',
          HUAWEICLOUD_SDK_SK: 'sk0123456789',
          HUAWEICLOUD_SDK_SECURITY_TOKEN: 'gQpjbi1ub3J0aC00STS\nrest',
        },
        { projectId: PROJECT, region: 'ap-southeast-1' },
      ),
    ),
  );
  const plain = createServer((_req, res) => res.end('{}'));
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  const plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  const leaky = createJobsClient({
    endpoint: plainUrl,
    projectId: PROJECT,
    maxAttempts: 1,
    auth: {
      kind: 'token',
      headersFor: async () => ({ 'X-Auth-Token': 'gQpjbi1ub3J0aC00STS-secret\nline-two' }),
    },
  });
  console.log('  network error:', await outcomeAsync(() => leaky.listJobs({})));
  plain.close();

  console.log('finding 2: a 1 GiB body');
  const jobs = await gigabyteServer(200);
  const client = createJobsClient({
    endpoint: jobs.url,
    projectId: PROJECT,
    maxAttempts: 1,
    auth: { kind: 'token', headersFor: async () => ({ 'X-Auth-Token': 'probe-token-0001' }) },
  });
  const [jobsResult, jobsPeak] = await peakRssMiB(() => outcomeAsync(() => client.listJobs({})));
  console.log(
    `  jobs API: ${jobsResult}\n  peak RSS ${jobsPeak} MiB, server wrote ${Math.round(jobs.sent() / 1024 / 1024)} MiB before the client hung up`,
  );
  jobs.server.closeAllConnections();
  jobs.server.close();
  const relay = await gigabyteServer(200);
  const [relayResult, relayPeak] = await peakRssMiB(() =>
    outcomeAsync(() =>
      deliver(
        { destination: 'probe', url: `${relay.url}/hook`, body: '{}', headers: () => ({}) },
        { timeoutMs: 30_000, maxAttempts: 1 },
      ),
    ),
  );
  console.log(
    `  relay 2xx: ${relayResult}\n  peak RSS ${relayPeak} MiB, server wrote ${Math.round(relay.sent() / 1024 / 1024)} MiB`,
  );
  relay.server.closeAllConnections();
  relay.server.close();

  console.log('finding 3: webhook verification options');
  for (const [label, input] of [
    ['empty secret', { secret: '' }],
    ['tolerance Infinity', { secret: 'whsec_0123456789abcdef', toleranceSeconds: Number.POSITIVE_INFINITY }],
  ] as const) {
    console.log(
      `  ${label}:`,
      outcome(() => verifyWebhookSignature({ header: 't=1,v1=00', body: '{}', ...input })),
    );
  }

  console.log('finding 4: plain http and URLs with user info, query or fragment');
  for (const endpoint of [
    'http://gaussdb-nosql.ap-southeast-1.myhuaweicloud.com',
    'https://u:p@gaussdb.example.test',
    'https://gaussdb.example.test/?x=1',
  ]) {
    console.log(
      ' ',
      outcome(() =>
        settingsFromEnv({
          WATCHER_TARGETS: JSON.stringify([{ region: 'ap-southeast-1', projectId: 'p1', endpoint }]),
        }),
      ),
    );
  }
  console.log(
    '  IAM:',
    outcome(() =>
      authenticatorFromEnv(
        {
          HUAWEICLOUD_USERNAME: 'u',
          HUAWEICLOUD_PASSWORD: 'p',
          HUAWEICLOUD_DOMAIN_NAME: 'd',
          HUAWEICLOUD_IAM_ENDPOINT: 'http://iam.example.test',
        },
        { projectId: PROJECT, region: 'ap-southeast-1' },
      ),
    ),
  );

  const record = (id: unknown, extra: Record<string, unknown> = {}) => ({
    id,
    name: 'BackupInstance',
    status: 'Running',
    start_time: '2023-09-12T06:44:01+0000',
    end_time: '',
    progress: '10%',
    instance: { id: 'inst-1', name: 'nosql-12f5' },
    fail_reason: '',
    ...extra,
  });
  const skipped = (body: string) => {
    const result = parseJobsBody(body);
    return result.ok
      ? result.page.skipped.map((item) => skippedRecordLine('ap-southeast-1/p1', item))
      : result.problem;
  };
  console.log('finding 6: job id __proto__');
  console.log(' ', JSON.stringify(skipped(JSON.stringify({ total_count: 1, jobs: [record('__proto__')] }))));
  console.log('finding 8: a record nested 200 000 levels deep');
  const deep = JSON.stringify(record('job-1', { name: '@' })).replace(
    '"@"',
    `${'['.repeat(200_000)}1${']'.repeat(200_000)}`,
  );
  console.log(' ', JSON.stringify(skipped(`{"total_count": 1, "jobs": [${deep}]}`)));
  console.log('finding 9: terminal escapes in printed values');
  console.log('  printable:', JSON.stringify(printable('nosql\u001b]0;owned\u0007 \u001b[2J\u009b31m')));
  console.log(
    '  warning line:',
    JSON.stringify(
      skipped(
        JSON.stringify({ total_count: 1, jobs: [record('job-1', { start_time: 'x\u009b2J\u202eowned' })] }),
      ),
    ),
  );
  console.log('finding 10: relay redaction and destinations');
  const slack = 'https://hooks.slack.com/services/T0000SECRET/B0000SECRET/XXXXsecretXXXXtoken';
  console.log(
    '  echo JSON-escaped:',
    redact(`{"url":${JSON.stringify(slack).replaceAll('/', '\\/')}}`, slack),
  );
  console.log('  echo URL-encoded:', redact(`bad ${encodeURIComponent(slack)}`, slack));
  for (const url of [
    'https://169.254.169.254/latest/meta-data/',
    'https://10.0.0.5/hook',
    'https://127.0.0.1:9001/2018-06-01/runtime',
  ]) {
    console.log(
      ' ',
      outcome(() => parseRelaySecret(JSON.stringify({ destinations: { a: { url } } }))),
    );
  }
  console.log(
    'also: Teams link from job data:',
    JSON.stringify(escapeTeamsMarkdown('[click here](https://evil.example)')),
  );
}

await main();
