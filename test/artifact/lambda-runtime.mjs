// A stand-in for the Lambda Node.js runtime, in plain JavaScript so that a bundle runs under bare
// `node` exactly as shipped (no tsx, no vitest transform). Like the runtime it reads
// LAMBDA_TASK_ROOT and _HANDLER ("index.handler": module index.js, .mjs or .cjs in the task root,
// export handler), imports the module once (the init phase), then invokes the handler once per
// event, one at a time, with a context whose deadline is the function's timeout: one warm container.
//
// Usage: spawned with an IPC channel and TIMEOUT_MS as its argument. The parent sends
// {"event": ...}; the runtime answers {"ok": true, "value": ...} or {"ok": false, "error": {...}},
// each with "memory": the process's resident set now and its peak so far, in bytes (what Lambda
// reports as Max Memory Used).
// It says {"ready": true} after init, or {"ok": false, "init": true, "error": ...} if the module
// does not load, and exits when the parent disconnects.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const env = process.env;
const timeoutMs = Number(process.argv[2]);

function describe(error) {
  return {
    name: error?.name ?? 'Error',
    message: error?.message ?? String(error),
    stack: error?.stack ?? '',
  };
}

async function loadHandler() {
  const [moduleName, exportName] = (env._HANDLER ?? '').split('.');
  const file = ['.js', '.mjs', '.cjs']
    .map((extension) => join(env.LAMBDA_TASK_ROOT ?? '', `${moduleName}${extension}`))
    .find((candidate) => existsSync(candidate));
  if (file === undefined)
    throw new Error(`no module ${moduleName} (.js, .mjs, .cjs) in ${env.LAMBDA_TASK_ROOT}`);
  const handler = (await import(pathToFileURL(file).href))[exportName];
  if (typeof handler !== 'function') throw new Error(`${file} exports no function ${exportName}`);
  return handler;
}

function memory() {
  return { rssBytes: process.memoryUsage().rss, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
}

function context() {
  const deadlineMs = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: `arn:aws:lambda:${env.AWS_REGION}:123456789012:function:${env.AWS_LAMBDA_FUNCTION_NAME}`,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: randomUUID(),
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

// Kept-alive sockets must not hold the process once the parent is gone (the runtime freezes it).
process.on('disconnect', () => process.exit(0));

let handler;
try {
  handler = await loadHandler();
} catch (error) {
  process.send({ ok: false, init: true, error: describe(error) });
  process.disconnect();
}
if (handler !== undefined) {
  process.on('message', async ({ event }) => {
    try {
      const value = (await handler(event, context())) ?? null;
      process.send({ ok: true, value, memory: memory() });
    } catch (error) {
      process.send({ ok: false, error: describe(error), memory: memory() });
    }
  });
  process.send({ ready: true });
}
