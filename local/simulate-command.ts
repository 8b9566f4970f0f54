import { parseArgs } from 'node:util';
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

/** Runs the jobs API simulator until `stopped` resolves; exit code 0. */
export async function runSimulate(args: readonly string[], stopped: Promise<void>): Promise<number> {
  let values: ReturnType<typeof parseArgs<{ options: typeof SIMULATE_FLAGS; strict: true }>>['values'];
  try {
    ({ values } = parseArgs({ args: [...args], options: SIMULATE_FLAGS, strict: true }));
  } catch (error) {
    throw new UsageError(`simulate: ${(error as Error).message}; see --help`);
  }
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
  const url = await simulator.listen(port);
  const projectId = simulator.projectIds[0] ?? '';
  const modes = [
    credentials.token ? `token ${credentials.token} (X-Auth-Token)` : '',
    credentials.aksk ? `AK/SK ${credentials.aksk.accessKey}` : '',
    credentials.iamUsers?.length ? `IAM at ${url}/v3/auth/tokens` : '',
  ].filter(Boolean);
  process.stderr.write(
    `simulated GeminiDB jobs API on ${url}, projects ${simulator.projectIds.join(', ')}; accepts ${modes.join(', ') || 'anyone'}\n` +
      `try: HUAWEICLOUD_AUTH_TOKEN=${credentials.token ?? 'TOKEN'} npm run cli -- poll --endpoint ${url} --region ap-southeast-1 --project-id ${projectId}\n`,
  );
  await stopped;
  process.stderr.write(`simulator stats: ${JSON.stringify(simulator.stats)}\n`);
  await simulator.close();
  return 0;
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
