import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { DeployedFunction } from '../../test/artifact/assembly';

const RUNTIME = fileURLToPath(new URL('./virtual-runtime.mjs', import.meta.url));
/** Real time one invocation may take before the container is killed (a runaway, not a deadline). */
const REAL_INVOCATION_LIMIT_MS = 10 * 60_000;
/** Container output kept for an error message. */
const OUTPUT_TAIL_CHARS = 20_000;

/** What the parent tells the runtime for one invocation (see virtual-runtime.mjs). */
export interface VirtualRequest {
  readonly event: unknown;
  readonly clockMs: number;
  readonly apiOrigin: string;
  readonly apiLatencyMs: number;
  readonly ddbPort: number;
  readonly ddbLatencyMs: number;
}

/** One invocation's outcome, with the virtual clock after it. */
export type VirtualInvocation = { readonly clockMs: number; readonly ddbRequests: number } & (
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly error: { readonly name: string; readonly message: string } }
);

type Message =
  | VirtualInvocation
  | { readonly ready: true }
  | { readonly ok: false; readonly init: true; readonly error: { message: string } };

/** One warm container of `fn` on the virtual-clock runtime. */
export interface VirtualContainer {
  invoke(request: VirtualRequest): Promise<VirtualInvocation>;
  close(): Promise<void>;
}

/** The container died, did not load, or ran away in real time: the message carries its output's tail. */
export class VirtualContainerError extends Error {
  override readonly name = 'VirtualContainerError';
}

/** Starts the function's bundle under bare `node` with `environment`, once its module has loaded. */
export async function startVirtualContainer(
  fn: DeployedFunction,
  environment: Readonly<Record<string, string>>,
): Promise<VirtualContainer> {
  const child = spawn(process.execPath, [RUNTIME, String(fn.timeoutSeconds * 1000)], {
    cwd: fn.codeDirectory,
    env: environment,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));

  const next = (): Promise<Message> =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        reject(new VirtualContainerError(`${fn.logicalId} has exited:\n${output}`));
        return;
      }
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new VirtualContainerError(
            `${fn.logicalId} ran ${REAL_INVOCATION_LIMIT_MS} ms of real time:\n${output}`,
          ),
        );
      }, REAL_INVOCATION_LIMIT_MS);
      const onExit = (code: number | null) => {
        clearTimeout(timer);
        reject(new VirtualContainerError(`${fn.logicalId} exited with ${code}:\n${output}`));
      };
      child.once('exit', onExit);
      child.once('message', (message: Message) => {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(message);
      });
    });

  const init = await next();
  if (!('ready' in init)) {
    child.kill('SIGKILL');
    throw new VirtualContainerError(`${fn.logicalId} did not load: ${JSON.stringify(init)}\n${output}`);
  }
  return {
    async invoke(request) {
      const answer = next();
      child.send(request);
      const message = await answer;
      if ('ready' in message || 'init' in message)
        throw new VirtualContainerError(`${fn.logicalId} said ready twice`);
      return message;
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        if (child.connected) child.disconnect();
        await exited;
      }
    },
  };
}
