import { parseArgs } from 'node:util';
import { parseFaults } from '../local/simulate-command';
import { UsageError } from '../local/specs';
import { SoakRunner } from './soak-process';
import { DEFAULT_SOAK_FAULTS, formatSoakResult, runSoak, soakPassed } from './soak-run';

// `npm run soak -- [--cycles 500] [--seed 1] [--kill-rate 0.15] [--faults K=V,...] [--speed 4]
//                   [--runner bundle|tsx] [--dir DIR] [--json]`
// Runs the CLI cycle after cycle against a faulty simulator, SIGKILLs some of them, and prints
// what was lost, contradicted or announced twice. Exits 1 when anything was (or the soak broke),
// 2 on a bad flag.

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const USAGE =
  'usage: npm run soak -- [--cycles N] [--seed N] [--kill-rate 0..1] [--faults KEY=RATE,...] ' +
  '[--speed X] [--runner bundle|tsx] [--dir DIR] [--json]';

/** Thrown for a bad flag; the message names it and what fits. */
class SoakUsageError extends Error {
  override readonly name = 'SoakUsageError';
}

function numberFlag(
  flag: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
    throw new SoakUsageError(`--${flag}: "${value}" must be a number from ${min} to ${max}`);
  }
  return parsed;
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      cycles: { type: 'string' },
      seed: { type: 'string' },
      'kill-rate': { type: 'string' },
      faults: { type: 'string' },
      speed: { type: 'string' },
      runner: { type: 'string' },
      dir: { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  const runner = values.runner ?? SoakRunner.Bundle;
  if (runner !== SoakRunner.Bundle && runner !== SoakRunner.Tsx) {
    throw new SoakUsageError(`--runner: "${runner}" must be bundle or tsx`);
  }
  const result = await runSoak({
    cycles: numberFlag('cycles', values.cycles, 500, 1, 1_000_000),
    seed: numberFlag('seed', values.seed, 1, 0, 2 ** 31),
    killRate: numberFlag('kill-rate', values['kill-rate'], 0.15, 0, 1),
    faults: values.faults ? parseFaults(values.faults) : DEFAULT_SOAK_FAULTS,
    speed: numberFlag('speed', values.speed, 4, 0.1, 100),
    runner,
    ...(values.dir ? { dir: values.dir } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(
    values.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatSoakResult(result)}\n`,
  );
  return soakPassed(result) ? 0 : 1;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  const usage =
    error instanceof SoakUsageError ||
    error instanceof UsageError ||
    (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true;
  process.stderr.write(`soak: ${message}\n${usage ? `${USAGE}\n` : ''}`);
  process.exitCode = usage ? 2 : 1;
}
