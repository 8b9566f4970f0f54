import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** An IAM user the simulator knows. */
export interface SimulatedIamUser {
  readonly name: string;
  readonly password: string;
  readonly domainName: string;
}

/** Users and token lifetime of the simulated IAM. */
export interface IamHandlerOptions {
  readonly users: readonly SimulatedIamUser[];
  /** Lifetime of issued tokens; IAM's is 24 h. */
  readonly tokenTtlSeconds?: number;
  readonly now?: () => Date;
}

/** A simulated IAM token endpoint (`POST /v3/auth/tokens`) plus the checks an API needs. */
export interface IamHandler {
  /** Serves `POST /v3/auth/tokens` and returns true; returns false (untouched) for anything else. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** True for a token this IAM issued that is neither revoked nor expired. */
  isValidToken(token: string | undefined): boolean;
  /** Makes a token invalid before it expires, as revoking it in IAM does. */
  revoke(token: string): void;
  /** The simulator's `authorize` option for token auth: checks `X-Auth-Token`. */
  authorize(req: IncomingMessage): boolean;
  /** Tokens issued so far. */
  readonly issued: number;
}

const DEFAULT_TOKEN_TTL_SECONDS = 24 * 60 * 60;
const MAX_BODY_BYTES = 64 * 1024;

interface PasswordLogin {
  readonly name: string;
  readonly password: string;
  readonly domainName: string;
  readonly projectId: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, ...path: readonly string[]): unknown {
  let current = value;
  for (const key of path) current = isRecord(current) ? current[key] : undefined;
  return current;
}

/** The password login of a token request body, or a text saying what is malformed. */
function parseLogin(body: string): PasswordLogin | string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return 'The request body is not JSON.';
  }
  const methods = field(json, 'auth', 'identity', 'methods');
  if (!Array.isArray(methods) || !methods.includes('password')) {
    return 'auth.identity.methods must include "password".';
  }
  const user = field(json, 'auth', 'identity', 'password', 'user');
  const name = field(user, 'name');
  const password = field(user, 'password');
  const domainName = field(user, 'domain', 'name');
  const projectId = field(json, 'auth', 'scope', 'project', 'id');
  if (typeof name !== 'string' || typeof password !== 'string' || typeof domainName !== 'string') {
    return 'auth.identity.password.user needs name, password and domain.name.';
  }
  if (typeof projectId !== 'string' || projectId === '') return 'auth.scope.project.id is required.';
  return { name, password, domainName, projectId };
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8', ...headers });
  res.end(JSON.stringify(body));
}

function iamError(res: ServerResponse, status: number, title: string, message: string): void {
  sendJson(res, status, { error: { code: status, message, title } });
}

/**
 * A local stand-in for Huawei IAM's password login: issues random project-scoped tokens
 * (201, `X-Subject-Token`, `expires_at`), refuses wrong credentials with IAM's 401 body, and
 * lets the simulated API check, expire and revoke tokens.
 */
export function createIamHandler(options: IamHandlerOptions): IamHandler {
  const now = options.now ?? (() => new Date());
  const ttlMs = (options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS) * 1000;
  const tokens = new Map<string, number>();
  let issued = 0;

  function isValidToken(token: string | undefined): boolean {
    const expiresAtMs = token === undefined ? undefined : tokens.get(token);
    return expiresAtMs !== undefined && now().getTime() < expiresAtMs;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? '/', 'http://iam.local');
    if (req.method !== 'POST' || url.pathname.replace(/\/+$/, '') !== '/v3/auth/tokens') return false;
    const body = await readBody(req);
    const login = body === undefined ? 'The request body is too large.' : parseLogin(body);
    if (typeof login === 'string') {
      iamError(res, 400, 'Bad Request', login);
      return true;
    }
    const known = options.users.some(
      (user) =>
        user.name === login.name && user.password === login.password && user.domainName === login.domainName,
    );
    if (!known) {
      iamError(res, 401, 'Unauthorized', 'The username or password is wrong.');
      return true;
    }
    const issuedAt = now();
    const expiresAt = new Date(issuedAt.getTime() + ttlMs);
    const token = `MIIsim${randomBytes(32).toString('base64url')}`;
    tokens.set(token, expiresAt.getTime());
    issued++;
    sendJson(
      res,
      201,
      {
        token: {
          expires_at: expiresAt.toISOString(),
          issued_at: issuedAt.toISOString(),
          methods: ['password'],
          user: { name: login.name, domain: { name: login.domainName } },
          project: { id: login.projectId },
        },
      },
      { 'X-Subject-Token': token },
    );
    return true;
  }

  return {
    handle,
    isValidToken,
    revoke(token: string): void {
      tokens.delete(token);
    },
    authorize(req: IncomingMessage): boolean {
      const header = req.headers['x-auth-token'];
      return isValidToken(typeof header === 'string' ? header : undefined);
    },
    get issued(): number {
      return issued;
    },
  };
}
