import { spawn } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeployedFunction } from './assembly';

const RUNTIME = fileURLToPath(new URL('./lambda-runtime.mjs', import.meta.url));

/** The container's memory after an invocation, bytes: resident now and the peak of its life so far. */
export interface ContainerMemory {
  readonly rssBytes: number;
  readonly maxRssBytes: number;
}

/** One handler call's outcome, as the runtime saw it. */
export type InvocationResult =
  | { readonly ok: true; readonly value: unknown; readonly memory?: ContainerMemory }
  | {
      readonly ok: false;
      readonly memory?: ContainerMemory;
      /** True when the module failed to load (the init phase), before any invocation. */
      readonly init?: boolean;
      readonly error: { readonly name: string; readonly message: string; readonly stack: string };
    };

/** One warm container of a function: invocations one at a time, and everything it wrote. */
export interface Container {
  invoke(event: unknown): Promise<InvocationResult>;
  /** Everything the process wrote so far (Powertools logs, EMF metrics, warnings). */
  readonly output: string;
  close(): Promise<void>;
}

/** The container died or did not answer in time: the message carries its output. */
export class ContainerFailedError extends Error {
  override readonly name = 'ContainerFailedError';
}

/**
 * The environment the Lambda service gives a function: the template's variables (resolved) plus
 * what the runtime itself sets (region, credentials, function name, memory, handler, task root).
 * `aws` brings the region, the dummy credentials and the `AWS_ENDPOINT_URL_*` of the stand-ins.
 */
export function lambdaEnvironment(
  fn: DeployedFunction,
  variables: Readonly<Record<string, string>>,
  aws: Readonly<Record<string, string>> & { readonly AWS_REGION: string },
): Record<string, string> {
  const name = `watcher-${fn.logicalId}`;
  return {
    ...variables,
    ...aws,
    AWS_DEFAULT_REGION: aws.AWS_REGION,
    AWS_SESSION_TOKEN: 'stand-in-session-token',
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: name,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2026/01/01/[$LATEST]0123456789abcdef',
    LAMBDA_TASK_ROOT: fn.codeDirectory,
    _HANDLER: fn.handler,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
  };
}

type RuntimeMessage = InvocationResult | { readonly ready: true };

/**
 * Starts one container of `fn` under bare `node` (test/artifact/lambda-runtime.mjs: no tsx, no
 * transform) with exactly `environment` (Node adds only its IPC channel's variables), once its
 * module has loaded or failed to. Close it after the test.
 */
export async function startContainer(
  fn: DeployedFunction,
  environment: Readonly<Record<string, string>>,
): Promise<Container> {
  const child = spawn(process.execPath, [RUNTIME, String(fn.timeoutSeconds * 1000)], {
    cwd: fn.codeDirectory,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const chunks: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => chunks.push(chunk));
  const output = () => Buffer.concat(chunks).toString('utf8');
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));

  /** The next message from the runtime, within the function's timeout and some room to start. */
  const next = (): Promise<RuntimeMessage> =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(
          new ContainerFailedError(
            `${fn.logicalId} has exited (${child.exitCode ?? child.signalCode}):\n${output()}`,
          ),
        );
        return;
      }
      const limitMs = fn.timeoutSeconds * 1000 + 10_000;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new ContainerFailedError(`${fn.logicalId} did not answer within ${limitMs} ms:\n${output()}`));
      }, limitMs);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new ContainerFailedError(`${fn.logicalId} exited with ${code}:\n${output()}`));
      };
      child.once('exit', onExit);
      child.once('message', (message: RuntimeMessage) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(message);
      });
    });

  const init = await next();
  const initFailure = 'ready' in init ? undefined : init;
  return {
    async invoke(event) {
      if (initFailure) return initFailure;
      const answer = next();
      child.send({ event });
      const message = await answer;
      if ('ready' in message) throw new ContainerFailedError(`${fn.logicalId} said ready twice`);
      return message;
    },
    get output() {
      return output();
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        if (child.connected) child.disconnect();
        await exited;
      }
    },
  };
}

/**
 * Makes the AWS SDK importable by the bundles in `assemblyDirectory` the way the Lambda runtime
 * provides it: the bundles keep `@aws-sdk/*` external and get nothing else, so a bundle that needs
 * any other package fails to load here as it would when deployed.
 */
export function provideRuntimeSdk(assemblyDirectory: string): void {
  const modules = join(assemblyDirectory, 'node_modules');
  mkdirSync(modules, { recursive: true });
  symlinkSync(
    fileURLToPath(new URL('../../node_modules/@aws-sdk', import.meta.url)),
    join(modules, '@aws-sdk'),
    'dir',
  );
}
