import { parseFlags } from './flags';
import { type SimulatedCredentials, simulatorAuth } from './simulator/auth-modes';
import type { FaultRates } from './simulator/faults';
import { createSimulator, DEFAULT_PROJECT_ID } from './simulator/server';
import { UsageError } from './specs';

/** Default port of `simulate`, so scripts can point `poll --endpoint` at a known address. */
export const DEFAULT_SIMULATOR_PORT = 8088;

const FAULT_KEYS = [
  'throttle',
  'serverError',
  'htmlPage',
  'truncatedJson',
  'wrongTypes',
  'connectionReset',
  'slow',
  'slowMs',
  'retryAfterSeconds',
] as const;

const SIMULATE_FLAGS = {
  port: { type: 'string' },
  seed: { type: 'string' },
  speed: { type: 'string' },
  token: { type: 'string' },
  'no-token': { type: 'boolean' },
  'access-key': { type: 'string' },
  'secret-key': { type: 'string' },
  'iam-user': { type: 'string', multiple: true },
  faults: { type: 'string' },
  'latency-ms': { type: 'string' },
  project: { type: 'string', multiple: true },
  'jobs-per-minute': { type: 'string' },
} as const;

/** Parses `--faults throttle=0.1,serverError=0.05,slow=0.1,slowMs=2000` into fault rates. */
export function parseFaults(value: string): FaultRates {
  const rates: Record<string, number> = {};
  for (const part of value.split(',').filter(Boolean)) {
    const [key, raw] = part.split('=');
    const number = Number(raw);
    if (
      !key ||
      !(FAULT_KEYS as readonly string[]).includes(key) ||
      raw === undefined ||
      !Number.isFinite(number)
    ) {
      throw new UsageError(`--faults: "${part}" must be KEY=NUMBER with KEY one of ${FAULT_KEYS.join(', ')}`);
    }
    rates[key] = number;
  }
  return rates;
}

/** Parses `--iam-user NAME:PASSWORD@DOMAIN`. */
export function parseIamUser(value: string): { name: string; password: string; domainName: string } {
  const match = /^([^:]+):(.+)@([^@]+)$/.exec(value);
  if (!match?.[1] || !match[2] || !match[3]) throw new UsageError('--iam-user: must be NAME:PASSWORD@DOMAIN');
  return { name: match[1], password: match[2], domainName: match[3] };
}

/** A shell word as typed: bare when safe, else single-quoted. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * What `simulate` prints at start: where it listens, then for each auth mode it accepts a comment
 * and an `export` line with the exact values to use (the IAM endpoint is the simulator's base URL:
 * the watcher adds `/v3/auth/tokens` itself), then a `poll` command to try.
 */
export function startLines(
  url: string,
  projectIds: readonly string[],
  credentials: SimulatedCredentials,
): string[] {
  const exportLine = (vars: Readonly<Record<string, string>>) =>
    `export ${Object.entries(vars)
      .map(([name, value]) => `${name}=${shellWord(value)}`)
      .join(' ')}`;
  const modes: string[] = [];
  const lines: string[] = [];
  if (credentials.aksk) {
    modes.push(`AK/SK ${credentials.aksk.accessKey}`);
    lines.push(
      '# AK/SK signing:',
      exportLine({
        HUAWEICLOUD_SDK_AK: credentials.aksk.accessKey,
        HUAWEICLOUD_SDK_SK: credentials.aksk.secretKey,
      }),
    );
  }
  if (credentials.iamUsers?.length) modes.push('IAM password tokens (POST /v3/auth/tokens)');
  for (const user of credentials.iamUsers ?? []) {
    lines.push(
      `# IAM password token for user ${user.name}:`,
      exportLine({
        HUAWEICLOUD_IAM_ENDPOINT: url,
        HUAWEICLOUD_USERNAME: user.name,
        HUAWEICLOUD_PASSWORD: user.password,
        HUAWEICLOUD_DOMAIN_NAME: user.domainName,
      }),
    );
  }
  if (credentials.token) {
    modes.push(`token ${credentials.token} (X-Auth-Token)`);
    lines.push('# static token:', exportLine({ HUAWEICLOUD_AUTH_TOKEN: credentials.token }));
  }
  const poll = `npm run cli -- poll --interval 5 --endpoint ${url} --region ap-southeast-1 --project-id ${projectIds[0] ?? ''}`;
  const tryLine =
    lines.length === 0
      ? `try: HUAWEICLOUD_AUTH_TOKEN=any ${poll}`
      : credentials.token && lines.length === 2
        ? `try: HUAWEICLOUD_AUTH_TOKEN=${shellWord(credentials.token)} ${poll}`
        : `try, after one export above (AK/SK wins over IAM, IAM over the token): ${poll}`;
  return [
    `simulated GeminiDB jobs API on ${url}, projects ${projectIds.join(', ')}; accepts ${modes.join(', ') || 'anyone'}`,
    ...(lines.length > 0 ? ['credentials (each pair of lines is one way in; copy one):', ...lines] : []),
    tryLine,
  ];
}

/** Runs the jobs API simulator until `stopped` resolves; exit code 0. */
export async function runSimulate(args: readonly string[], stopped: Promise<void>): Promise<number> {
  const values = parseFlags('simulate', args, SIMULATE_FLAGS);
  const port = integer('--port', values.port, DEFAULT_SIMULATOR_PORT, 0, 65_535);
  const seed = integer('--seed', values.seed, 1, 0, 2 ** 31);
  const speed = positive('--speed', values.speed, 1);
  if ((values['access-key'] === undefined) !== (values['secret-key'] === undefined)) {
    throw new UsageError('simulate: --access-key and --secret-key go together');
  }
  const credentials: SimulatedCredentials = {
    token: values['no-token'] ? null : (values.token ?? 'local-token'),
    ...(values['access-key'] && values['secret-key']
      ? { aksk: { accessKey: values['access-key'], secretKey: values['secret-key'] } }
      : {}),
    iamUsers: (values['iam-user'] ?? []).map(parseIamUser),
  };
  const simulator = createSimulator({
    seed,
    speed,
    ...simulatorAuth(credentials),
    ...(values.faults ? { faults: parseFaults(values.faults) } : {}),
    ...(values['latency-ms'] ? { latencyMs: positive('--latency-ms', values['latency-ms'], 0) } : {}),
    ...(values['jobs-per-minute']
      ? { jobsPerMinute: positive('--jobs-per-minute', values['jobs-per-minute'], 6) }
      : {}),
    projectIds: values.project ?? [DEFAULT_PROJECT_ID],
  });
  const url = await simulator.listen(port).catch((error: unknown) => {
    throw listenError(port, error);
  });
  process.stderr.write(`${startLines(url, simulator.projectIds, credentials).join('\n')}\n`);
  await stopped;
  process.stderr.write(`simulator stats: ${JSON.stringify(simulator.stats)}\n`);
  await simulator.close();
  return 0;
}

/** A port the simulator cannot listen on, as a usage error naming the fix. */
export function listenError(port: number, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') {
    return new UsageError(
      `--port ${port}: 127.0.0.1:${port} is in use (another simulate?); stop it, or give another --port (0 picks a free one)`,
      { cause: error },
    );
  }
  if (code === 'EACCES') {
    return new UsageError(`--port ${port}: not allowed to listen there; give a --port above 1023`, {
      cause: error,
    });
  }
  return error;
}

function integer(
  flag: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < min || number > max) {
    throw new UsageError(`${flag}: "${value}" must be a whole number from ${min} to ${max}`);
  }
  return number;
}

function positive(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0)
    throw new UsageError(`${flag}: "${value}" must be a positive number`);
  return number;
}
