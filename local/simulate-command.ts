import { parseArgs } from 'node:util';
import { createSimulator } from './simulator/server';
import { UsageError } from './specs';

/** Default port of `simulate`, so scripts can point `poll --endpoint` at a known address. */
export const DEFAULT_SIMULATOR_PORT = 8088;

/** Runs the jobs API simulator until `stopped` resolves; exit code 0. */
export async function runSimulate(args: readonly string[], stopped: Promise<void>): Promise<number> {
  let values: { port?: string; seed?: string; speed?: string; token?: string };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        port: { type: 'string' },
        seed: { type: 'string' },
        speed: { type: 'string' },
        token: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError(`simulate: ${(error as Error).message}; see --help`);
  }
  const port = integer('--port', values.port, DEFAULT_SIMULATOR_PORT, 0, 65_535);
  const seed = integer('--seed', values.seed, 1, 0, 2 ** 31);
  const speed = values.speed === undefined ? 1 : Number(values.speed);
  if (!Number.isFinite(speed) || speed <= 0)
    throw new UsageError(`--speed: "${values.speed}" must be a positive number`);
  const token = values.token ?? 'local-token';
  const simulator = createSimulator({ seed, speed, token });
  const url = await simulator.listen(port);
  const projectId = simulator.projectIds[0] ?? '';
  process.stderr.write(
    `simulated GeminiDB jobs API on ${url} (project ${projectId}, token via X-Auth-Token)\n` +
      `try: HUAWEICLOUD_AUTH_TOKEN=${token} npm run cli -- poll --endpoint ${url} --region ap-southeast-1 --project-id ${projectId}\n`,
  );
  await stopped;
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
