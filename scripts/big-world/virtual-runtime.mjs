// The Lambda runtime stand-in of test/artifact/lambda-runtime.mjs, with a virtual clock: `Date` reads
// a clock that moves only when the jobs API or DynamoDB is asked (by their configured latency), so a
// 60 s invocation against a slow API runs in however long the machine needs, and its deadline
// (`context.getRemainingTimeInMillis`) is measured in virtual time. Plain JavaScript: the bundle runs
// under bare `node` as shipped.
//
// Environment: VIRTUAL_RUNTIME_TIMER_STRETCH (default 1) multiplies every real timer's delay.
//
// Usage: spawned with an IPC channel and TIMEOUT_MS as its argument. The parent sends
// {"event", "clockMs", "apiOrigin", "apiLatencyMs", "ddbPort", "ddbLatencyMs"}; the runtime sets its
// clock to clockMs, invokes the handler once and answers {"ok": true, "value"} or {"ok": false,
// "error"}, with "clockMs" (its clock after the invocation) and "ddbRequests" (DynamoDB requests it
// charged latency for). It says {"ready": true} after init, or {"ok": false, "init": true, "error"}.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import timers from 'node:timers';
import { pathToFileURL } from 'node:url';

const env = process.env;
const timeoutMs = Number(process.argv[2]);

const RealDate = Date;
let virtualMs = RealDate.now();
class VirtualDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(virtualMs);
    else super(...args);
  }
  static now() {
    return virtualMs;
  }
}
globalThis.Date = VirtualDate;

// Real timers (the AWS SDK's request and connection timeouts, the jobs client's per-attempt
// timeout) are stretched: an in-process dynalite on a loaded machine can take seconds for what
// DynamoDB answers in milliseconds, and that must not trip a timeout the virtual world never would.
const TIMER_STRETCH = Number(env.VIRTUAL_RUNTIME_TIMER_STRETCH ?? '1');
// Middy's early-timeout timer is one of them (imported from node:timers), set from the virtual
// remaining time.
const realSetTimeout = timers.setTimeout;
const stretchedSetTimeout = (callback, ms, ...rest) =>
  realSetTimeout(callback, typeof ms === 'number' ? ms * TIMER_STRETCH : ms, ...rest);
globalThis.setTimeout = stretchedSetTimeout;
timers.setTimeout = stretchedSetTimeout;

const latency = { apiOrigin: '', apiMs: 0, ddbPort: '', ddbMs: 0, ddbRequests: 0 };
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = typeof input === 'string' ? input : (input?.url ?? String(input));
  if (latency.apiOrigin !== '' && url.startsWith(latency.apiOrigin)) virtualMs += latency.apiMs;
  return realFetch(input, init);
};
const realRequest = http.request;
http.request = function request(...args) {
  const options = args.find((arg) => arg !== null && typeof arg === 'object' && !(arg instanceof URL));
  if (latency.ddbPort !== '' && String(options?.port ?? '') === latency.ddbPort) {
    latency.ddbRequests += 1;
    virtualMs += latency.ddbMs;
  }
  return realRequest.apply(this, args);
};
syncBuiltinESMExports();

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

function context() {
  const deadlineMs = virtualMs + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: `arn:aws:lambda:${env.AWS_REGION}:123456789012:function:${env.AWS_LAMBDA_FUNCTION_NAME}`,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: randomUUID(),
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - virtualMs),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

process.on('disconnect', () => process.exit(0));

let handler;
try {
  handler = await loadHandler();
} catch (error) {
  process.send({ ok: false, init: true, error: describe(error) });
  process.disconnect();
}
if (handler !== undefined) {
  process.on('message', async (message) => {
    virtualMs = message.clockMs;
    Object.assign(latency, {
      apiOrigin: message.apiOrigin,
      apiMs: message.apiLatencyMs,
      ddbPort: String(message.ddbPort),
      ddbMs: message.ddbLatencyMs,
      ddbRequests: 0,
    });
    const done = (answer) =>
      process.send({ ...answer, clockMs: virtualMs, ddbRequests: latency.ddbRequests });
    try {
      done({ ok: true, value: (await handler(message.event, context())) ?? null });
    } catch (error) {
      done({ ok: false, error: describe(error) });
    }
  });
  process.send({ ready: true });
}
