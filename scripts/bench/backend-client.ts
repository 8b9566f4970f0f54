import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BackendReady, BackendRequest, BackendResponse, FleetSpec } from './protocol';

type Op = BackendRequest extends infer R ? (R extends { op: infer O } ? O : never) : never;
type Params<O extends Op> = Omit<Extract<BackendRequest, { op: O }>, 'id' | 'op'>;

/** The benchmark's handle on its backend process (see backend.ts). */
export interface Backend extends BackendReady {
  /** Completes these jobs of a project, or its `count` oldest running ones, at `atMs`; returns their ids. */
  finish(projectId: string, count: number, atMs: number, ids?: readonly string[]): Promise<string[]>;
  /** Adds one job starting at `startMs`; returns its id. */
  add(projectId: string, status: string, startMs: number): Promise<string>;
  /** Requests and pages the simulator served. */
  stats(): Promise<{ requests: number; pages: number }>;
  stop(): Promise<void>;
}

/** Starts a backend process with a fleet and waits until it serves. */
export async function startBackend(fleet: FleetSpec): Promise<Backend> {
  const child: ChildProcess = fork(fileURLToPath(new URL('./backend.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  child.on('message', (message: BackendResponse) => {
    const pending = waiting.get(message.id);
    waiting.delete(message.id);
    if (message.ok) pending?.resolve(message.value);
    else pending?.reject(new Error(`benchmark backend: ${message.error}`));
  });
  child.on('exit', (code) => {
    for (const pending of waiting.values())
      pending.reject(new Error(`benchmark backend exited with ${code}`));
    waiting.clear();
  });
  const call = <O extends Op>(op: O, params: Params<O>): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      child.send({ id, op, ...params });
    });

  const ready = (await call('start', { fleet })) as BackendReady;
  return {
    ...ready,
    finish: async (projectId, count, atMs, ids) =>
      (await call('finish', { projectId, count, atMs, ...(ids ? { ids } : {}) })) as string[],
    add: async (projectId, status, startMs) => (await call('add', { projectId, status, startMs })) as string,
    stats: async () => (await call('stats', {})) as { requests: number; pages: number },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      await call('stop', {}).catch(() => {});
      await exited;
    },
  };
}
