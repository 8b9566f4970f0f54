import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AuthPolicy, checkAuth } from './auth';
import {
  type CannedResponse,
  drawFault,
  errorResponse,
  type FaultRates,
  htmlPageResponse,
  serverErrorResponse,
  throttleResponse,
  truncateBody,
  wrongTypesBody,
} from './faults';
import { JobsParameterError, type JobsQuery, parseJobsQuery, selectPage } from './query';
import type { Random } from './random';
import type { ProjectWorld } from './world';

/** Called after a page is sent, before the client can ask for the next one. Errors are ignored. */
export type PageHook = (projectId: string, offset: number, limit: number) => void;

/** An extra endpoint: answers the request and returns true, or leaves it untouched and returns false. */
export type ExtraRoute = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

/** A one-shot answer served before normal handling (auth included). */
export interface InjectedResponse {
  /** Default 200. */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Default `""`. */
  readonly body?: string;
  /** Delay before answering, ms. */
  readonly delayMs?: number;
  /** Destroy the socket instead of answering. */
  readonly reset?: boolean;
}

/** Counters of what the simulator served. */
export interface SimulatorStats {
  requests: number;
  /** Normal 200 pages. */
  pages: number;
  /** By fault kind (`throttle`, `slow`, ...) and `injected`. */
  faults: Record<string, number>;
  byStatus: Record<number, number>;
}

/** What the request handler reads from (and counts into) the simulator. */
export interface HandlerContext {
  readonly stats: SimulatorStats;
  /** Queue of one-shot answers; the handler takes from the front. */
  readonly injected: InjectedResponse[];
  readonly routes: readonly ExtraRoute[];
  readonly auth: AuthPolicy;
  readonly latencyMs: number;
  readonly faultRandom: Random;
  readonly requestIds: Random;
  faults(): FaultRates | undefined;
  world(projectId: string): ProjectWorld | undefined;
  /** The clock the query window is measured against. */
  clockMs(): number;
  /** The instant the lifecycle stands at (frozen while paused). */
  lifecycleMs(): number;
  onPage(): PageHook | undefined;
  sleep(ms: number): Promise<void>;
}

const JOBS_PATH = /^\/v3\/([^/]+)\/jobs$/;
const JSON_HEADERS = { 'content-type': 'application/json;charset=UTF-8' };
const NO_SUCH_API = errorResponse(
  404,
  'APIG.0101',
  'The API does not exist or has not been published in the environment.',
);
/** GeminiDB-style answer for a project that does not exist (the exact code is not documented). */
const NO_SUCH_PROJECT = errorResponse(404, 'DBS.280011', 'The project does not exist.');

function projectOf(pathname: string): string | undefined {
  const segment = JOBS_PATH.exec(pathname)?.[1];
  if (segment === undefined) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * The HTTP side of `GET /v3/{project_id}/jobs`: injected answers, extra routes, gateway faults,
 * auth, project lookup, parameter validation, then the page (possibly garbled by a fault).
 */
export function createRequestHandler(
  context: HandlerContext,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { stats } = context;
  const countFault = (kind: string): void => {
    stats.faults[kind] = (stats.faults[kind] ?? 0) + 1;
  };
  const send = (res: ServerResponse, response: CannedResponse): void => {
    if (res.destroyed || res.writableEnded) return;
    const body = Buffer.from(response.body, 'utf8');
    res.writeHead(response.status, {
      'x-request-id': context.requestIds.hex(32),
      ...response.headers,
      'content-length': String(body.length),
    });
    res.end(body);
    stats.byStatus[response.status] = (stats.byStatus[response.status] ?? 0) + 1;
  };
  const reset = (req: IncomingMessage): void => {
    req.socket.destroy();
  };

  return async (req, res) => {
    stats.requests++;
    await context.sleep(context.latencyMs);
    const oneShot = context.injected.shift();
    if (oneShot) {
      countFault('injected');
      await context.sleep(oneShot.delayMs ?? 0);
      if (oneShot.reset) return reset(req);
      return send(res, {
        status: oneShot.status ?? 200,
        headers: oneShot.headers ?? {},
        body: oneShot.body ?? '',
      });
    }
    for (const route of context.routes) {
      if (await route(req, res)) return;
    }
    const url = new URL(req.url ?? '/', 'http://simulator.local');
    const projectId = projectOf(url.pathname);
    if (projectId === undefined || req.method !== 'GET') return send(res, NO_SUCH_API);

    const faults = context.faults();
    const fault = drawFault(context.faultRandom, faults);
    if (fault.slowMs > 0) {
      countFault('slow');
      await context.sleep(fault.slowMs);
    }
    switch (fault.kind) {
      case 'connectionReset':
        countFault(fault.kind);
        return reset(req);
      case 'throttle':
        countFault(fault.kind);
        return send(res, throttleResponse(faults?.retryAfterSeconds));
      case 'serverError':
        countFault(fault.kind);
        return send(res, serverErrorResponse(fault.variant));
      case 'htmlPage':
        countFault(fault.kind);
        return send(res, htmlPageResponse(fault.variant));
    }

    const verdict = await checkAuth(context.auth, req, url);
    if (!verdict.ok) {
      return send(
        res,
        errorResponse(401, 'APIG.0301', `Incorrect IAM authentication information: ${verdict.reason}`),
      );
    }
    const world = context.world(projectId);
    if (!world) return send(res, NO_SUCH_PROJECT);
    let query: JobsQuery;
    try {
      query = parseJobsQuery(url.searchParams, context.clockMs());
    } catch (error) {
      if (!(error instanceof JobsParameterError)) throw error;
      return send(res, errorResponse(400, 'DBS.200001', `Parameter error: ${error.message}.`));
    }

    const page = selectPage(world.list(context.lifecycleMs(), query.fromMs, query.toMs), query);
    if (fault.kind === 'truncatedJson') {
      countFault(fault.kind);
      return send(res, {
        status: 200,
        headers: JSON_HEADERS,
        body: truncateBody(JSON.stringify(page), fault.variant),
      });
    }
    if (fault.kind === 'wrongTypes') {
      countFault(fault.kind);
      return send(res, { status: 200, headers: JSON_HEADERS, body: wrongTypesBody(page, fault.variant) });
    }
    send(res, { status: 200, headers: JSON_HEADERS, body: JSON.stringify(page) });
    stats.pages++;
    try {
      context.onPage()?.(projectId, query.offset, query.limit);
    } catch {
      // A test hook's failure must not become the client's problem: the page is already sent.
    }
  };
}
